// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	exampleSite    = "../examples/small-office.yaml"
	exampleSecrets = "../examples/small-office.secrets.yaml"
	// upgradePW is amueller's password, set before the upgrade.
	upgradePW    = "Vor-dem-Upgrade-2026!"
	upgradeShare = "/srv/posse/shares/akten"
	upgradeFile  = upgradeShare + "/Vertrag vor dem Upgrade.txt"
	upgradeText  = "Mandantenvertrag, unterschrieben 2026\n"
	upgradeMail  = "Vor-dem-Upgrade"
)

// TestBookworm: on Debian 12 the example site still applies and works
// (status all ok, an SMB logon, an IMAP login and delivery, a backup and a
// single-file restore); then the box is upgraded in place to Debian 13 as
// an integrator would (sources to trixie, apt full-upgrade through the
// host's mirror), plan shows what the new versions need, apply converges,
// and nothing is lost: old passwords log on over SMB and Kerberos, the
// mail from before is read over IMAPS, a file comes back from the
// pre-upgrade snapshot, and a second plan is empty.
func TestBookworm(t *testing.T) {
	for _, tool := range []string{"smbclient", "swaks", "curl", "kinit"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed on the host: scripts/deps.sh installs it (make deps)", tool)
		}
	}
	tb := harness.Box(t, "bookwrm", harness.Options{Release: "bookworm"})
	ip, dir := tb.IP(), t.TempDir()
	secrets := copySecrets(t, exampleSecrets)
	tb.Apply(t, exampleSite, secrets)
	if v := tb.MustRun(t, "sh", "-c", ". /etc/os-release; echo $VERSION_CODENAME"); strings.TrimSpace(v) != "bookworm" {
		t.Fatalf("the box runs %q, want bookworm", v)
	}
	var snapshot string

	t.Run("smoke on Debian 12", func(t *testing.T) {
		if o, e, code := tb.Possectl(t, "", "status"); code != 0 {
			t.Fatalf("possectl status: exit %d\n%s%s", code, o, e)
		}
		if o, e, code := tb.Possectl(t, upgradePW+"\n", "users", "set-password", "amueller", "--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("set-password: exit %d\n%s%s", code, o, e)
		}
		tb.MustRun(t, "sh", "-c", "printf '"+upgradeText+"' > '"+upgradeFile+"'")
		if out, err := smbAs(t, dir, ip, "Akten", "amueller", upgradePW, "ls"); err != nil || !strings.Contains(out, "Vertrag vor dem Upgrade.txt") {
			t.Fatalf("amueller lists Akten over SMB: %v\n%s", err, out)
		}
		sendMail(t, ip, "anna.mueller@mueller-partner.example", upgradeMail)
		harness.Eventually(t, 30*time.Second, func() error { return imapHas(ip, "amueller", upgradePW, upgradeMail) })

		tb.MustRun(t, "systemctl", "start", "posse-backup.service")
		if r := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "Result", "--value", "posse-backup.service")); r != "success" {
			t.Fatalf("posse-backup.service result %q", r)
		}
		snapshot = latestSnapshot(t, tb)
		tb.MustRun(t, "rm", upgradeFile)
		tb.MustRun(t, "possectl", "backup", "restore", snapshot, upgradeFile)
		if got := tb.MustRun(t, "cat", upgradeFile); got != upgradeText {
			t.Fatalf("restored file holds %q", got)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("in-place upgrade to Debian 13", func(t *testing.T) {
		upgradeToTrixie(t, tb)
		if v := tb.MustRun(t, "sh", "-c", ". /etc/os-release; echo $VERSION_CODENAME"); strings.TrimSpace(v) != "trixie" {
			t.Fatalf("after the upgrade the box runs %q", v)
		}
		box := filepath.Join("/tmp", "upgrade-site.yaml")
		tb.CopyIn(t, exampleSite, box, 0o644)
		tb.CopyIn(t, secrets, "/root/upgrade.secrets.yaml", 0o600)
		plan, e, code := tb.Possectl(t, "", "plan", box, "--secrets", "/root/upgrade.secrets.yaml")
		if code != 0 && code != 2 {
			t.Fatalf("plan after the upgrade: exit %d\n%s%s", code, plan, e)
		}
		t.Logf("plan after the upgrade:\n%s", lastLines(plan, 40))
		if !strings.Contains(plan, "/etc/dovecot/dovecot.conf") {
			t.Errorf("the plan after the upgrade does not rewrite dovecot.conf for Dovecot 2.4:\n%s", plan)
		}
		tb.Apply(t, exampleSite, secrets)
		if o, e, code := tb.Possectl(t, "", "status"); code != 0 {
			t.Errorf("possectl status after the upgrade: exit %d\n%s%s", code, o, e)
		}
		if _, _, steps := planUnits(t, tb, exampleSite, secrets); steps != 0 {
			t.Errorf("a second plan after the upgrade has %d steps", steps)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("nothing lost", func(t *testing.T) {
		if out, err := smbAs(t, dir, ip, "Akten", "amueller", upgradePW, "ls"); err != nil || !strings.Contains(out, "Vertrag vor dem Upgrade.txt") {
			t.Errorf("amueller's old password over SMB: %v\n%s", err, out)
		}
		if err := kinit(t, dir, ip, "amueller", upgradePW); err != nil {
			t.Errorf("amueller's old password over Kerberos: %v", err)
		}
		harness.Eventually(t, 30*time.Second, func() error { return imapHas(ip, "amueller", upgradePW, upgradeMail) })
		tb.MustRun(t, "rm", upgradeFile)
		tb.MustRun(t, "possectl", "backup", "restore", snapshot, upgradeFile)
		if got := tb.MustRun(t, "cat", upgradeFile); got != upgradeText {
			t.Errorf("file restored from the pre-upgrade snapshot holds %q", got)
		}
		if out := tb.MustRun(t, "samba-tool", "group", "listmembers", "partners"); !strings.Contains(out, "amueller") || !strings.Contains(out, "bpartner") {
			t.Errorf("group members after the upgrade:\n%s", out)
		}
	})
}

// latestSnapshot is the id of the newest restic snapshot, from possectl.
func latestSnapshot(t *testing.T, tb *harness.TestBox) string {
	t.Helper()
	var snaps []struct {
		ID    string    `json:"id"`
		Short string    `json:"short_id"`
		Time  time.Time `json:"time"`
	}
	out := tb.MustRun(t, "possectl", "backup", "snapshots", "--json")
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) == 0 {
		t.Fatalf("backup snapshots --json: %v\n%s", err, out)
	}
	last := snaps[0]
	for _, s := range snaps {
		if s.Time.After(last.Time) {
			last = s
		}
	}
	if last.ID == "" {
		t.Fatalf("snapshot without an id:\n%s", out)
	}
	return last.ID
}

// upgradeToTrixie does what docs/upgrade.md tells the integrator: point
// apt at trixie and run a full upgrade, keeping the configuration files
// Posse wrote. The box reaches the host's mirror through a proxy.
func upgradeToTrixie(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	proxy := harness.StartAptProxy(t, tb.HostIP())
	tb.MustRun(t, "sh", "-c", fmt.Sprintf("echo 'Acquire::http::Proxy \"%s\";' > /etc/apt/apt.conf.d/90posse-test-proxy", proxy.URL()))
	tb.MustRun(t, "sh", "-c", "sed -i 's/bookworm/trixie/g' /etc/apt/sources.list $(ls /etc/apt/sources.list.d/* 2>/dev/null) 2>/dev/null; grep -rh trixie /etc/apt/sources.list /etc/apt/sources.list.d/ | head -3")
	// docs/upgrade.md: hold Dovecot back while its 2.3 configuration is
	// still in place (Dovecot 2.4 refuses it, and dovecot-core's configure
	// step would fail on the restart).
	tb.CopyIn(t, writeHold(t), "/usr/sbin/policy-rc.d", 0o755)
	start := time.Now()
	if o, e, code := tb.Output(t, "apt-get", "update", "-q"); code != 0 {
		t.Fatalf("apt-get update: exit %d\n%s%s", code, lastLines(o, 10), e)
	}
	o, e, code := tb.Output(t, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "full-upgrade", "-y", "-q",
		"-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef")
	t.Logf("apt-get full-upgrade: exit %d in %.0fs, %d requests through the proxy\n%s", code, time.Since(start).Seconds(), proxy.Requests.Load(), lastLines(o, 15))
	if code != 0 {
		t.Fatalf("apt-get full-upgrade failed:\n%s", lastLines(e, 30))
	}
	tb.MustRun(t, "rm", "-f", "/etc/apt/apt.conf.d/90posse-test-proxy", "/usr/sbin/policy-rc.d")
	if st := tb.MustRun(t, "dpkg-query", "-W", "-f", "${db:Status-Abbrev}", "dovecot-core"); strings.TrimSpace(st) != "ii" {
		t.Fatalf("dovecot-core is %q after the upgrade, want ii", st)
	}
}

// upgradeHold is the policy-rc.d of docs/upgrade.md.
const upgradeHold = `#!/bin/sh
# Posse: hold Dovecot back during the upgrade to Debian 13 (docs/upgrade.md).
case "$1" in dovecot|dovecot.service|dovecot.socket) exit 101 ;; esac
exit 104
`

func writeHold(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/upgrade.md")
	if err != nil || !strings.Contains(string(doc), strings.Join(strings.Split(strings.TrimSpace(upgradeHold), "\n"), "\n   ")) {
		t.Fatalf("docs/upgrade.md does not give the hold this test uses (%v)", err)
	}
	p := filepath.Join(t.TempDir(), "policy-rc.d")
	if err := os.WriteFile(p, []byte(upgradeHold), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
