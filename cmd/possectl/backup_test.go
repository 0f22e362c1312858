// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// backupFake is a box with a backup: Run starts a "unit" that records a
// run shortly after, failing when fail is set.
type backupFake struct {
	*fakeBox

	mu      sync.Mutex
	running bool
	lastRun time.Time
	result  string
	fail    bool
	runs    int
	// unconfigured: the applied site has no backup section.
	unconfigured bool
	restores     [][]string
	browsed      []string
	// copies are the off-site copies; RunCopy records a run shortly
	// after, failing while copyFail is set.
	copies   []api.CopyStatus
	copyFail bool
	// flicker makes the next status reads while a backup runs report it
	// stopped, as a failed read of the unit's state does.
	flicker    int
	sawRunning bool
}

func (f *backupFake) RunCopy(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.copies, func(c api.CopyStatus) bool { return c.Name == name })
	if i < 0 {
		return fmt.Errorf("no backup copy %q: %w", name, daemon.ErrNotFound)
	}
	f.copies[i].Running = true
	f.runs++
	n := f.runs
	go func() {
		time.Sleep(60 * time.Millisecond)
		f.mu.Lock()
		defer f.mu.Unlock()
		c := &f.copies[i]
		c.Running = false
		c.LastRun = time.Date(2026, 11, 23, 11, 0, n, 0, time.UTC).Format(time.RFC3339)
		c.LastResult, c.LastError = "success", ""
		if f.copyFail {
			c.LastResult, c.LastError = "failed", "cannot open the copy's repository "+c.Repository+": ssh: connect to host port 22: Connection refused"
			return
		}
		c.LastSuccess, c.Snapshots, c.SizeBytes = c.LastRun, c.Snapshots+1, uint64(c.Snapshots+1)<<20
	}()
	return nil
}

func (f *backupFake) BackupStatus(context.Context) (api.BackupStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	running, copies := f.running, slices.Clone(f.copies)
	busy := running || slices.ContainsFunc(copies, func(c api.CopyStatus) bool { return c.Running })
	if busy && f.flicker > 0 && f.sawRunning {
		f.flicker--
		running = false
		for i := range copies {
			copies[i].Running = false
		}
	}
	f.sawRunning = f.sawRunning || busy
	st := api.BackupStatus{Configured: !f.unconfigured, Repository: "sftp:backup@nas.example.lan:/backups/office", Schedule: "*-*-* 03:00",
		NextRun: "2030-01-02T03:00:00Z", Running: running, LastResult: f.result, Copies: copies, SizeBytes: 3 << 20}
	if !f.lastRun.IsZero() {
		st.LastRun = f.lastRun.UTC().Format(time.RFC3339)
	}
	return st, nil
}

func (f *backupFake) RunBackup(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs++
	f.running = true
	go func() {
		time.Sleep(60 * time.Millisecond)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.running = false
		f.lastRun = time.Date(2026, 11, 23, 10, 0, f.runs, 0, time.UTC)
		f.result = "success"
		if f.fail {
			f.result = "failed"
		}
	}()
	return nil
}

func (f *backupFake) Health(_ context.Context, service string) ([]api.ServiceStatus, error) {
	if service != "backup" {
		return f.fakeBox.Health(context.Background(), service)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.result == "failed" {
		return []api.ServiceStatus{{Name: "backup", State: "n/a", Detail: "the last backup (2026-11-23 10:00) failed: the backup password file /var/lib/posse/backup/restic.pw is readable by others (mode 0644): chmod 600 it; fix it and run 'possectl backup run'"}}, nil
	}
	return []api.ServiceStatus{{Name: "backup", State: "n/a", Healthy: true}}, nil // as the box: no detail when healthy
}

func (f *backupFake) Snapshots(context.Context) ([]api.Snapshot, error) {
	return []api.Snapshot{{ID: strings.Repeat("0123abcd", 8), Time: "2026-11-23T10:00:01Z", Paths: []string{"/srv/posse/shares"}, Tags: []string{"posse"}, Host: "dc1"}}, nil
}

func (f *backupFake) Browse(_ context.Context, snapshot, dir string) ([]api.Entry, error) {
	f.mu.Lock()
	f.browsed = append(f.browsed, snapshot+" "+dir)
	f.mu.Unlock()
	return []api.Entry{
		{Path: strings.TrimSuffix(dir, "/") + "/akten", Type: "dir", ModTime: "2026-11-23T10:00:00Z"},
		{Path: strings.TrimSuffix(dir, "/") + "/notes.txt", Type: "file", Size: 2048, ModTime: "2026-11-23T10:00:00Z"},
	}, nil
}

func (f *backupFake) Restore(_ context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error) {
	f.mu.Lock()
	f.restores = append(f.restores, append([]string{snapshot, target}, paths...))
	f.mu.Unlock()
	if target != "" {
		return api.RestoreResult{Snapshot: strings.Repeat("0123abcd", 8), To: target}, nil
	}
	return api.RestoreResult{Snapshot: strings.Repeat("0123abcd", 8), Restored: paths[:1], Beside: []string{"/srv/posse/shares/akten/notes.txt → /srv/posse/shares/akten/notes (restored 2026-11-23).txt"}, Unchanged: 3}, nil
}

func (f *backupFake) Export(context.Context) ([]byte, error) {
	return []byte(testTemplate + "mail:\n  domains: [test.example, other.example]\n"), nil
}

func (f *backupFake) lastRestore() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.restores) == 0 {
		return nil
	}
	return f.restores[len(f.restores)-1]
}

// newBackupRig is newRig with the backup fake.
func newBackupRig(t *testing.T) (*rig, *backupFake) {
	t.Helper()
	old := runPoll
	runPoll = 10 * time.Millisecond
	t.Cleanup(func() { runPoll = old })
	fb := &backupFake{fakeBox: &fakeBox{Backend: daemontest.NewBackend()}}
	r := &rig{addr: daemontest.StartBus(t), box: fb.fakeBox}
	daemontest.StartPolkit(t, r.addr)
	conn := daemontest.Connect(t, r.addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    fb,
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return !r.refuse.Load() }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return r, fb
}

// TestBackupThroughPossed runs possectl backup status, run, snapshots, ls
// and restore against possed with a fake box.
func TestBackupThroughPossed(t *testing.T) {
	r, fb := newBackupRig(t)

	t.Run("status before a run", func(t *testing.T) {
		code, out, errs := r.run(t, "", "backup", "status")
		if code != 0 || !strings.Contains(out, "sftp:backup@nas.example.lan:/backups/office") || !regexp.MustCompile(`last run +never`).MatchString(out) {
			t.Errorf("exit %d\n%s%s", code, out, errs)
		}
	})

	t.Run("run waits for the record when the unit looks stopped too early", func(t *testing.T) {
		fb.mu.Lock()
		fb.flicker, fb.sawRunning = 2, false
		fb.mu.Unlock()
		code, out, errs := r.run(t, "", "backup", "run")
		if code != 0 || !strings.Contains(out, "backup done in") {
			t.Errorf("exit %d\n%s%s", code, out, errs)
		}
	})

	t.Run("run waits for the result", func(t *testing.T) {
		code, out, errs := r.run(t, "", "backup", "run")
		if code != 0 || !strings.Contains(out, "backup started on this box") || !strings.Contains(out, "backup done in") || !strings.Contains(out, "snapshot 0123abcd") {
			t.Errorf("exit %d\n%s%s", code, out, errs)
		}
		var st BackupStatus
		code, out, _ = r.run(t, "", "backup", "status", "--json")
		if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 {
			t.Fatalf("exit %d, %v: %s", code, err, out)
		}
		if st.LastResult != "success" || st.LastRunAt == nil || st.NextRun == nil || !st.Healthy || st.LastRun != nil || !strings.HasPrefix(st.Detail, "last backup ") {
			t.Errorf("status --json after a run: %+v", st)
		}
	})

	t.Run("failed run", func(t *testing.T) {
		fb.mu.Lock()
		fb.fail = true
		fb.mu.Unlock()
		defer func() { fb.mu.Lock(); fb.fail = false; fb.mu.Unlock() }()
		code, _, errs := r.run(t, "", "backup", "run")
		if code != 1 || !strings.Contains(errs, "backup failed after") || !strings.Contains(errs, "chmod 600") {
			t.Errorf("exit %d: %s", code, errs)
		}
		code, out, _ := r.run(t, "", "backup", "status")
		if code != 1 || !strings.Contains(out, "FAILED") {
			t.Errorf("status after a failed run: exit %d\n%s", code, out)
		}
		r.run(t, "", "backup", "run") // healthy again
	})

	t.Run("snapshots", func(t *testing.T) {
		code, out, errs := r.run(t, "", "backup", "snapshots", "--json")
		var snaps []snapshotJSON
		if err := json.Unmarshal([]byte(out), &snaps); err != nil || code != 0 {
			t.Fatalf("exit %d, %v: %s%s", code, err, out, errs)
		}
		if len(snaps) != 1 || len(snaps[0].ID) != 64 || snaps[0].ShortID != "0123abcd" || snaps[0].Time.IsZero() || snaps[0].Hostname != "dc1" {
			t.Errorf("snapshots: %+v", snaps)
		}
		if _, out, _ := r.run(t, "", "backup", "snapshots"); !strings.Contains(out, "0123abcd") || !strings.Contains(out, "dc1") {
			t.Errorf("snapshots text:\n%s", out)
		}
	})

	t.Run("ls", func(t *testing.T) {
		code, out, errs := r.run(t, "", "backup", "ls", "latest")
		if code != 0 || !strings.Contains(out, "/akten/") || !strings.Contains(out, "2.0 KiB") {
			t.Errorf("exit %d\n%s%s", code, out, errs)
		}
		r.run(t, "", "backup", "ls", "0123abcd", "/srv/posse/shares/")
		fb.mu.Lock()
		got := strings.Join(fb.browsed, ";")
		fb.mu.Unlock()
		if got != "latest /;0123abcd /srv/posse/shares" {
			t.Errorf("browsed %q", got)
		}
	})

	t.Run("restore", func(t *testing.T) {
		code, out, errs := r.run(t, "", "backup", "restore", "latest", "/srv/posse/shares/akten")
		if code != 0 || !strings.Contains(out, "kept both    /srv/posse/shares/akten/notes.txt  (backup restored as /srv/posse/shares/akten/notes (restored 2026-11-23).txt)") || !strings.Contains(out, "1 restored, 1 next to a changed file, 3 unchanged") {
			t.Errorf("exit %d\n%s%s", code, out, errs)
		}
		r.run(t, "", "backup", "restore", "latest", "--home", "alice")
		if got := fmt.Sprint(fb.lastRestore()); got != "[latest  /srv/posse/homes/alice]" {
			t.Errorf("--home restored %s", got)
		}
		r.run(t, "", "backup", "restore", "0123abcd", "--mailbox", "alice")
		if got := fmt.Sprint(fb.lastRestore()); got != "[0123abcd  /var/vmail/test.example/alice /var/vmail/other.example/alice]" {
			t.Errorf("--mailbox restored %s", got)
		}
		_, out, _ = r.run(t, "", "backup", "restore", "latest", "/srv/posse/shares/akten", "--to", "/srv/restore")
		if !strings.Contains(out, "into /srv/restore") {
			t.Errorf("--to: %s", out)
		}
		code, _, errs = r.run(t, "", "backup", "restore", "latest", "/srv/posse/shares/akten", "--overwrite")
		if code != 2 || !strings.Contains(errs, "--overwrite works only with --direct") {
			t.Errorf("--overwrite through possed: exit %d: %s", code, errs)
		}
		code, _, errs = r.run(t, "", "backup", "restore", "latest", "relative/path")
		if code != 1 || !strings.Contains(errs, "restore failed: ") || !strings.Contains(errs, "clean absolute path") {
			t.Errorf("relative path: exit %d: %s", code, errs)
		}
	})

	t.Run("refused", func(t *testing.T) {
		r.refuse.Store(true)
		defer r.refuse.Store(false)
		for _, args := range [][]string{{"backup", "snapshots"}, {"backup", "run"}, {"backup", "restore", "latest", "/srv/x"}, {"backup", "ls", "latest"}} {
			code, _, errs := r.run(t, "", args...)
			if code != 1 || !strings.Contains(errs, "you are not allowed to manage backups on this box: ask an administrator to add you to posse-admin") {
				t.Errorf("%v refused: exit %d: %s", args, code, errs)
			}
		}
		code, _, errs := r.run(t, "", "backup", "status")
		if code != 1 || !strings.Contains(errs, "not allowed to read the backup status") {
			t.Errorf("status refused: exit %d: %s", code, errs)
		}
	})

	t.Run("scheduled stays on the box", func(t *testing.T) {
		code, _, errs := possectlIn(t, "", "--host", "root@box.example", "backup", "run", "--scheduled")
		if code != 2 || !strings.Contains(errs, "drop --host") {
			t.Errorf("exit %d: %s", code, errs)
		}
	})
}

// TestBackupNoBackupSection: a site without a backup section (possed
// reports it unconfigured) or a box without the feature says so.
func TestBackupNoBackupSection(t *testing.T) {
	r, fb := newBackupRig(t)
	fb.mu.Lock()
	fb.unconfigured = true
	fb.mu.Unlock()
	for _, args := range [][]string{{"backup", "status"}, {"backup", "run"}} {
		code, _, errs := r.run(t, "", args...)
		if code != 1 || !strings.Contains(errs, "the site applied on this box has no backup section") {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
	fb.mu.Lock()
	runs := fb.runs
	fb.mu.Unlock()
	if runs != 0 {
		t.Errorf("run started %d backups on a box without backup", runs)
	}
	code, _, errs := newRig(t).run(t, "", "backup", "status")
	if code != 1 || !strings.Contains(errs, "backup") || !strings.Contains(errs, "not available") {
		t.Errorf("status on a box without the feature: exit %d: %s", code, errs)
	}
}

// TestBackupLocalOnly: setup, check and restore-site never go to another
// box; with --host they refuse instead of changing this one.
func TestBackupLocalOnly(t *testing.T) {
	for _, sub := range []string{"setup", "check", "restore-site"} {
		code, _, errs := possectlIn(t, "", "--host", "root@box.example", "backup", sub)
		if code != 2 || !strings.Contains(errs, "drop --host and run it there (e.g. ssh root@box.example possectl backup "+sub+")") {
			t.Errorf("backup %s --host: exit %d: %s", sub, code, errs)
		}
	}
}

// TestBackupCopyThroughPossed runs possectl backup copy and status against
// possed with a fake box holding two copies.
func TestBackupCopyThroughPossed(t *testing.T) {
	r, fb := newBackupRig(t)
	fb.mu.Lock()
	fb.copies = []api.CopyStatus{
		{Name: "offsite", Repository: "sftp:copy@offsite.example:/copies/office", Schedule: "*-*-* 23:00"},
		{Name: "posse1", Repository: "usb:POSSE1", Schedule: "weekly"},
	}
	fb.mu.Unlock()

	code, _, errs := r.run(t, "", "backup", "copy")
	if code != 2 || !strings.Contains(errs, "offsite, posse1") || !strings.Contains(errs, "--all") {
		t.Errorf("copy without a name: exit %d: %s", code, errs)
	}
	code, _, errs = r.run(t, "", "backup", "copy", "nas")
	if code != 1 || !strings.Contains(errs, `no backup copy "nas"`) {
		t.Errorf("unknown copy: exit %d: %s", code, errs)
	}
	fb.mu.Lock()
	fb.flicker, fb.sawRunning = 2, false // the unit looks stopped twice before its run is recorded
	fb.mu.Unlock()
	code, out, errs := r.run(t, "", "backup", "copy", "offsite")
	if code != 0 || !strings.Contains(out, "copy offsite done in") || !strings.Contains(out, "1 snapshots in sftp:copy@offsite.example:/copies/office") {
		t.Errorf("copy offsite: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = r.run(t, "", "backup", "copy", "--all", "--json")
	var res []copyJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res) != 2 || res[0].Snapshots != 2 || res[1].LastResult != "success" || res[1].LastSuccessAt == nil {
		t.Errorf("copy --all --json: exit %d, %v\n%s%s", code, err, out, errs)
	}

	fb.mu.Lock()
	fb.copyFail = true
	fb.mu.Unlock()
	code, _, errs = r.run(t, "", "backup", "copy", "offsite")
	if code != 1 || !strings.Contains(errs, "copy offsite failed after") || !strings.Contains(errs, "Connection refused") {
		t.Errorf("failed copy: exit %d: %s", code, errs)
	}
	code, out, _ = r.run(t, "", "backup", "status")
	if !regexp.MustCompile(`copy offsite +sftp:copy@offsite.example:/copies/office \(\*-\*-\* 23:00\): last run .*: FAILED: .*Connection refused`).MatchString(out) ||
		!strings.Contains(out, "last success") || !strings.Contains(out, "2 snapshots, 2.0 MiB") || !regexp.MustCompile(`size +3.0 MiB in the repository`).MatchString(out) {
		t.Errorf("status after a failed copy: exit %d\n%s", code, out)
	}
	var st BackupStatus
	_, out, _ = r.run(t, "", "backup", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Copies) != 2 || st.Copies[0].LastResult != "failed" || st.Copies[0].Snapshots != 2 || st.Copies[0].SizeBytes != 2<<20 || st.SizeBytes != 3<<20 || st.Copies[1].Name != "posse1" {
		t.Errorf("status --json: %v\n%s", err, out)
	}

	r.refuse.Store(true)
	code, _, errs = r.run(t, "", "backup", "copy", "offsite")
	r.refuse.Store(false)
	if code != 1 || !strings.Contains(errs, "not allowed to manage backups") {
		t.Errorf("copy refused: exit %d: %s", code, errs)
	}
	code, _, errs = possectlIn(t, "", "--host", "root@box.example", "backup", "copy", "offsite", "--scheduled")
	if code != 2 || !strings.Contains(errs, "drop --host") {
		t.Errorf("--scheduled with --host: exit %d: %s", code, errs)
	}
}
