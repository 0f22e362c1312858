// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	notifySite    = "testdata/notify-site.yaml"
	notifySecrets = "testdata/notify-site.secrets.yaml"
	notifyUser    = "it@notify.example"
	notifyPW      = "Alert-Mailbox-Pw-2026!"
)

// notifyStatus is what the test reads of possectl notify status --json.
type notifyStatus struct {
	To    []string `json:"to"`
	From  string   `json:"from"`
	State struct {
		LastRun time.Time `json:"last_run"`
		Open    map[string]struct {
			Subject   string    `json:"subject"`
			FirstSeen time.Time `json:"first_seen"`
			LastSent  time.Time `json:"last_sent"`
		} `json:"open"`
	} `json:"state"`
}

// inbox reads the notify mailbox over IMAPS from the host with curl.
type inbox struct {
	ip, fqdn, ca string
}

// count returns how many messages in the INBOX have subject in theirs.
func (m inbox) count(subject string) (int, error) {
	out, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
		"imaps://"+m.fqdn+"/INBOX", "-u", notifyUser+":"+notifyPW, "-X", `SEARCH SUBJECT "`+subject+`"`)
	if err != nil {
		return 0, fmt.Errorf("curl imaps: %v %s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "*" && f[1] == "SEARCH" {
			return len(f) - 2, nil
		}
	}
	return 0, fmt.Errorf("no SEARCH answer: %s", out)
}

// body returns the decoded text of the first message with subject.
func (m inbox) body(t *testing.T, subject string) string {
	t.Helper()
	out, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
		"imaps://"+m.fqdn+"/INBOX", "-u", notifyUser+":"+notifyPW, "-X", `SEARCH SUBJECT "`+subject+`"`)
	f := strings.Fields(out)
	if err != nil || len(f) < 3 {
		t.Fatalf("search %q: %v %s", subject, err, out)
	}
	msg, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
		"imaps://"+m.fqdn+"/INBOX;MAILINDEX="+f[2], "-u", notifyUser+":"+notifyPW)
	if err != nil {
		t.Fatalf("fetch message %s: %v %s", f[2], err, msg)
	}
	head, text, _ := strings.Cut(strings.ReplaceAll(msg, "\r\n", "\n"), "\n\n")
	dec, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(text)))
	if err != nil {
		t.Fatalf("message %s: %v", f[2], err)
	}
	return head + "\n\n" + string(dec)
}

// waitFor waits until exactly n messages with subject are in the INBOX.
func (m inbox) waitFor(t *testing.T, subject string, n int) {
	t.Helper()
	harness.Eventually(t, 90*time.Second, func() error {
		got, err := m.count(subject)
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("%d messages %q in the INBOX of %s, want %d", got, subject, notifyUser, n)
		}
		return nil
	})
}

// setUpNotifyBox makes target the off-site copy server of tb and applies
// the alerts' site on tb: mail, a local backup copied over sftp to target,
// and alerts to the mailbox of the user "it". It returns the site and
// secrets files applied and that mailbox.
func setUpNotifyBox(t *testing.T, tb, target *harness.TestBox) (site, secrets string, m inbox) {
	t.Helper()
	setUpCopyTarget(t, tb, target)
	dir := t.TempDir()
	raw, err := os.ReadFile(notifySite)
	if err != nil {
		t.Fatal(err)
	}
	site = filepath.Join(dir, "notify-site.yaml")
	if err := os.WriteFile(site, bytes.ReplaceAll(raw, []byte("TARGET"), []byte(target.IP())), 0o644); err != nil {
		t.Fatal(err)
	}
	sec, err := os.ReadFile(notifySecrets)
	if err != nil {
		t.Fatal(err)
	}
	secrets = filepath.Join(dir, "secrets.yaml")
	if err := os.WriteFile(secrets, sec, 0o600); err != nil {
		t.Fatal(err)
	}
	tb.Apply(t, site, secrets)
	ca := filepath.Join(dir, "ca.crt")
	tb.CopyOut(t, "/var/lib/posse/tls/ca.crt", ca)
	return site, secrets, inbox{ip: tb.IP(), fqdn: tb.Name() + ".ad.notify.example", ca: ca}
}

// TestNotify applies a site with mail, a backup copied over sftp to a
// second box, and alerts to a user's mailbox: the check's timer runs; the
// target's sshd stopped makes the copy fail, and the failed unit's
// OnFailure check mails one alert, read over IMAPS; further checks send no
// second one; with sshd back and a good copy the next check mails that it
// is resolved; a backup that fails (its repository moved away) alerts and
// resolves the same way, and so does a check of a damaged repository.
// Taking notify out of the template removes the units.
func TestNotify(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed on the host (scripts/deps.sh installs it for CI)")
	}
	network := harness.UniqueName("notify")
	tb := harness.Box(t, "notify", harness.Options{Network: network})
	target := harness.Box(t, "ntgt", harness.Options{Network: network})
	site, secrets, m := setUpNotifyBox(t, tb, target)
	tb.MustRun(t, "systemctl", "is-enabled", "--quiet", "posse-notify.timer")
	tb.MustRun(t, "systemctl", "is-active", "--quiet", "posse-notify.timer")
	if s := tb.MustRun(t, "systemctl", "cat", "posse-notify.service"); !strings.Contains(s, "notify run --scheduled") {
		t.Errorf("posse-notify.service does not run possectl notify run:\n%s", s)
	}
	for _, u := range []string{"posse-backup.service", "posse-backup-copy-" + copyName + ".service", "posse-backup-check.service", "posse-backup-drill.service"} {
		if o := tb.MustRun(t, "systemctl", "show", "-p", "OnFailure", "--value", u); strings.TrimSpace(o) != "posse-notify.service" {
			t.Errorf("%s: OnFailure=%q, want posse-notify.service", u, strings.TrimSpace(o))
		}
	}
	if again := tb.Apply(t, site, secrets); !strings.Contains(again, "No changes") {
		t.Errorf("a second apply changed something:\n%s", again)
	}

	// A good backup and copy: the check finds nothing; the test mail
	// arrives.
	tb.MustRun(t, "possectl", "backup", "run")
	tb.MustRun(t, "possectl", "backup", "copy", copyName)
	if o := tb.MustRun(t, "possectl", "notify", "run"); !strings.Contains(o, "no problems") {
		t.Errorf("notify run on a healthy box:\n%s", o)
	}
	o := tb.MustRun(t, "possectl", "notify", "test")
	t.Logf("notify test: %s", strings.TrimSpace(o))
	m.waitFor(t, "test mail", 1)

	// The target's sshd down: the copy fails, its unit's OnFailure starts
	// the check, and one alert arrives.
	target.MustRun(t, "sh", "-c", "systemctl stop ssh.socket 2>/dev/null; systemctl stop ssh.service")
	if _, _, code := tb.Output(t, "possectl", "backup", "copy", copyName); code == 0 {
		t.Fatal("the copy succeeded with the target's sshd stopped")
	}
	alert := "PROBLEM: the backup copy to " + copyName + " failed"
	m.waitFor(t, alert, 1)
	msg := m.body(t, alert)
	for _, want := range []string{"From: Posse on " + tb.Name() + " <posse@notify.example>", "To: " + notifyUser, "Subject: [posse " + tb.Name() + "] " + alert,
		"Message-ID: <", "Date: ", "What happened:", "sftp:posse@" + target.IP(), "What to do:", "possectl backup copy " + copyName} {
		if !strings.Contains(msg, want) {
			t.Errorf("the alert lacks %q:\n%s", want, msg)
		}
	}
	// Checks after it send no second mail for the same problem.
	for range 2 {
		if o := tb.MustRun(t, "possectl", "notify", "run"); !strings.Contains(o, "problem copy:"+copyName) || strings.Contains(o, "sent:") {
			t.Errorf("notify run with the copy still failing:\n%s", o)
		}
	}
	tb.MustRun(t, "systemctl", "start", "posse-notify.service")
	var st notifyStatus
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "notify", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if o, ok := st.State.Open["copy:"+copyName]; !ok || o.LastSent.IsZero() || len(st.State.Open) != 1 || st.From != "posse@notify.example" {
		t.Errorf("notify status --json with the copy failing: %+v", st)
	}
	if o := tb.MustRun(t, "possectl", "notify", "status"); !strings.Contains(o, "copy:"+copyName) {
		t.Errorf("notify status:\n%s", o)
	}
	time.Sleep(5 * time.Second)
	if n, err := m.count(alert); err != nil || n != 1 {
		t.Errorf("%d alerts for one problem (%v), want 1", n, err)
	}
	if mode := tb.MustRun(t, "stat", "-c", "%a", "/var/lib/posse/notify/state.json"); strings.TrimSpace(mode) != "600" {
		t.Errorf("state file mode %s, want 600", mode)
	}

	// sshd back and a good copy: one resolved mail.
	target.MustRun(t, "systemctl", "start", "ssh.service")
	harness.Eventually(t, 20*time.Second, func() error {
		if _, _, code := tb.Output(t, "bash", "-c", "timeout 5 bash -c '</dev/tcp/"+target.IP()+"/22'"); code != 0 {
			return fmt.Errorf("port 22 on the target does not answer")
		}
		return nil
	})
	tb.MustRun(t, "possectl", "backup", "copy", copyName)
	if o := tb.MustRun(t, "possectl", "notify", "run"); !strings.Contains(o, "sent: [posse ") || !strings.Contains(o, "RESOLVED: the backup copy to "+copyName+" failed") {
		t.Errorf("notify run after the copy succeeded:\n%s", o)
	}
	m.waitFor(t, "RESOLVED: the backup copy to "+copyName, 1)
	tb.MustRun(t, "possectl", "notify", "run")
	if n, err := m.count("RESOLVED: the backup copy"); err != nil || n != 1 {
		t.Errorf("%d resolved mails (%v), want 1", n, err)
	}

	// The repository moved away: the backup fails, its unit's OnFailure
	// mails the alert with restic's error; back in place, a good backup
	// brings the resolved mail.
	tb.MustRun(t, "mv", "/srv/posse/backup", "/srv/posse/backup.away")
	if _, _, code := tb.Output(t, "possectl", "backup", "run"); code == 0 {
		t.Fatal("the backup succeeded without its repository")
	}
	m.waitFor(t, "PROBLEM: the backup failed", 1)
	if msg := m.body(t, "PROBLEM: the backup failed"); !strings.Contains(msg, "/srv/posse/backup") || !strings.Contains(msg, "possectl backup run") {
		t.Errorf("the backup's alert:\n%s", msg)
	}
	tb.MustRun(t, "mv", "/srv/posse/backup.away", "/srv/posse/backup")
	tb.MustRun(t, "possectl", "backup", "run")
	tb.MustRun(t, "possectl", "notify", "run")
	m.waitFor(t, "RESOLVED: the backup failed", 1)
	if n, err := m.count("PROBLEM: the backup failed"); err != nil || n != 1 {
		t.Errorf("%d alerts for the failed backup (%v), want 1", n, err)
	}

	// Every pack of the repository damaged: the check's unit fails, its
	// OnFailure mails the alert; the packs put back and a good check bring
	// the resolved mail.
	tb.MustRun(t, "cp", "-a", "/srv/posse/backup/data", "/root/data.orig")
	tb.MustRun(t, "sh", "-c", `for f in $(find /srv/posse/backup/data -type f); do printf XXXX | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") / 2 )) conv=notrunc status=none; done`)
	if _, _, code := tb.Output(t, "systemctl", "start", "posse-backup-check.service"); code == 0 {
		t.Fatal("the check passed on a damaged repository")
	}
	m.waitFor(t, "PROBLEM: the backup check failed", 1)
	tb.MustRun(t, "sh", "-c", "rm -rf /srv/posse/backup/data && mv /root/data.orig /srv/posse/backup/data")
	tb.MustRun(t, "systemctl", "start", "posse-backup-check.service")
	tb.MustRun(t, "possectl", "notify", "run")
	m.waitFor(t, "RESOLVED: the backup check failed", 1)
	if n, err := m.count("PROBLEM: the backup check failed"); err != nil || n != 1 {
		t.Errorf("%d alerts for the failed check (%v), want 1", n, err)
	}

	// notify taken out of the template: the units go, the backup's
	// units no longer start the check.
	noNotify := filepath.Join(t.TempDir(), "no-notify.yaml")
	b, _ := os.ReadFile(site)
	b, _, _ = bytes.Cut(b, []byte("notify:\n  to:"))
	if err := os.WriteFile(noNotify, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tb.Apply(t, noNotify, secrets)
	if _, _, code := tb.Output(t, "test", "-e", "/etc/systemd/system/posse-notify.timer"); code == 0 {
		t.Error("posse-notify.timer is still there without notify")
	}
	if o := tb.MustRun(t, "systemctl", "show", "-p", "OnFailure", "--value", "posse-backup.service"); strings.TrimSpace(o) != "" {
		t.Errorf("posse-backup.service still has OnFailure=%s", o)
	}
	if again := tb.Apply(t, noNotify, secrets); !strings.Contains(again, "No changes") {
		t.Errorf("a second apply without notify changed something:\n%s", again)
	}
}

// notifyDiskSite is a small site with mail and alerts on a box whose /srv
// is a small btrfs disk.
const notifyDiskSite = `version: 1
site:
  name: "Notify Disk Test"
  domain: notify.example
  workgroup: NOTIFY
directory:
  admin_password: ${secret:domain_admin}
users:
  - username: it
    password: ${secret:it}
    must_change_password: false
mail:
  domains: [notify.example]
notify:
  to: [it@notify.example]
  from: alerts@notify.example
`

// TestNotifyDiskFull fills the box's data disk (/srv, a 256 MiB image)
// above 90 %: the check mails one alert, read over IMAPS, and no second
// one on the checks after it; with the file deleted it mails that it is
// resolved.
func TestNotifyDiskFull(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed on the host (scripts/deps.sh installs it for CI)")
	}
	tb := harness.Box(t, "ndisk", harness.Options{Disk: 256 << 20})
	dir := t.TempDir()
	site, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "secrets.yaml")
	if err := os.WriteFile(site, []byte(notifyDiskSite), 0o644); err != nil {
		t.Fatal(err)
	}
	sec, err := os.ReadFile(notifySecrets)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, sec, 0o600); err != nil {
		t.Fatal(err)
	}
	tb.Apply(t, site, secrets)
	ca := filepath.Join(dir, "ca.crt")
	tb.CopyOut(t, "/var/lib/posse/tls/ca.crt", ca)
	m := inbox{ip: tb.IP(), fqdn: tb.Name() + ".ad.notify.example", ca: ca}
	if o := tb.MustRun(t, "possectl", "notify", "run"); !strings.Contains(o, "no problems") {
		t.Fatalf("notify run on a healthy box:\n%s", o)
	}

	tb.Output(t, "sh", "-c", "dd if=/dev/zero of=/srv/fill bs=1M 2>/dev/null; sync")
	t.Logf("/srv filled: %s", strings.TrimSpace(tb.MustRun(t, "df", "-h", "/srv")))
	alert := "PROBLEM: file system /srv is"
	if o := tb.MustRun(t, "possectl", "notify", "run"); !strings.Contains(o, "problem disk:/srv") || !strings.Contains(o, "sent: [posse "+tb.Name()+"] "+alert) {
		t.Errorf("notify run with /srv full:\n%s", o)
	}
	m.waitFor(t, alert, 1)
	if msg := m.body(t, alert); !strings.Contains(msg, "From: Posse on "+tb.Name()+" <alerts@notify.example>") || !strings.Contains(msg, "Free space:") {
		t.Errorf("the alert:\n%s", msg)
	}
	for range 2 {
		if o := tb.MustRun(t, "possectl", "notify", "run"); strings.Contains(o, "sent:") {
			t.Errorf("a second mail for the full disk:\n%s", o)
		}
	}
	tb.MustRun(t, "systemctl", "start", "posse-notify.service")
	time.Sleep(5 * time.Second)
	if n, err := m.count(alert); err != nil || n != 1 {
		t.Errorf("%d alerts for the full disk (%v), want 1", n, err)
	}

	tb.MustRun(t, "sh", "-c", "rm /srv/fill; sync; btrfs filesystem sync /srv 2>/dev/null || true")
	harness.Eventually(t, 60*time.Second, func() error {
		o, e, code := tb.Output(t, "possectl", "notify", "run")
		if code != 0 || !strings.Contains(o, "RESOLVED: file system /srv is") {
			return fmt.Errorf("notify run after deleting the file: exit %d: %s%s", code, o, e)
		}
		return nil
	})
	m.waitFor(t, "RESOLVED: file system /srv", 1)
}
