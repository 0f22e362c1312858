// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

const copyRepo = "sftp:copy@offsite.example:/srv/copies/office"

func copySite() *site.Site {
	s := testSite()
	s.Backup.Copies = []site.BackupCopy{{Repository: copyRepo, Schedule: "*-*-* 23:30"}}
	return s
}

// applyFiles writes the file and dir steps of a plan into env's root, as
// apply would.
func applyFiles(t *testing.T, env *host.Env, steps []plan.Step) {
	t.Helper()
	for _, st := range steps {
		if st.Kind == plan.KindFile || st.Kind == plan.KindDir {
			var f plan.FileSpec
			st.DecodeSpec(&f)
			if st.Kind == plan.KindDir {
				mkdir(t, env.Path(f.Path), 0o700)
				continue
			}
			content, _ := plan.ExpandSecrets(f.Content, env.Secrets)
			writeFile(t, env.Path(f.Path), content, osMode(f.Mode))
		}
	}
}

func TestPlanCopies(t *testing.T) {
	env, _ := fakeBox(t)
	env.Offline = true
	writeFile(t, env.Path("/usr/local/bin/possectl"), "", 0o755)
	s := copySite()
	steps, _, err := New().Plan(t.Context(), s, env)
	if err != nil {
		t.Fatal(err)
	}
	got := stepList(steps)
	for _, want := range []string{"file /etc/systemd/system/posse-backup-copy-offsite-example.service", "file /etc/systemd/system/posse-backup-copy-offsite-example.timer", "unit posse-backup-copy-offsite-example.timer"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
	for _, st := range steps {
		if st.Target == SystemdDir+"/posse-backup-copy-offsite-example.service" && !strings.Contains(string(st.Spec), "/usr/local/bin/possectl backup copy offsite-example --scheduled") {
			t.Errorf("the copy's service does not run possectl backup copy: %s", st.Spec)
		}
		if st.Target == SystemdDir+"/posse-backup-copy-offsite-example.timer" && !strings.Contains(string(st.Spec), "OnCalendar=*-*-* 23:30") {
			t.Errorf("the copy's timer lacks its schedule: %s", st.Spec)
		}
	}
	applyFiles(t, env, steps)
	writeFile(t, env.Path("/srv/posse/backup/config"), "x", 0o600)
	steps, _, err = New().Plan(t.Context(), s, env)
	if err != nil || len(steps) != 0 {
		t.Fatalf("second plan: %s, %v", stepList(steps), err)
	}

	// A copy taken out of the template loses its timer and units.
	env.Offline = false
	fu := env.Units.(interface{ Add(string, bool, bool) })
	for _, u := range Timers {
		fu.Add(u, true, true)
	}
	fu.Add(CopyTimerUnit("offsite-example"), true, true)
	s.Backup.Copies = nil
	steps, _, err = New().Plan(t.Context(), s, env)
	if err != nil {
		t.Fatal(err)
	}
	want := `unit posse-backup-copy-offsite-example.timer
file /etc/systemd/system/posse-backup-copy-offsite-example.service
file /etc/systemd/system/posse-backup-copy-offsite-example.timer
unit systemd`
	if got := stepList(steps); !strings.HasPrefix(got, want) {
		t.Errorf("removing the copy:\n%s\nwant first:\n%s", got, want)
	}

	// Without a backup section the copy units go too.
	s.Backup = nil
	steps, _, err = New().Plan(t.Context(), s, env)
	if err != nil || !strings.Contains(stepList(steps), "file /etc/systemd/system/posse-backup-copy-offsite-example.timer") ||
		!strings.Contains(stepList(steps), "unit posse-backup-copy-offsite-example.timer") {
		t.Errorf("removing the backup: %s, %v", stepList(steps), err)
	}
}

func TestRenderCopyUnitsRefuses(t *testing.T) {
	for _, cp := range []Copy{{Name: "a b", Schedule: "daily"}, {Name: "../x", Schedule: "daily"}, {Name: "ok", Schedule: "daily\nExecStart=/bin/sh"}, {Name: "ok"}} {
		if _, err := RenderCopyUnits("/usr/bin/possectl", cp); err == nil {
			t.Errorf("RenderCopyUnits(%+v) rendered", cp)
		}
	}
}

func TestRunCopyInitialisesAndCopies(t *testing.T) {
	env, r := fakeBox(t)
	c, _ := FromSite(copySite())
	cp := c.Copies[0]
	if cp.Name != "offsite-example" {
		t.Fatalf("copy name %q", cp.Name)
	}
	dst := NewRestic(env, copyRepo)
	r.On(dst.Argv("cat", "config"), host.Result{ExitCode: 10, Stderr: []byte("Fatal: repository does not exist")})
	r.On(dst.Argv("snapshots", "--json"), host.Result{Stdout: []byte(`[{"time":"2026-11-23T22:00:00Z","paths":["/srv"],"hostname":"dc1","id":"aaaaaaaa11","short_id":"aaaaaaaa"},{"time":"2026-11-24T22:00:00Z","paths":["/srv"],"hostname":"dc1","id":"bbbbbbbb22","short_id":"bbbbbbbb"}]`)})
	r.On(dst.Argv("stats"), host.Result{Stdout: []byte(`{"total_size":7340032,"snapshots_count":2}`)})
	rec, err := RunCopy(t.Context(), env, c, cp, CopyOptions{Scheduled: true})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, r)
	argvs := r.Argvs()
	from := "--from-repo /srv/posse/backup --from-password-file " + PasswordFile
	want := []string{
		strings.Join(dst.Argv("cat", "config"), " "),
		strings.Join(dst.Argv("init", "--copy-chunker-params"), " ") + " " + from,
		strings.Join(dst.Argv("copy"), " ") + " " + from,
		strings.Join(dst.Argv("forget", "--tag", "posse", "--group-by", "tags", "--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "12", "--prune"), " "),
		strings.Join(dst.Argv("snapshots", "--json"), " "),
		strings.Join(dst.Argv("stats", "--mode", "raw-data", "--json"), " "),
	}
	if strings.Join(argvs, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(argvs, "\n"), strings.Join(want, "\n"))
	}
	if !rec.OK() || rec.Snapshots != 2 || rec.SnapshotID != "bbbbbbbb" || rec.Copy != "offsite-example" || rec.Target != copyRepo || !rec.Scheduled {
		t.Errorf("record = %+v", rec)
	}
	runs, _ := ReadRuns(env)
	last, ok := LastCopy(runs, "offsite-example")
	if last.Start.IsZero() || ok.Start.IsZero() || ok.Snapshots != 2 {
		t.Errorf("run log: %+v", runs)
	}
	if n, _ := LastSize(runs, KindCopy, "offsite-example"); n != 7340032 {
		t.Errorf("the copy's size = %d, want 7340032", n)
	}
	if n, _ := LastSize(runs, KindBackup, ""); n != 0 {
		t.Errorf("a copy's size counts as the main repository's: %d", n)
	}
	if b, _ := Last(runs, KindBackup); !b.Start.IsZero() {
		t.Error("a copy counts as a backup run")
	}
}

func TestRunCopyFailureRecorded(t *testing.T) {
	env, r := fakeBox(t)
	c, _ := FromSite(copySite())
	cp := c.Copies[0]
	dst := NewRestic(env, copyRepo)
	r.On(dst.Argv("cat", "config"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: unable to open repository at " + copyRepo + ": unable to start the sftp session, error: EOF")})
	// ssh -G resolves the target to a port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	r.On([]string{"ssh", "-G", "--", "copy@offsite.example"}, host.Result{Stdout: []byte(fmt.Sprintf("user copy\nhostname 127.0.0.1\nport %d\n", addr.Port))})
	rec, err := RunCopy(t.Context(), env, c, cp, CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not accept ssh connections") || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), copyRepo) {
		t.Fatalf("err = %v", err)
	}
	for _, a := range r.Argvs() {
		if strings.Contains(a, " init ") || strings.Contains(a, " copy ") {
			t.Errorf("ran %s against an unreachable copy", a)
		}
	}
	runs, _ := ReadRuns(env)
	last, ok := LastCopy(runs, cp.Name)
	if last.OK() || last.Error != rec.Error || !ok.Start.IsZero() {
		t.Errorf("run log after a failure: %+v", runs)
	}
}

func TestRunCopyUSB(t *testing.T) {
	env, r := fakeBox(t)
	s := testSite()
	s.Backup.Copies = []site.BackupCopy{{Repository: "usb:POSSE1", Schedule: "weekly"}}
	c, _ := FromSite(s)
	cp := c.Copies[0]
	_, err := RunCopy(t.Context(), env, c, cp, CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "no disk labelled POSSE1") || !strings.Contains(err.Error(), "/dev/disk/by-label/POSSE1") {
		t.Fatalf("no disk: %v", err)
	}
	if len(r.Cmds()) != 0 {
		t.Errorf("ran %q without a disk", r.Argvs())
	}
	writeFile(t, env.Path("/dev/disk/by-label/POSSE1"), "", 0o600)
	repo := CopyMountDir + "/posse1/" + USBRepoDir
	r.On(NewRestic(env, repo).Argv("snapshots", "--json"), host.Result{Stdout: []byte("[]")})
	if _, err := RunCopy(t.Context(), env, c, cp, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	argvs := r.Argvs()
	if argvs[0] != "mount -o nosuid,nodev,noexec -- /dev/disk/by-label/POSSE1 "+CopyMountDir+"/posse1" || argvs[len(argvs)-1] != "umount -- "+CopyMountDir+"/posse1" {
		t.Errorf("commands: %q", argvs)
	}
	if !strings.Contains(strings.Join(argvs, "\n"), "-r "+repo+" ") {
		t.Errorf("restic did not use the disk's repository: %q", argvs)
	}
}

func TestJudgeCopies(t *testing.T) {
	copies := []Copy{{Name: "offsite", Repository: copyRepo}, {Name: "posse1", Repository: "usb:POSSE1"}}
	at := time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)
	runs := []RunRecord{
		{Kind: KindCopy, Copy: "offsite", Start: at, Error: "ssh: Connection refused"},
		{Kind: KindCopy, Copy: "offsite", Start: at, Snapshots: 3},
		{Kind: KindCopy, Copy: "posse1", Start: at, Snapshots: 3},
	}
	if err := JudgeCopies(runs, copies); err != nil {
		t.Errorf("copies that last succeeded: %v", err)
	}
	runs = append(runs, RunRecord{Kind: KindCopy, Copy: "posse1", Start: at, Error: "no disk labelled POSSE1 is attached"})
	err := JudgeCopies(runs, copies)
	if err == nil || !strings.Contains(err.Error(), "copy to posse1 (usb:POSSE1") || !strings.Contains(err.Error(), "no disk labelled POSSE1") || strings.Contains(err.Error(), "offsite") {
		t.Errorf("a failed copy: %v", err)
	}
	if err := JudgeCopies(nil, copies); err != nil {
		t.Errorf("copies that never ran: %v", err)
	}
}

// The check reads the sftp copy too, and a broken copy fails the check
// naming it.
func TestCheckCopies(t *testing.T) {
	env, r := fakeBox(t)
	c, _ := FromSite(copySite())
	c.ReadDataSubset = "5%"
	rec, err := RunCheck(t.Context(), env, c, false)
	if err != nil || rec.CopiesChecked != 1 {
		t.Fatalf("check: %+v %v", rec, err)
	}
	if got := strings.Join(r.Argvs(), "\n"); !strings.Contains(got, "-r "+copyRepo) || strings.Count(got, "check --read-data-subset=5%") != 2 {
		t.Errorf("restic ran:\n%s", got)
	}
	r.On(NewRestic(env, copyRepo).Argv("check", "--read-data-subset=5%"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: repository contains errors")})
	rec, err = RunCheck(t.Context(), env, c, false)
	if err == nil || !strings.Contains(err.Error(), "copy "+c.Copies[0].Name+" ("+copyRepo+")") || rec.CopiesChecked != 0 {
		t.Errorf("a broken copy: %+v %v", rec, err)
	}
}
