// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

var fingerprintRE = regexp.MustCompile(`SHA256:[A-Za-z0-9+/]+`)

// TestCLIOverSSH drives possectl --host from the host into a box as root
// over SSH: an unknown host key is refused with its fingerprint, accepted
// with --accept-host-key, then apply and status go to possed in the box,
// and a second apply changes nothing. It also checks that possectl inside
// the box reaches possed by D-Bus activation, and compares the latency of
// possectl status on the box and over SSH.
func TestCLIOverSSH(t *testing.T) {
	tb := harness.Box(t, "cli")
	dir := t.TempDir()
	key := sshKeyInto(t, dir, tb)
	var fps []string
	for _, k := range []string{"ed25519", "ecdsa", "rsa"} {
		if o, _, code := tb.Output(t, "ssh-keygen", "-lf", "/etc/ssh/ssh_host_"+k+"_key.pub"); code == 0 && len(strings.Fields(o)) > 1 {
			fps = append(fps, strings.Fields(o)[1])
		}
	}

	// A HOME of its own: no ~/.ssh of the person running the tests.
	env := []string{"HOME=" + dir, "SSH_AUTH_SOCK="}
	known := filepath.Join(dir, "known_hosts")
	remote := []string{"--host", "root@" + tb.IP(), "--identity", key, "--known-hosts", known}
	template := filepath.Join(dir, "minimal.yaml")
	secrets := filepath.Join(dir, "minimal.secrets.yaml")
	for src, dst := range map[string]string{"../examples/minimal.yaml": template, "../examples/minimal.secrets.yaml": secrets} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(dst, b, 0o600)
	}

	var fp string
	t.Run("unknown host key is refused with its fingerprint", func(t *testing.T) {
		harness.Eventually(t, 20*time.Second, func() error {
			_, e, code := harness.HostPossectl(t, env, append(remote, "status")...)
			if code != 1 || !strings.Contains(e, "is not known") {
				return fmt.Errorf("exit %d: %s", code, e)
			}
			fp = fingerprintRE.FindString(e)
			if !strings.Contains(e, "--accept-host-key "+fp) {
				return fmt.Errorf("the refusal does not say how to accept the key: %s", e)
			}
			return nil
		})
		if !contains(fps, fp) {
			t.Fatalf("fingerprint %q is not one of the box's host keys %v", fp, fps)
		}
		if b, _ := os.ReadFile(known); len(b) > 0 {
			t.Errorf("a refused key was written to known_hosts: %s", b)
		}
	})
	if fp == "" {
		t.FailNow()
	}

	t.Run("accepted host key", func(t *testing.T) {
		_, e, code := harness.HostPossectl(t, env, append(remote, "--accept-host-key", fp, "status")...)
		if code != 1 || !strings.Contains(e, "no site is applied on root@"+tb.IP()) {
			t.Errorf("status before a site, with the accepted key: exit %d: %s", code, e)
		}
		if b, _ := os.ReadFile(known); !strings.Contains(string(b), tb.IP()) {
			t.Errorf("known_hosts lacks the box after accepting: %q", b)
		}
	})

	t.Run("apply over SSH", func(t *testing.T) {
		start := time.Now()
		o, e, code := harness.HostPossectl(t, env, append(remote, "apply", template, "--secrets", secrets, "--yes")...)
		if code != 0 {
			t.Fatalf("apply over SSH: exit %d\n%s\n%s", code, o, e)
		}
		for _, want := range []string{"[1/", "✓ ", "Applied: "} {
			if !strings.Contains(o, want) {
				t.Errorf("apply output lacks %q:\n%s", want, o)
			}
		}
		for _, secret := range []string{"Example-Admin-Pw-2026!", "Example-Jane-1st"} {
			if strings.Contains(o+e, secret) {
				t.Errorf("apply printed a secret")
			}
		}
		t.Logf("applied the minimal site over SSH in %.1fs", time.Since(start).Seconds())
		if j := tb.MustRun(t, "journalctl", "-u", "possed.service", "--no-pager"); !strings.Contains(j, "apply finished") {
			t.Errorf("possed's journal does not show the apply:\n%s", j)
		}
	})

	t.Run("second apply changes nothing", func(t *testing.T) {
		o, e, code := harness.HostPossectl(t, env, append(remote, "apply", template, "--secrets", secrets, "--yes")...)
		if code != 0 || !strings.Contains(o, "No changes") {
			t.Errorf("second apply: exit %d\n%s\n%s", code, o, e)
		}
	})

	t.Run("status over SSH and on the box", func(t *testing.T) {
		o, e, code := harness.HostPossectl(t, env, append(remote, "status")...)
		if code != 0 || !strings.Contains(o, "Beispiel GmbH") || !strings.Contains(o, "samba-ad-dc.service") {
			t.Errorf("status over SSH: exit %d\n%s\n%s", code, o, e)
		}
		o = tb.MustRun(t, "possectl", "status")
		if !strings.Contains(o, "Beispiel GmbH") {
			t.Errorf("status in the box:\n%s", o)
		}
		o = tb.MustRun(t, "possectl", "users", "list")
		if !strings.Contains(o, "jdoe") {
			t.Errorf("users list in the box:\n%s", o)
		}
	})

	t.Run("latency of possectl status", func(t *testing.T) {
		const n = 20
		// On the box: one shell runs the commands, so the time is
		// possectl's (process start, D-Bus, possed, the directory probe).
		out := tb.MustRun(t, "sh", "-c", fmt.Sprintf(`s=$(date +%%s%%N); for i in $(seq %d); do possectl status >/dev/null || exit 1; done; echo $(( ($(date +%%s%%N) - s) / %d000 ))`, n, n))
		var local int
		fmt.Sscan(strings.TrimSpace(out), &local)
		var ds []time.Duration
		for range n {
			s := time.Now()
			if o, e, code := harness.HostPossectl(t, env, append(remote, "status")...); code != 0 {
				t.Fatalf("status over SSH: %d %s %s", code, o, e)
			}
			ds = append(ds, time.Since(s))
		}
		t.Logf("possectl status: on the box (root, local bus) mean %.1f ms; from the host over SSH p50 %s p99 %s (each run: SSH handshake, systemd-stdio-bridge, possed)",
			float64(local)/1000, percentile(ds, 0.5).Round(time.Millisecond), percentile(ds, 0.99).Round(time.Millisecond))
	})
}
