// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
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
	backupSite    = "testdata/backup-site.yaml"
	backupSecrets = "testdata/backup-site.secrets.yaml"
	backupShare   = "/srv/posse/shares/akten"
	// alicePW is alice's password in backupSecrets.
	alicePW = "Kanzlei-Akten-71!"
	// backupPassword is the repository password in backupSecrets.
	backupPassword = "Repo-Passwort-Sehr-Lang-93!"
)

// setUpBackup applies the backup site and then the backup service alone
// (possectl backup setup). If the whole apply fails in another service,
// the test goes on with the directory it provisioned: it records the
// applied site itself and creates the share folder, and says so.
func setUpBackup(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	setUpBackupSite(t, tb, backupSite, backupSecrets)
}

// setUpBackupSite is setUpBackup for another template and secrets file.
func setUpBackupSite(t *testing.T, tb *harness.TestBox, backupSite, backupSecrets string) {
	t.Helper()
	// A checkout does not keep the secrets file's 0600; a copy does.
	raw, err := os.ReadFile(backupSecrets)
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(t.TempDir(), "backup.secrets.yaml")
	if err := os.WriteFile(secrets, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := tb.TryApply(t, backupSite, secrets)
	if code != 0 {
		t.Logf("possectl apply failed (exit %d) in a service other than backup; recording the site by hand:\n%s", code, lastLines(out, 4))
		tb.MustRun(t, "mkdir", "-p", "/var/lib/posse", backupShare)
		tb.CopyIn(t, backupSite, "/var/lib/posse/site.yaml", 0o600)
		tb.CopyIn(t, secrets, "/var/lib/posse/secrets.yaml", 0o600)
	}
	tb.MustRun(t, "possectl", "backup", "setup")
	if got := tb.MustRun(t, "stat", "-c", "%a", "/var/lib/posse/backup/restic.pw"); strings.TrimSpace(got) != "600" {
		t.Fatalf("password file mode %s, want 600", got)
	}
	for _, timer := range []string{"posse-backup.timer", "posse-backup-check.timer", "posse-backup-drill.timer"} {
		tb.MustRun(t, "systemctl", "is-enabled", "--quiet", timer)
		tb.MustRun(t, "systemctl", "is-active", "--quiet", timer)
	}
	// backup.verify: the check's own schedule (the copies' site has none).
	want := "Sat *-*-* 04:30:00"
	if backupSite != "testdata/backup-site.yaml" {
		want = "Sun *-*-* 04:00:00"
	}
	if cal := tb.MustRun(t, "systemctl", "show", "-p", "TimersCalendar", "--value", "posse-backup-check.timer"); !strings.Contains(cal, want) {
		t.Errorf("check timer: %s, want %s", cal, want)
	}
	if again := tb.MustRun(t, "possectl", "backup", "setup"); strings.TrimSpace(again) != "No changes. The box matches the site." {
		t.Errorf("a second setup changed something:\n%s", again)
	}
}

// sendMail delivers a message to the box's port 25 with swaks.
func sendMail(t *testing.T, ip, to, subject string) {
	t.Helper()
	out, err := harness.Host("swaks", "--server", ip, "--port", "25", "--to", to, "--from", "ext@outside.example", "--header", "Subject: "+subject)
	if err != nil || !strings.Contains(out, "250 2.0.0") {
		t.Fatalf("swaks to %s: %v\n%s", to, err, out)
	}
}

// imapHas reports whether user's INBOX holds a message with subject (IMAPS,
// certificate not checked: the mail tests check it).
func imapHas(ip, user, pw, subject string) error {
	out, err := harness.Host("curl", "-sS", "-k", "imaps://"+ip+"/INBOX", "-u", user+":"+pw, "-X", `SEARCH SUBJECT "`+subject+`"`)
	if err != nil {
		return fmt.Errorf("curl imaps as %s: %v %s", user, err, out)
	}
	if strings.TrimSpace(out) == "* SEARCH" {
		return fmt.Errorf("no message %q in the INBOX of %s", subject, user)
	}
	return nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

type runLine struct {
	Kind       string `json:"kind"`
	SnapshotID string `json:"snapshot_id"`
	FilesNew   int64  `json:"files_new"`
	Error      string `json:"error"`
}

// TestBackup: the timer's service backs up a share, a home and a mailbox
// through systemd; a deleted file comes back byte for byte; a changed file
// is kept and the backup restored next to it; a home and a mailbox are
// restored with one command each; retention with keep daily 1 leaves one
// snapshot after several runs; a failed run makes the backup unhealthy.
func TestBackup(t *testing.T) {
	for _, tool := range []string{"swaks", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed on the host (scripts/deps.sh installs it for CI: apt-get install swaks curl)", tool)
		}
	}
	tb := harness.Box(t, "backup")
	setUpBackup(t, tb)
	dir := t.TempDir()

	tb.MustRun(t, "sh", "-c", "head -c 3000000 /dev/urandom > '"+backupShare+"/Vertrag März.pdf' && printf v1 > "+backupShare+"/notes.txt")
	orig := filepath.Join(dir, "orig.pdf")
	tb.CopyOut(t, backupShare+"/Vertrag März.pdf", orig)

	tb.MustRun(t, "sh", "-c", "printf Lebenslauf > /srv/posse/homes/alice/cv.txt && chown alice /srv/posse/homes/alice/cv.txt")
	sendMail(t, tb.IP(), "alice@backup.example", "Backup-Test-Mail")
	harness.Eventually(t, 30*time.Second, func() error { return imapHas(tb.IP(), "alice", alicePW, "Backup-Test-Mail") })

	start := time.Now()
	tb.MustRun(t, "systemctl", "start", "posse-backup.service")
	t.Logf("posse-backup.service finished in %.1fs", time.Since(start).Seconds())
	if r := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "Result", "--value", "posse-backup.service")); r != "success" {
		t.Fatalf("posse-backup.service result %q", r)
	}
	// possed's status (the default) and the in-process one (--direct),
	// which adds the run records.
	var st struct {
		LastResult string `json:"last_result"`
		LastOK     *struct {
			SnapshotID string `json:"snapshot_id"`
			Scheduled  bool   `json:"scheduled"`
		} `json:"last_success"`
		NextRun *time.Time `json:"next_run"`
		Healthy bool       `json:"healthy"`
		Detail  string     `json:"detail"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "backup", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.LastResult != "success" || !st.Healthy || st.NextRun == nil {
		t.Fatalf("status from possed after the timer's run: %+v", st)
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "--direct", "backup", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.LastOK == nil || !st.LastOK.Scheduled || st.LastOK.SnapshotID == "" || !st.Healthy || st.NextRun == nil {
		t.Fatalf("status (--direct) after the timer's run: %+v", st)
	}
	ls := tb.MustRun(t, "possectl", "backup", "ls", "latest", "/var/lib/posse/backup/staging/ad")
	if !strings.Contains(ls, "samba-backup-") {
		t.Errorf("the snapshot holds no AD backup:\n%s", ls)
	}

	// A deleted file comes back, byte for byte, with its owner, mode and
	// ACL (inherited from the share when it was written).
	meta := func() string {
		return tb.MustRun(t, "stat", "-c", "%U %G %a", backupShare+"/Vertrag März.pdf") +
			tb.MustRun(t, "getfacl", "-c", backupShare+"/Vertrag März.pdf")
	}
	metaBefore := meta()
	tb.MustRun(t, "rm", backupShare+"/Vertrag März.pdf")
	start = time.Now()
	out := tb.MustRun(t, "possectl", "backup", "restore", "latest", backupShare+"/Vertrag März.pdf")
	t.Logf("single-file restore in %.1fs: %s", time.Since(start).Seconds(), lastLines(out, 1))
	got := filepath.Join(dir, "restored.pdf")
	tb.CopyOut(t, backupShare+"/Vertrag März.pdf", got)
	a, _ := os.ReadFile(orig)
	b, _ := os.ReadFile(got)
	if len(a) != 3000000 || !bytes.Equal(a, b) {
		t.Fatalf("restored file differs (%d vs %d bytes)", len(a), len(b))
	}
	if m := meta(); m != metaBefore || !strings.Contains(m, "group:") {
		t.Errorf("restored file's owner, mode or ACL:\n%s\nbefore:\n%s", m, metaBefore)
	}

	// A changed file is kept; the backup goes next to it.
	tb.MustRun(t, "sh", "-c", "printf v2 > "+backupShare+"/notes.txt")
	tb.MustRun(t, "possectl", "backup", "restore", "latest", backupShare)
	if v := tb.MustRun(t, "cat", backupShare+"/notes.txt"); v != "v2" {
		t.Errorf("the changed file was overwritten: %q", v)
	}
	beside := tb.MustRun(t, "sh", "-c", "cat '"+backupShare+"'/notes\\ \\(restored\\ *\\).txt")
	if beside != "v1" {
		t.Errorf("the backup next to the changed file holds %q, want v1", beside)
	}
	// possed never overwrites; --overwrite is for root in process.
	if _, e, code := tb.Output(t, "possectl", "backup", "restore", "latest", backupShare+"/notes.txt", "--overwrite"); code != 2 || !strings.Contains(e, "--direct") {
		t.Errorf("--overwrite through possed: exit %d, %s", code, e)
	}
	tb.MustRun(t, "possectl", "--direct", "backup", "restore", "latest", backupShare+"/notes.txt", "--overwrite")
	if v := tb.MustRun(t, "cat", backupShare+"/notes.txt"); v != "v1" {
		t.Errorf("--overwrite left %q", v)
	}

	// A home folder is one command, and keeps its owner.
	before := tb.MustRun(t, "stat", "-c", "%U %a %s", "/srv/posse/homes/alice/cv.txt")
	tb.MustRun(t, "rm", "/srv/posse/homes/alice/cv.txt")
	tb.MustRun(t, "possectl", "backup", "restore", "latest", "--home", "alice")
	if after := tb.MustRun(t, "stat", "-c", "%U %a %s", "/srv/posse/homes/alice/cv.txt"); after != before || !strings.Contains(after, "alice") {
		t.Errorf("restored home file: %q, before %q", after, before)
	}

	// So is a mailbox: a deleted message is back in the INBOX.
	tb.MustRun(t, "sh", "-c", "find /var/vmail/backup.example/alice -type f \\( -path '*/cur/*' -o -path '*/new/*' \\) -delete")
	if err := imapHas(tb.IP(), "alice", alicePW, "Backup-Test-Mail"); err == nil {
		t.Fatal("the message is still there after deleting the Maildir files")
	}
	out = tb.MustRun(t, "possectl", "backup", "restore", "latest", "--mailbox", "alice")
	t.Logf("mailbox restore: %s", lastLines(out, 1))
	harness.Eventually(t, 30*time.Second, func() error { return imapHas(tb.IP(), "alice", alicePW, "Backup-Test-Mail") })

	// Retention: keep daily 1 leaves one snapshot after several runs, one
	// started through possed (which starts the timer's unit and waits for
	// it), one in process.
	for _, argv := range [][]string{{"possectl", "backup", "run"}, {"possectl", "--direct", "backup", "run"}} {
		tb.MustRun(t, "sh", "-c", "date +%s%N > "+backupShare+"/run.txt")
		if out := tb.MustRun(t, argv...); !strings.Contains(out, "snapshot ") {
			t.Errorf("%q printed no snapshot:\n%s", argv, out)
		}
	}
	var snaps []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "backup", "snapshots", "--json")), &snaps); err != nil {
		t.Fatal(err)
	}
	var runs []runLine
	for _, l := range strings.Split(strings.TrimSpace(tb.MustRun(t, "cat", "/var/lib/posse/backup/runs.jsonl")), "\n") {
		var r runLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("run log line %q: %v", l, err)
		}
		runs = append(runs, r)
	}
	if len(runs) != 3 || len(snaps) != 1 || !strings.HasPrefix(snaps[0].ID, runs[2].SnapshotID) {
		t.Errorf("after 3 runs with keep daily 1: %d snapshots %+v, runs %+v", len(snaps), snaps, runs)
	}

	// The weekly check's service runs restic check and logs it.
	tb.MustRun(t, "systemctl", "start", "posse-backup-check.service")
	if l := tb.MustRun(t, "tail", "-n1", "/var/lib/posse/backup/runs.jsonl"); !strings.Contains(l, `"kind":"check"`) || strings.Contains(l, `"error"`) {
		t.Errorf("check run: %s", l)
	}

	checkDrill(t, tb)

	// A failing run is recorded and makes the backup unhealthy.
	tb.MustRun(t, "chmod", "644", "/var/lib/posse/backup/restic.pw")
	if _, e, code := tb.Output(t, "possectl", "backup", "run"); code == 0 || !strings.Contains(e, "chmod 600") {
		t.Errorf("a run with an open password file: exit %d, %s", code, e)
	}
	if o, _, code := tb.Output(t, "possectl", "backup", "status"); code == 0 || !strings.Contains(o, "FAILED") {
		t.Errorf("status after a failed run: exit %d\n%s", code, o)
	}
	tb.MustRun(t, "chmod", "600", "/var/lib/posse/backup/restic.pw")
	if j := tb.MustRun(t, "journalctl", "--no-pager", "-o", "cat"); strings.Contains(j, backupPassword) {
		t.Error("the repository password is in the journal")
	}
}

// TestBackupDisasterRecovery backs up box A, copies its repository to a
// fresh box B (another host name), runs restore-site there and checks from
// outside that a user binds over LDAPS with their password, reads their
// file from the share and finds their mail over IMAP.
func TestBackupDisasterRecovery(t *testing.T) {
	for _, tool := range []string{"ldapsearch", "smbclient", "swaks", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed on the host (scripts/deps.sh installs it for CI: apt-get install ldap-utils smbclient)", tool)
		}
	}
	dir := t.TempDir()
	a := harness.Box(t, "dra")
	setUpBackup(t, a)
	a.MustRun(t, "sh", "-c", "head -c 500000 /dev/urandom > "+backupShare+"/akte.bin")
	orig := filepath.Join(dir, "orig.bin")
	a.CopyOut(t, backupShare+"/akte.bin", orig)
	sendMail(t, a.IP(), "alice@backup.example", "Vor-Dem-Brand")
	harness.Eventually(t, 30*time.Second, func() error { return imapHas(a.IP(), "alice", alicePW, "Vor-Dem-Brand") })
	a.MustRun(t, "possectl", "backup", "run")
	a.MustRun(t, "tar", "-C", "/srv/posse", "-cf", "/tmp/repo.tar", "backup")
	repo := filepath.Join(dir, "repo.tar")
	a.CopyOut(t, "/tmp/repo.tar", repo)

	b := harness.Box(t, "drb")
	b.CopyIn(t, repo, "/tmp/repo.tar", 0o600)
	b.MustRun(t, "sh", "-c", "mkdir -p /srv/posse && tar -C /srv/posse -xf /tmp/repo.tar")
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(backupPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	b.CopyIn(t, pw, "/root/restic.pw", 0o600)
	start := time.Now()
	out := b.MustRun(t, "possectl", "backup", "restore-site", "--repo", "/srv/posse/backup", "--password-file", "/root/restic.pw", "--yes")
	t.Logf("restore-site in %.1fs:\n%s", time.Since(start).Seconds(), lastLines(out, 6))

	ip := b.IP()
	harness.Eventually(t, time.Minute, func() error {
		out, err := harness.HostWith("", []string{"LDAPTLS_REQCERT=never"}, "ldapsearch", "-x", "-H", "ldaps://"+ip,
			"-D", "alice@ad.backup.example", "-w", "Kanzlei-Akten-71!", "-b", "DC=ad,DC=backup,DC=example", "(sAMAccountName=alice)", "dn")
		if err != nil || !strings.Contains(out, "dn: CN=alice,") {
			return fmt.Errorf("ldaps bind as alice: %v: %s", err, out)
		}
		return nil
	})
	got := filepath.Join(dir, "got.bin")
	harness.Eventually(t, time.Minute, func() error {
		out, err := harness.Host("smbclient", "//"+ip+"/akten", "-U", "BACKUP\\alice%Kanzlei-Akten-71!", "-c", "get akte.bin "+got)
		if err != nil {
			return fmt.Errorf("smbclient as alice: %v: %s", err, out)
		}
		return nil
	})
	x, _ := os.ReadFile(orig)
	y, _ := os.ReadFile(got)
	if len(x) != 500000 || !bytes.Equal(x, y) {
		t.Errorf("alice's file after restore-site differs (%d vs %d bytes)", len(x), len(y))
	}
	harness.Eventually(t, time.Minute, func() error { return imapHas(ip, "alice", alicePW, "Vor-Dem-Brand") })
	b.MustRun(t, "systemctl", "is-active", "--quiet", "posse-backup.timer")
}

// TestBackupPerformance measures a first backup of about 200 MB of mixed
// files, a re-run with nothing changed and a single-file restore. It runs
// with POSSE_E2E_BENCH=1 only; the numbers go to the test log.
func TestBackupPerformance(t *testing.T) {
	if os.Getenv("POSSE_E2E_BENCH") != "1" {
		t.Skip("set POSSE_E2E_BENCH=1 to measure")
	}
	tb := harness.Box(t, "bench")
	setUpBackup(t, tb)
	// About 1 GB, the figure: 180 incompressible files of 5 MB
	// (scans), 8000 text files of 16 KB (base64, compressible), in nested
	// folders.
	tb.MustRun(t, "sh", "-c", `set -e; cd `+backupShare+`
for d in 1 2 3; do mkdir -p big$d; for i in $(seq 1 60); do head -c 5000000 /dev/urandom > big$d/scan$i.pdf; done; done
for d in $(seq 1 80); do mkdir -p docs/$d; for i in $(seq 1 100); do head -c 12000 /dev/urandom | base64 > docs/$d/brief$i.txt; done; done`)
	size := strings.Fields(tb.MustRun(t, "du", "-sb", backupShare))[0]
	timed := func(what string, argv ...string) string {
		start := time.Now()
		out := tb.MustRun(t, argv...)
		t.Logf("%s: %.1fs: %s", what, time.Since(start).Seconds(), lastLines(out, 1))
		return out
	}
	t.Logf("share holds %s bytes", size)
	timed("first backup", "possectl", "backup", "run")
	timed("no-change re-run", "possectl", "backup", "run")
	tb.MustRun(t, "rm", backupShare+"/docs/17/brief42.txt")
	timed("single-file restore", "possectl", "backup", "restore", "latest", backupShare+"/docs/17/brief42.txt")
	timed("repository size", "du", "-sh", "/srv/posse/backup")
}

// checkDrill: a restore drill brings its sample back whole; with every
// data pack of the repository damaged (restic's cache still holds the
// trees, so the snapshot lists) it fails, names the files and says so in
// status; with the packs put back it passes again.
func checkDrill(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	const repo = "/srv/posse/backup"
	var res struct {
		Files   int `json:"files_in_snapshot"`
		Tried   int `json:"tried"`
		Matched int `json:"matched"`
		Checks  []struct {
			Path   string `json:"path"`
			SHA256 string `json:"sha256"`
			OK     bool   `json:"ok"`
		} `json:"checks"`
		Parts []struct {
			What  string `json:"what"`
			Path  string `json:"path"`
			Want  int    `json:"want"`
			Got   int    `json:"got"`
			OK    bool   `json:"ok"`
			Users int    `json:"users"`
			Note  string `json:"note"`
		} `json:"parts"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "backup", "drill", "--sample", "30", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Files < 30 || res.Tried != 30 || res.Matched != 30 {
		t.Fatalf("drill of a good repository: %d of %d files came back (of %d)", res.Matched, res.Tried, res.Files)
	}
	// The directory's dump and alice's mailbox (the only one) come back.
	if len(res.Parts) != 2 || !res.Parts[0].OK || res.Parts[0].What != "directory" ||
		!res.Parts[1].OK || res.Parts[1].Path != "/var/vmail/backup.example/alice/Maildir" || res.Parts[1].Got < 1 || res.Parts[1].Got != res.Parts[1].Want {
		t.Errorf("drill parts: %+v", res.Parts)
	}
	// The dump, restored into a throwaway Samba, holds the directory's
	// users (samba-tool lists the same accounts: people, not computers).
	live := strings.Fields(tb.MustRun(t, "samba-tool", "user", "list"))
	if len(res.Parts) > 0 && res.Parts[0].Users != len(live) {
		t.Errorf("the throwaway Samba holds %d users, the directory %d (%q): %s", res.Parts[0].Users, len(live), live, res.Parts[0].Note)
	}
	// The drill's checksum agrees with the file on the box, for a file
	// that has not changed since the backup.
	for _, c := range res.Checks {
		if strings.HasPrefix(c.Path, "/etc/samba/") && c.SHA256 != "" {
			if sum := strings.Fields(tb.MustRun(t, "sha256sum", c.Path))[0]; sum != c.SHA256 {
				t.Errorf("%s: the drill's checksum %s, the box's %s", c.Path, c.SHA256, sum)
			}
		}
	}
	if _, _, code := tb.Output(t, "test", "-e", "/var/lib/posse/backup/drill"); code == 0 {
		t.Error("the drill left its scratch folder")
	}

	tb.MustRun(t, "cp", "-a", repo+"/data", "/root/drill-data.orig")
	tb.MustRun(t, "sh", "-c", `for f in $(find `+repo+`/data -type f); do printf XXXX | dd of="$f" bs=1 seek=$(( $(stat -c %s "$f") / 2 )) conv=notrunc status=none; done`)
	// One damaged spot per pack damages a few files, so the drill samples
	// them all (the middle of a pack is always inside some file's data).
	o, e, code := tb.Output(t, "possectl", "backup", "drill", "--sample", "10000")
	if code == 0 || !strings.Contains(e, "sampled files did not come back whole: /") {
		t.Errorf("drill of a damaged repository: exit %d\n%s%s", code, o, lastLines(e, 5))
	}
	if st := tb.MustRun(t, "sh", "-c", "possectl --direct backup status || true"); !strings.Contains(st, "last drill") || !strings.Contains(st, "FAILED") {
		t.Errorf("status after a failed drill:\n%s", st)
	}
	tb.MustRun(t, "sh", "-c", "rm -rf "+repo+"/data && mv /root/drill-data.orig "+repo+"/data")
	if out := tb.MustRun(t, "possectl", "backup", "drill"); !strings.Contains(out, "20 of 20 sampled files came back whole") {
		t.Errorf("drill after the repair: %s", out)
	}
}
