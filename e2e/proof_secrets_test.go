// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const proofSecretsSite = "testdata/proof/secrets-site.yaml"

// secretHolders are the only files under /var/lib/posse allowed to hold a
// secret value, each root-owned with mode 0600 (a glob per entry).
var secretHolders = []string{
	"/var/lib/posse/secrets.yaml",     // the secrets of the last apply
	"/var/lib/posse/backup/restic.pw", // the repository password
	"/var/lib/posse/secrets/*.pw",     // generated service account passwords
}

func isSecretHolder(p string) bool {
	for _, g := range secretHolders {
		if ok, _ := filepath.Match(g, p); ok {
			return true
		}
	}
	return false
}

// TestProofSecrets is the secrets audit: every secret of a site is a fresh
// random marker; while the site is applied, a user is created, a password
// reset, a backup run and a file restored, every process's command line and
// environment on the host (the box's processes included) is read every
// 50 ms; afterwards the box's journal, Posse's state directory, plan and
// export output and every world-readable file under /etc, /var/lib/posse,
// /var/log, /tmp and /run are scanned. No marker may appear anywhere but in
// the files listed in secretHolders, whose modes are checked.
func TestProofSecrets(t *testing.T) {
	tb := harness.Box(t, "psecret")
	dir := t.TempDir()
	ms := []marker{newMarker("domain_admin"), newMarker("alice"), newMarker("bob"), newMarker("carol"), newMarker("backup")}
	secrets := writeSecrets(t, dir, "secrets.yaml", ms)
	newUser, reset := newMarker("dave_initial"), newMarker("bob_reset")
	all := append(append([]marker{}, ms...), newUser, reset)
	// The canary is a positive control: put on purpose into a process's
	// environment, a world-readable file and the journal, it must be found
	// there, or the scans prove nothing.
	canary := newMarker("canary")
	withCanary := append(append([]marker{}, all...), canary)

	sampler := startProcSampler(withCanary, tb.Sandbox().PID(), 50*time.Millisecond)
	stopped := false
	defer func() {
		if !stopped {
			sampler.Stop()
		}
	}()

	start := time.Now()
	tb.Apply(t, proofSecretsSite, secrets)
	t.Logf("full apply in %.1fs", time.Since(start).Seconds())

	if o, e, code := tb.Possectl(t, newUser.Value+"\n", "users", "add", "dave", "--given-name", "Dave", "--surname", "Audit", "--group", "office", "--password-stdin", "--no-must-change"); code != 0 {
		t.Fatalf("users add: exit %d\n%s\n%s", code, o, e)
	}
	if o, e, code := tb.Possectl(t, reset.Value+"\n", "users", "set-password", "bob", "--password-stdin", "--no-must-change"); code != 0 {
		t.Fatalf("users set-password: exit %d\n%s\n%s", code, o, e)
	}
	tb.MustRun(t, "systemd-run", "--unit=proof-canary", "-E", "CANARY="+canary.Value, "sleep", "1")
	tb.MustRun(t, "sh", "-c", "printf 'audit me' > /srv/posse/shares/akten/audit.txt")
	tb.MustRun(t, "possectl", "backup", "run")
	tb.MustRun(t, "rm", "/srv/posse/shares/akten/audit.txt")
	tb.MustRun(t, "possectl", "backup", "restore", "latest", "/srv/posse/shares/akten/audit.txt")
	if got := tb.MustRun(t, "cat", "/srv/posse/shares/akten/audit.txt"); got != "audit me" {
		t.Errorf("restored file holds %q", got)
	}

	// The markers really are the passwords (else the audit proves nothing):
	// the new user and the reset password log on over SMB.
	if _, err := exec.LookPath("smbclient"); err == nil {
		for _, c := range []struct{ user, pw string }{{"dave", newUser.Value}, {"bob", reset.Value}, {"alice", ms[1].Value}} {
			harness.Eventually(t, 30*time.Second, func() error {
				out, err := harness.SMB(t, dir, tb.IP(), "Akten", "AUDIT", c.user, c.pw, "ls")
				if err != nil {
					return fmt.Errorf("smbclient as %s: %v\n%s", c.user, err, out)
				}
				return nil
			})
		}
	} else {
		t.Log("smbclient not on the host: the logons with the marker passwords are not checked")
	}

	samples, reads, boxProcs, allProcs, boxObs, hits, elapsed := sampler.Stop()
	stopped = true
	t.Logf("process sampler: %d samples in %.1fs (every %.0f ms on average), %d cmdline/environ reads; %d distinct processes in the box (%d observations), %d on the whole host",
		samples, elapsed.Seconds(), elapsed.Seconds()*1000/float64(samples), reads, boxProcs, boxObs, allProcs)
	canaries := 0
	for _, h := range hits {
		if strings.Contains(h, ": canary: ") {
			canaries++
			continue
		}
		t.Errorf("secret in a process: %s", h)
	}
	if canaries == 0 {
		t.Error("the sampler did not see the canary in a process's environment: it would not see a secret either")
	}
	t.Logf("the sampler saw the canary %d times", canaries)
	tb.MustRun(t, "sh", "-c", "echo "+canary.Value+" > /tmp/canary && chmod 644 /tmp/canary && echo "+canary.Value+" | systemd-cat -t proof-canary")

	// The journal, every field (verbose shows _CMDLINE and the rest).
	for _, format := range []string{"cat", "verbose"} {
		j := tb.MustRun(t, "journalctl", "--no-pager", "-o", format)
		if !strings.Contains(j, canary.Core) {
			t.Errorf("journal -o %s: the canary is not there: the scan is blind", format)
		}
		if names := findMarkers([]byte(j), all); len(names) > 0 {
			t.Errorf("journal (-o %s, %d bytes) holds secrets: %v", format, len(j), names)
		} else {
			t.Logf("journal -o %s: %d lines, %d bytes, no secret", format, strings.Count(j, "\n"), len(j))
		}
	}

	// Plan and export, through possed and in process.
	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/proof")
	tb.CopyIn(t, proofSecretsSite, "/root/proof/site.yaml", 0o600)
	tb.CopyIn(t, secrets, "/root/proof/secrets.yaml", 0o600)
	for _, argv := range [][]string{
		{"possectl", "plan", "/root/proof/site.yaml", "--secrets", "/root/proof/secrets.yaml", "--json"},
		{"possectl", "plan", "/root/proof/site.yaml", "--secrets", "/root/proof/secrets.yaml"},
		{"possectl", "plan", "/root/proof/site.yaml", "--secrets", "/root/proof/secrets.yaml", "--json", "--direct"},
		{"possectl", "export"},
		{"possectl", "export", "--direct"},
		{"possectl", "status"},
		{"possectl", "users", "list", "--json"},
		{"possectl", "backup", "status", "--json"},
	} {
		o, e, code := tb.Output(t, argv...)
		if code != 0 {
			t.Errorf("%q: exit %d\n%s", argv, code, e)
		}
		if names := findMarkers([]byte(o+e), all); len(names) > 0 {
			t.Errorf("%q prints secrets: %v", argv, names)
		}
	}
	tb.MustRun(t, "rm", "-rf", "/root/proof")

	// Posse's state: everything but the files that must hold secrets,
	// whose mode and owner are checked.
	holders := map[string]string{}
	stateFiles := 0
	walkBoxFiles(tb, "/var/lib/posse", func(p string, fi fs.FileInfo) {
		if isSecretHolder(p) {
			holders[p] = tb.MustRun(t, "stat", "-c", "%a %U", p)
			return
		}
		stateFiles++
		b, err := os.ReadFile(boxRoot(tb) + p)
		if err != nil {
			t.Errorf("reading %s: %v", p, err)
			return
		}
		if names := findMarkers(b, all); len(names) > 0 {
			t.Errorf("%s (mode %o) holds secrets: %v", p, fi.Mode().Perm(), names)
		}
	})
	for _, p := range sortedKeys(holders) {
		if strings.TrimSpace(holders[p]) != "600 root" {
			t.Errorf("%s: mode and owner %q, want 600 root", p, strings.TrimSpace(holders[p]))
		}
		t.Logf("secret holder %s: %s", p, strings.TrimSpace(holders[p]))
	}
	for _, want := range []string{"/var/lib/posse/secrets.yaml", "/var/lib/posse/backup/restic.pw"} {
		if _, ok := holders[want]; !ok {
			t.Errorf("%s is missing", want)
		}
	}

	// Every world-readable file.
	scanned, bytesScanned, canaryFiles := 0, int64(0), 0
	for _, d := range []string{"/etc", "/var/lib/posse", "/var/log", "/tmp", "/run"} {
		walkBoxFiles(tb, d, func(p string, fi fs.FileInfo) {
			if fi.Mode().Perm()&0o004 == 0 {
				return
			}
			b, err := os.ReadFile(boxRoot(tb) + p)
			if err != nil {
				return // a socket-like or vanished file
			}
			scanned++
			bytesScanned += int64(len(b))
			if strings.Contains(string(b), canary.Core) {
				canaryFiles++
			}
			if names := findMarkers(b, all); len(names) > 0 {
				t.Errorf("world-readable %s (mode %o) holds secrets: %v", p, fi.Mode().Perm(), names)
			}
		})
	}
	if canaryFiles != 1 {
		t.Errorf("the file scan found the canary in %d files, want 1 (/tmp/canary)", canaryFiles)
	}
	t.Logf("scanned %d world-readable files (%.1f MB) under /etc /var/lib/posse /var/log /tmp /run and %d other state files; %d secret holders", scanned, float64(bytesScanned)/1e6, stateFiles, len(holders))
}
