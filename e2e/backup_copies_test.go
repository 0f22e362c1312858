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
	copiesSite = "testdata/backup-copies-site.yaml"
	// copyRepoDir is the copy's repository on the target box.
	copyRepoDir = "/home/posse/copy"
	copyName    = "offsite"
)

// setUpCopyTarget makes target an off-site copy server for box the way
// docs/backup.md asks an integrator to: an account "posse" with a home and
// a shell that can run the sftp subsystem, box root's unencrypted ed25519
// key in its authorized_keys, and target's host key in box root's
// known_hosts.
func setUpCopyTarget(t *testing.T, box, target *harness.TestBox) {
	t.Helper()
	target.MustRun(t, "sh", "-ec", `
id posse >/dev/null 2>&1 || useradd -m -s /bin/sh posse
systemctl start ssh.service`)
	target.AuthorizeKey(t, "posse", box.RootKey(t))
	box.TrustHost(t, target.IP())
	box.CheckSSH(t, "posse@"+target.IP())
}

// copyStatus is what the test reads of possectl backup status --json.
type copyStatus struct {
	Healthy bool   `json:"healthy"`
	Detail  string `json:"detail"`
	Copies  []struct {
		Name          string     `json:"name"`
		Repository    string     `json:"repository"`
		LastRunAt     *time.Time `json:"last_run_at"`
		LastResult    string     `json:"last_result"`
		LastError     string     `json:"last_error"`
		LastSuccessAt *time.Time `json:"last_success_at"`
		Snapshots     int        `json:"snapshots"`
		NextRun       *time.Time `json:"next_run"`
	} `json:"copies"`
}

func readCopyStatus(t *testing.T, tb *harness.TestBox) copyStatus {
	t.Helper()
	o, e, _ := tb.Output(t, "possectl", "backup", "status", "--json")
	var st copyStatus
	if err := json.Unmarshal([]byte(o), &st); err != nil || len(st.Copies) != 1 {
		t.Fatalf("backup status --json: %v\n%s%s", err, o, e)
	}
	return st
}

// TestBackupCopies backs a Posse box up into a local repository and copies
// it over sftp to a second box on the lab network: the copy's repository
// is made on the first run, restic run from outside the copy step lists
// the snapshot in it and restores a file byte for byte; with sshd stopped
// on the target the copy fails, status names the copy and the reason and no
// success is recorded; with sshd back the copy succeeds again.
func TestBackupCopies(t *testing.T) {
	network := harness.UniqueName("copies")
	tb := harness.Box(t, "bcopy", harness.Options{Network: network})
	target := harness.Box(t, "bctgt", harness.Options{Network: network})
	setUpCopyTarget(t, tb, target)
	copyRepo := "sftp:posse@" + target.IP() + ":" + copyRepoDir

	raw, err := os.ReadFile(copiesSite)
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(t.TempDir(), "backup-copies-site.yaml")
	if err := os.WriteFile(site, bytes.ReplaceAll(raw, []byte("TARGET"), []byte(target.IP())), 0o644); err != nil {
		t.Fatal(err)
	}
	setUpBackupSite(t, tb, site, sftpSecrets)
	unit := "posse-backup-copy-" + copyName
	tb.MustRun(t, "systemctl", "is-enabled", "--quiet", unit+".timer")
	tb.MustRun(t, "systemctl", "is-active", "--quiet", unit+".timer")
	if s := tb.MustRun(t, "systemctl", "cat", unit+".service"); !strings.Contains(s, "backup copy "+copyName+" --scheduled") {
		t.Errorf("%s.service does not run possectl backup copy:\n%s", unit, s)
	}
	if _, _, code := target.Output(t, "test", "-e", copyRepoDir); code == 0 {
		t.Fatal("the copy's repository exists before the first copy")
	}

	dir := t.TempDir()
	file := backupShare + "/Vertrag.bin"
	tb.MustRun(t, "sh", "-c", "head -c 700000 /dev/urandom > "+file)
	orig := filepath.Join(dir, "orig.bin")
	tb.CopyOut(t, file, orig)
	tb.MustRun(t, "possectl", "backup", "run")

	// The first copy through possed: the unit runs, the copy's repository
	// is initialised on the target and holds the snapshot.
	start := time.Now()
	out := tb.MustRun(t, "possectl", "backup", "copy", copyName)
	t.Logf("first copy in %.1fs: %s", time.Since(start).Seconds(), lastLines(out, 1))
	if !strings.Contains(out, "copy "+copyName+" done in") || !strings.Contains(out, "1 snapshots in "+copyRepo) {
		t.Errorf("possectl backup copy:\n%s", out)
	}
	if o := target.MustRun(t, "stat", "-c", "%U", copyRepoDir+"/config"); strings.TrimSpace(o) != "posse" {
		t.Errorf("the copy's config is owned by %q, want the sftp account posse", strings.TrimSpace(o))
	}
	var main, copied []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "restic", "-r", "/srv/posse/backup", "--password-file", "/var/lib/posse/backup/restic.pw", "--no-cache", "snapshots", "--json")), &main); err != nil || len(main) != 1 {
		t.Fatalf("main repository snapshots: %v %+v", err, main)
	}
	restic := func(args ...string) []string {
		return append([]string{"restic", "-r", copyRepo, "--password-file", "/var/lib/posse/backup/restic.pw", "--no-cache"}, args...)
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, restic("snapshots", "--json")...)), &copied); err != nil || len(copied) != 1 {
		t.Fatalf("copy snapshots: %v %+v", err, copied)
	}
	// restic copy gives the copied snapshot a new id (and keeps the
	// original's as "original"); the tree is the same.
	if o := tb.MustRun(t, restic("ls", "latest", file)...); !strings.Contains(o, file) {
		t.Errorf("the copy's snapshot lacks %s:\n%s", file, o)
	}
	// Same chunker parameters as the main repository, so the copy
	// deduplicates the same way.
	chunker := func(repo string) string {
		o := tb.MustRun(t, "restic", "-r", repo, "--password-file", "/var/lib/posse/backup/restic.pw", "--no-cache", "cat", "config")
		var c struct {
			Polynomial string `json:"chunker_polynomial"`
		}
		json.Unmarshal([]byte(o), &c)
		return c.Polynomial
	}
	if a, b := chunker("/srv/posse/backup"), chunker(copyRepo); a == "" || a != b {
		t.Errorf("chunker polynomial: main %q, copy %q", a, b)
	}
	tb.MustRun(t, restic("restore", "latest", "--target", "/tmp/fromcopy", "--include", file)...)
	got := filepath.Join(dir, "got.bin")
	tb.CopyOut(t, "/tmp/fromcopy"+file, got)
	a, _ := os.ReadFile(orig)
	b, _ := os.ReadFile(got)
	if len(a) != 700000 || !bytes.Equal(a, b) {
		t.Fatalf("the file restored from the copy differs (%d vs %d bytes)", len(a), len(b))
	}
	st := readCopyStatus(t, tb)
	c := st.Copies[0]
	if !st.Healthy || c.Name != copyName || c.Repository != copyRepo || c.LastResult != "success" || c.Snapshots != 1 || c.LastSuccessAt == nil || c.NextRun == nil {
		t.Errorf("status after the first copy: %+v", st)
	}
	firstOK := *c.LastSuccessAt

	// The target's sshd down: the copy fails, says which copy and why,
	// and records no success.
	target.MustRun(t, "sh", "-c", "systemctl stop ssh.socket 2>/dev/null; systemctl stop ssh.service")
	if _, _, code := tb.Output(t, "bash", "-c", "timeout 5 bash -c '</dev/tcp/"+target.IP()+"/22'"); code == 0 {
		t.Fatal("port 22 on the target still answers after stopping sshd")
	}
	tb.MustRun(t, "possectl", "backup", "run")
	o, e, code := tb.Output(t, "possectl", "backup", "copy", copyName)
	t.Logf("copy with sshd stopped: exit %d: %s", code, strings.TrimSpace(e))
	if code != 1 || !strings.Contains(e, "copy "+copyName+" failed") || !strings.Contains(e, copyRepo) || !strings.Contains(strings.ToLower(e), "connection refused") {
		t.Errorf("copy with sshd stopped: exit %d\n%s%s", code, o, e)
	}
	o, e, code = tb.Output(t, "possectl", "backup", "status")
	if code != 1 || !strings.Contains(o, "copy "+copyName) || !strings.Contains(o, "FAILED") || !strings.Contains(strings.ToLower(o), "connection refused") ||
		!strings.Contains(o, "the last copy to "+copyName) {
		t.Errorf("status after the failed copy: exit %d\n%s%s", code, o, e)
	}
	st = readCopyStatus(t, tb)
	c = st.Copies[0]
	if st.Healthy || c.LastResult != "failed" || c.LastError == "" || c.LastSuccessAt == nil || !c.LastSuccessAt.Equal(firstOK) || c.Snapshots != 1 {
		t.Errorf("status --json after the failed copy: %+v", st)
	}

	// sshd back: the copy succeeds and brings the second snapshot.
	target.MustRun(t, "systemctl", "start", "ssh.service")
	harness.Eventually(t, 20*time.Second, func() error {
		if _, _, code := tb.Output(t, "bash", "-c", "timeout 5 bash -c '</dev/tcp/"+target.IP()+"/22'"); code != 0 {
			return fmt.Errorf("port 22 on the target does not answer")
		}
		return nil
	})
	out = tb.MustRun(t, "possectl", "backup", "copy", "--all", "--json")
	var res []struct {
		Name       string `json:"name"`
		LastResult string `json:"last_result"`
		Snapshots  int    `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || res[0].Name != copyName || res[0].LastResult != "success" || res[0].Snapshots != 2 {
		t.Errorf("copy --all --json after sshd is back: %v\n%s", err, out)
	}
	st = readCopyStatus(t, tb)
	if c := st.Copies[0]; !st.Healthy || c.LastResult != "success" || c.Snapshots != 2 || !c.LastSuccessAt.After(firstOK) {
		t.Errorf("status after the copy succeeded again: %+v", st)
	}
	// The in-process status reads the same run log.
	o = tb.MustRun(t, "possectl", "--direct", "backup", "status", "--json")
	var direct copyStatus
	if err := json.Unmarshal([]byte(o), &direct); err != nil || len(direct.Copies) != 1 || direct.Copies[0].LastResult != "success" || direct.Copies[0].Snapshots != 2 {
		t.Errorf("possectl --direct backup status --json: %v\n%s", err, o)
	}
	copied = nil
	if err := json.Unmarshal([]byte(tb.MustRun(t, restic("snapshots", "--json")...)), &copied); err != nil || len(copied) != 2 {
		t.Errorf("the copy after the second run: %v, %d snapshots, want 2", err, len(copied))
	}
	// The check reads the copy's repository too.
	tb.MustRun(t, "systemctl", "start", "posse-backup-check.service")
	var check struct {
		Kind          string
		Error         string
		CopiesChecked int `json:"copies_checked"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "tail", "-n1", "/var/lib/posse/backup/runs.jsonl")), &check); err != nil || check.Kind != "check" || check.Error != "" || check.CopiesChecked != 1 {
		t.Errorf("the check after the copies: %+v %v", check, err)
	}
	if j := tb.MustRun(t, "journalctl", "--no-pager", "-o", "cat"); strings.Contains(j, backupPassword) {
		t.Error("the repository password is in the journal")
	}
}

// TestBackupCopyCorrupt damages one pack file in the off-site copy's
// repository on the target box: the check (its unit, as the weekly timer
// starts it) fails and names the copy, its repository and the damaged
// pack while the main repository passes, backup status shows the failed
// check, and the check's OnFailure mails one alert, read over IMAPS, that
// names the copy's repository; the pack put back, the next check passes
// and a resolved mail follows. Subtests then feed the same box bad input:
// a wrong repository password (testWrongPassword) and a full repository
// disk (testTargetFull).
func TestBackupCopyCorrupt(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed on the host (scripts/deps.sh installs it for CI)")
	}
	network := harness.UniqueName("copybad")
	tb := harness.Box(t, "cbad", harness.Options{Network: network})
	target := harness.Box(t, "cbadtgt", harness.Options{Network: network})
	_, _, m := setUpNotifyBox(t, tb, target)
	copyRepo := "sftp:posse@" + target.IP() + ":" + copyRepoDir

	tb.MustRun(t, "sh", "-c", "head -c 3000000 /dev/urandom > "+backupShare+"/Bilanz.bin")
	tb.MustRun(t, "possectl", "backup", "run")
	tb.MustRun(t, "possectl", "backup", "copy", copyName)
	if o := tb.MustRun(t, "possectl", "backup", "check"); !strings.Contains(o, "is fine") {
		t.Fatalf("the check before any damage:\n%s", o)
	}
	// Each run measured its repository; status reports the sizes.
	var sizes struct {
		SizeBytes int64 `json:"size_bytes"`
		Copies    []struct {
			SizeBytes int64 `json:"size_bytes"`
		} `json:"copies"`
	}
	o := tb.MustRun(t, "possectl", "backup", "status", "--json")
	if err := json.Unmarshal([]byte(o), &sizes); err != nil || sizes.SizeBytes < 3000000 || len(sizes.Copies) != 1 || sizes.Copies[0].SizeBytes < 3000000 {
		t.Errorf("backup status --json lacks the sizes: %v\n%s", err, o)
	}
	t.Logf("sizes: main %d, copy %d bytes", sizes.SizeBytes, sizes.Copies[0].SizeBytes)

	// One pack of the copy damaged in the middle, its size kept (so only
	// reading the data finds it).
	packs := strings.Fields(target.MustRun(t, "sh", "-c", "find "+copyRepoDir+"/data -type f -size +100k | sort"))
	if len(packs) == 0 {
		t.Fatalf("no pack file in %s on the target", copyRepoDir)
	}
	pack := packs[0]
	target.MustRun(t, "cp", "-a", pack, "/root/pack.orig")
	target.MustRun(t, "sh", "-ec", `printf XXXXXXXX | dd of="$1" bs=1 seek=$(( $(stat -c %s "$1") / 2 )) conv=notrunc status=none`, "sh", pack)
	t.Logf("damaged pack %s of %d", filepath.Base(pack), len(packs))

	start := time.Now()
	if _, _, code := tb.Output(t, "systemctl", "start", "posse-backup-check.service"); code == 0 {
		t.Fatal("the check's unit passed with a damaged pack in the copy")
	}
	t.Logf("check with the damaged copy failed in %.1fs", time.Since(start).Seconds())
	var rec struct {
		Kind          string
		Error         string
		CopiesChecked int `json:"copies_checked"`
	}
	if err := json.Unmarshal([]byte(tb.MustRun(t, "tail", "-n1", "/var/lib/posse/backup/runs.jsonl")), &rec); err != nil || rec.Kind != "check" ||
		!strings.Contains(rec.Error, "copy "+copyName+" ("+copyRepo+")") || !strings.Contains(rec.Error, filepath.Base(pack)) || rec.CopiesChecked != 0 || strings.Contains(rec.Error, "/srv/posse/backup") {
		t.Errorf("the check record: %+v %v", rec, err)
	}
	t.Logf("check error: %s", rec.Error)
	o, e, code := tb.Output(t, "possectl", "backup", "check")
	if code == 0 || !strings.Contains(e, "copy "+copyName+" ("+copyRepo+")") || !strings.Contains(e, filepath.Base(pack)) {
		t.Errorf("possectl backup check with the damaged copy: exit %d\n%s%s", code, o, e)
	}
	o, e, code = tb.Output(t, "possectl", "backup", "status")
	if code != 1 || !strings.Contains(o, "FAILED") || !strings.Contains(o, "repository check") || !strings.Contains(o, copyRepo) {
		t.Errorf("backup status after the failed check: exit %d\n%s%s", code, o, e)
	}

	alert := "PROBLEM: the backup check failed"
	m.waitFor(t, alert, 1)
	if msg := m.body(t, alert); !strings.Contains(msg, copyRepo) || !strings.Contains(msg, "copy "+copyName) || !strings.Contains(msg, "What to do:") {
		t.Errorf("the check's alert does not name the copy's repository:\n%s", msg)
	}
	var st notifyStatus
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "notify", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	// notify status asks possed's Alerts: the open problem with since
	// when and what to do.
	if o, ok := st.State.Open["check"]; !ok || o.FirstSeen.IsZero() || o.LastSent.IsZero() {
		t.Errorf("notify status has no open check problem: %+v", st)
	}
	if o := tb.MustRun(t, "possectl", "notify", "status"); !strings.Contains(o, "check") || !strings.Contains(o, "the backup check failed") {
		t.Errorf("notify status:\n%s", o)
	}

	// The pack put back: the check passes, the alert resolves.
	target.MustRun(t, "cp", "-a", "/root/pack.orig", pack)
	tb.MustRun(t, "systemctl", "start", "posse-backup-check.service")
	tb.MustRun(t, "possectl", "notify", "run")
	m.waitFor(t, "RESOLVED: the backup check failed", 1)
	if n, err := m.count(alert); err != nil || n != 1 {
		t.Errorf("%d alerts for the failed check (%v), want 1", n, err)
	}

	// Bad input on the same box (issue 22): each subtest puts the state
	// back.
	t.Run("WrongPassword", func(t *testing.T) { testWrongPassword(t, tb, m, copyRepo) })
	t.Run("TargetFull", func(t *testing.T) { testTargetFull(t, tb) })
}

// resticPW is the box's repository password file.
const resticPW = "/var/lib/posse/backup/restic.pw"

// backupState is what the bad-input subtests read of possectl backup
// status --json (through possed) and --direct (the run records).
type backupState struct {
	LastResult string `json:"last_result"`
	Healthy    bool   `json:"healthy"`
	Detail     string `json:"detail"`
	LastRun    *struct {
		Error  string `json:"error"`
		Reason string `json:"reason"`
	} `json:"last_run"`
	LastOK *struct {
		Start      time.Time `json:"start"`
		SnapshotID string    `json:"snapshot_id"`
	} `json:"last_success"`
}

func readBackupState(t *testing.T, tb *harness.TestBox, direct bool) backupState {
	t.Helper()
	args := []string{"possectl", "backup", "status", "--json"}
	if direct {
		args = append(args, "--direct")
	}
	o, e, _ := tb.Output(t, args...)
	var st backupState
	if err := json.Unmarshal([]byte(o), &st); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, o, e)
	}
	return st
}

// resticSnapshots lists the main repository's snapshots' short IDs,
// oldest first, with restic itself.
func resticSnapshots(t *testing.T, tb *harness.TestBox) []string {
	t.Helper()
	var snaps []struct {
		ShortID string `json:"short_id"`
	}
	o := tb.MustRun(t, "restic", "-r", "/srv/posse/backup", "--password-file", resticPW, "--no-cache", "snapshots", "--json")
	if err := json.Unmarshal([]byte(o), &snaps); err != nil || len(snaps) == 0 {
		t.Fatalf("restic snapshots: %v\n%s", err, o)
	}
	var ids []string
	for _, s := range snaps {
		ids = append(ids, s.ShortID)
	}
	return ids
}

// badInputBackup checks a backup run that must fail: exit non-zero with
// each of want in its message, the run record and status failed with
// reason, the last success unchanged, and the backup an open problem in
// notify status (possed's Alerts).
func badInputBackup(t *testing.T, tb *harness.TestBox, reason string, want ...string) {
	t.Helper()
	before := readBackupState(t, tb, true)
	o, e, code := tb.Output(t, "possectl", "backup", "run")
	if code == 0 {
		t.Fatalf("possectl backup run passed:\n%s%s", o, e)
	}
	for _, w := range want {
		if !strings.Contains(o+e, w) {
			t.Errorf("possectl backup run: exit %d, no %q in\n%s%s", code, w, o, e)
		}
	}
	t.Logf("backup run: %s", strings.TrimSpace(lastLines(e, 1)))
	st := readBackupState(t, tb, false)
	if st.Healthy || st.LastResult != "failed" || !strings.Contains(st.Detail, want[0]) {
		t.Errorf("backup status --json: %+v", st)
	}
	d := readBackupState(t, tb, true)
	if d.LastRun == nil || d.LastRun.Reason != reason || !strings.Contains(d.LastRun.Error, want[0]) {
		t.Errorf("backup status --json --direct, last run: %+v", d.LastRun)
	}
	if d.LastOK == nil || before.LastOK == nil || !d.LastOK.Start.Equal(before.LastOK.Start) || d.LastOK.SnapshotID != before.LastOK.SnapshotID {
		t.Errorf("the last success moved: before %+v, after %+v", before.LastOK, d.LastOK)
	}
	if o, e, _ := tb.Output(t, "possectl", "notify", "run"); !strings.Contains(o, "problem backup: the backup failed") {
		t.Errorf("notify run:\n%s%s", o, e)
	}
	var ns notifyStatus
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "notify", "status", "--json")), &ns); err != nil {
		t.Fatal(err)
	}
	if _, ok := ns.State.Open["backup"]; !ok {
		t.Errorf("notify status has no open backup problem: %+v", ns.State.Open)
	}
}

// badInputResolved runs a good backup and lets notify resolve the alert.
func badInputResolved(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	tb.MustRun(t, "possectl", "backup", "run")
	tb.MustRun(t, "possectl", "notify", "run")
	var ns notifyStatus
	if err := json.Unmarshal([]byte(tb.MustRun(t, "possectl", "notify", "status", "--json")), &ns); err != nil {
		t.Fatal(err)
	}
	if _, ok := ns.State.Open["backup"]; ok {
		t.Errorf("the backup problem is still open after a good run: %+v", ns.State.Open)
	}
}

// testWrongPassword replaces the box's password file (the main
// repository no longer opens) and then re-keys the copy's repository (it
// no longer opens with the box's password): each run fails saying which
// repository refused the password and what to do, the failure is
// recorded and alerted, no success is claimed; the password and key put
// back, the runs pass again.
func testWrongPassword(t *testing.T, tb *harness.TestBox, m inbox, copyRepo string) {
	tb.MustRun(t, "cp", "-a", resticPW, "/root/restic.pw.orig")
	restore := func() { tb.MustRun(t, "cp", "-a", "/root/restic.pw.orig", resticPW) }
	defer restore()
	tb.MustRun(t, "sh", "-c", "printf %s Not-The-Backup-Password-1 > "+resticPW)
	badInputBackup(t, tb, "wrong_password", "the backup password does not open the repository /srv/posse/backup", "backup.password", "restic key add")
	m.waitFor(t, "PROBLEM: the backup failed", 1)
	if msg := m.body(t, "PROBLEM: the backup failed"); !strings.Contains(msg, "does not open the repository") {
		t.Errorf("the backup's alert does not say the password is wrong:\n%s", msg)
	}
	restore()
	badInputResolved(t, tb)

	// The copy's repository re-keyed on the target's side.
	copyBefore := readCopyStatus(t, tb).Copies[0]
	tb.MustRun(t, "sh", "-c", "printf %s Another-Copy-Password-2 > /root/other.pw && chmod 600 /root/other.pw")
	tb.MustRun(t, "restic", "-r", copyRepo, "--password-file", resticPW, "--no-cache", "key", "passwd", "--new-password-file", "/root/other.pw")
	defer tb.Output(t, "restic", "-r", copyRepo, "--password-file", "/root/other.pw", "--no-cache", "key", "passwd", "--new-password-file", resticPW)
	o, e, code := tb.Output(t, "possectl", "backup", "copy", copyName)
	if code == 0 || !strings.Contains(o+e, "the backup password does not open the repository "+copyRepo) {
		t.Errorf("copy to a re-keyed repository: exit %d\n%s%s", code, o, e)
	}
	t.Logf("copy: %s", strings.TrimSpace(lastLines(e, 1)))
	c := readCopyStatus(t, tb).Copies[0]
	if c.LastResult != "failed" || !strings.Contains(c.LastError, "does not open the repository "+copyRepo) || c.LastSuccessAt == nil || copyBefore.LastSuccessAt == nil || !c.LastSuccessAt.Equal(*copyBefore.LastSuccessAt) {
		t.Errorf("copy status: %+v", c)
	}
	if o, e, _ := tb.Output(t, "possectl", "notify", "run"); !strings.Contains(o, "problem copy:"+copyName) {
		t.Errorf("notify run with the copy refused:\n%s%s", o, e)
	}
	tb.MustRun(t, "restic", "-r", copyRepo, "--password-file", "/root/other.pw", "--no-cache", "key", "passwd", "--new-password-file", resticPW)
	tb.MustRun(t, "possectl", "backup", "copy", copyName)
	tb.MustRun(t, "possectl", "notify", "run")
}

// testTargetFull puts the main repository on a small tmpfs and fills it:
// the backup fails saying the repository's disk is full and how much is
// free, restic lists no new snapshot, the failure is alerted; the filler
// deleted, the next run succeeds and restic check passes. The tmpfs
// unmounted, the repository as it was before is back.
func testTargetFull(t *testing.T, tb *harness.TestBox) {
	ids := resticSnapshots(t, tb)
	tb.MustRun(t, "sh", "-ec", `
used=$(du -sk /srv/posse/backup | cut -f1)
rm -rf /root/repo.full && cp -a /srv/posse/backup /root/repo.full
mount -t tmpfs -o size=$((used + 8192))k,mode=0700 posse-full /srv/posse/backup
cp -a /root/repo.full/. /srv/posse/backup/`)
	defer tb.Output(t, "sh", "-c", "umount /srv/posse/backup; rm -rf /root/repo.full "+backupShare+"/Jahresabschluss.bin")
	// Full but for 1 MiB: restic can still take its lock, not save the
	// new file's data.
	tb.MustRun(t, "sh", "-c", "dd if=/dev/zero of=/srv/posse/backup/fill bs=64k 2>/dev/null; truncate -s -1M /srv/posse/backup/fill")
	tb.MustRun(t, "sh", "-c", "head -c 4000000 /dev/urandom > "+backupShare+"/Jahresabschluss.bin")
	t.Logf("repository disk: %s", strings.TrimSpace(lastLines(tb.MustRun(t, "df", "-k", "/srv/posse/backup"), 1)))
	badInputBackup(t, tb, "target_full", "the disk of the repository /srv/posse/backup is full", " free of ", "no new snapshot was saved")
	if got := resticSnapshots(t, tb); strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Errorf("restic lists snapshots %v after the failed run, want %v", got, ids)
	}
	tb.MustRun(t, "rm", "/srv/posse/backup/fill")
	badInputResolved(t, tb)
	// Retention keeps one snapshot a day: the newest is the good run's.
	got := resticSnapshots(t, tb)
	st := readBackupState(t, tb, true)
	if newest := got[len(got)-1]; newest == ids[len(ids)-1] || st.LastOK == nil || !strings.HasPrefix(st.LastOK.SnapshotID, newest) {
		t.Errorf("after the good run restic lists %v (before %v), status's last success %+v", got, ids, st.LastOK)
	}
	if o, e, code := tb.Output(t, "restic", "-r", "/srv/posse/backup", "--password-file", resticPW, "--no-cache", "check"); code != 0 || !strings.Contains(o, "no errors were found") {
		t.Errorf("restic check after the full disk: exit %d\n%s%s", code, o, e)
	}
}
