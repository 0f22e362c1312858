// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// captured reads a restic stderr captured from a real run (testdata/restic,
// VERSION-CASE.stderr: restic 0.14.0 of Debian 12 and 0.18.0 of Debian 13;
// the repository on a 3 MiB tmpfs at /mnt/full for the full-disk cases).
func captured(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "restic", name+".stderr"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClassifyResticCaptured(t *testing.T) {
	for _, tc := range []struct {
		file       string
		exit       int
		reason     string
		pathPrefix string
	}{
		{"014-wrongpw-backup", 1, ReasonWrongPassword, ""},
		{"014-wrongpw-cat", 1, ReasonWrongPassword, ""},
		{"014-wrongpw-copy-from", 1, ReasonWrongPassword, ""},
		{"018-wrongpw-backup", 12, ReasonWrongPassword, ""},
		{"018-wrongpw-cat", 12, ReasonWrongPassword, ""},
		{"018-wrongpw-copy-from", 12, ReasonWrongPassword, ""},
		{"014-full-backup", 1, ReasonTargetFull, "/mnt/full/repo/data/"},
		{"014-full-copy", 1, ReasonTargetFull, "/mnt/full/repo/data/"},
		{"018-full-backup", 1, ReasonTargetFull, "/mnt/full/repo/data/"},
		{"018-full-copy", 1, ReasonTargetFull, "/mnt/full/repo/data/"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			reason, line, path := ClassifyRestic(host.Result{ExitCode: tc.exit, Stderr: captured(t, tc.file)})
			if reason != tc.reason || line == "" || !strings.HasPrefix(path, tc.pathPrefix) || (tc.pathPrefix == "") != (path == "") {
				t.Errorf("= %q, %q, %q; want %s, path %q…", reason, line, path, tc.reason, tc.pathPrefix)
			}
			if strings.Contains(line, "{") || strings.HasPrefix(line, "Fatal:") {
				t.Errorf("line %q is raw restic output", line)
			}
		})
	}
}

func TestClassifyResticOther(t *testing.T) {
	for _, tc := range []struct {
		res  host.Result
		want string
	}{
		{host.Result{ExitCode: 12}, ReasonWrongPassword},
		{host.Result{ExitCode: 1, Stderr: []byte("Fatal: unable to open repository at sftp:x@y:/z: EOF")}, ""},
		{host.Result{ExitCode: 10, Stderr: []byte("Fatal: repository does not exist")}, ""},
		{host.Result{ExitCode: 3, Stderr: []byte("error: open /srv/a: permission denied")}, ""},
	} {
		if got, _, _ := ClassifyRestic(tc.res); got != tc.want {
			t.Errorf("ClassifyRestic(%d, %q) = %q, want %q", tc.res.ExitCode, tc.res.Stderr, got, tc.want)
		}
	}
}

// okRun logs a successful backup an hour ago.
func okRun(t *testing.T, env *host.Env) RunRecord {
	t.Helper()
	rec := RunRecord{Kind: KindBackup, Start: time.Now().Add(-time.Hour).UTC(), SnapshotID: "aaaaaaaa"}
	if err := AppendRun(env, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestRunBackupWrongPassword(t *testing.T) {
	for _, file := range []string{"014-wrongpw-backup", "018-wrongpw-backup"} {
		t.Run(file, func(t *testing.T) {
			env, r := fakeBox(t)
			c, _ := FromSite(testSite())
			before := okRun(t, env)
			exit := 1
			if strings.HasPrefix(file, "018") {
				exit = 12
			}
			r.On(NewRestic(env, c.Repository).Argv("backup"), host.Result{ExitCode: exit, Stderr: captured(t, file)})
			rec, err := RunBackup(t.Context(), env, c, RunOptions{})
			if err == nil || !IsReason(err, ReasonWrongPassword) {
				t.Fatalf("err = %v", err)
			}
			for _, want := range []string{"the backup password does not open the repository /srv/posse/backup", "wrong password or no key found", "backup.password", "restic key add"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), "message_type") || strings.Contains(err.Error(), testPassword) {
				t.Errorf("error holds raw JSON or the password: %v", err)
			}
			runs, _ := ReadRuns(env)
			last, lastOK := Last(runs, KindBackup)
			if last.OK() || last.Reason != ReasonWrongPassword || last.Error != rec.Error || !lastOK.Start.Equal(before.Start) {
				t.Errorf("run log: %+v", runs)
			}
			if _, err := Judge(runs, 24*time.Hour, time.Time{}, time.Now()); err == nil || !strings.Contains(err.Error(), "does not open the repository") {
				t.Errorf("health = %v", err)
			}
		})
	}
}

func TestRunBackupTargetFull(t *testing.T) {
	for _, file := range []string{"014-full-backup", "018-full-backup"} {
		t.Run(file, func(t *testing.T) {
			env, r := fakeBox(t)
			c, _ := FromSite(testSite())
			mkdir(t, env.Path(c.Repository+"/data"), 0o700)
			before := okRun(t, env)
			stderr := strings.ReplaceAll(string(captured(t, file)), "/mnt/full/repo", c.Repository)
			r.On(NewRestic(env, c.Repository).Argv("backup"), host.Result{ExitCode: 1, Stderr: []byte(stderr)})
			_, err := RunBackup(t.Context(), env, c, RunOptions{})
			if err == nil || !IsReason(err, ReasonTargetFull) {
				t.Fatalf("err = %v", err)
			}
			for _, want := range []string{"the disk of the repository /srv/posse/backup is full", "no space left on device writing /srv/posse/backup/data/", " free of ", "no new snapshot was saved", "free space"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q: %v", want, err)
				}
			}
			runs, _ := ReadRuns(env)
			last, lastOK := Last(runs, KindBackup)
			if last.OK() || last.Reason != ReasonTargetFull || last.SnapshotID != "" || !lastOK.Start.Equal(before.Start) {
				t.Errorf("run log: %+v", runs)
			}
		})
	}
}

func TestTargetFullOutsideRepository(t *testing.T) {
	res := host.Result{ExitCode: 1, Stderr: []byte("Fatal: unable to save snapshot: write /var/cache/posse/restic/abc/data/4b/4bd4: no space left on device\n")}
	err := explain(res, os.ErrInvalid, "sftp:u@h:/r", "sftp:u@h:/r", t.TempDir())
	if !IsReason(err, ReasonTargetFull) || !strings.Contains(err.Error(), "the disk of the repository sftp:u@h:/r is full") {
		t.Errorf("sftp repository: %v", err)
	}
	err = explain(res, os.ErrInvalid, "/srv/posse/backup", "/srv/posse/backup", t.TempDir())
	if !strings.Contains(err.Error(), "the disk holding /var/cache/posse/restic/abc/data/4b is full while working on the repository /srv/posse/backup") {
		t.Errorf("cache full: %v", err)
	}
}

func TestRunCopyWrongPassword(t *testing.T) {
	for _, tc := range []struct {
		name, blame string
		fail        func(dst *Restic) []string
	}{
		// The copy's repository was re-keyed: opening it fails.
		{"copy's repository", copyRepo, func(dst *Restic) []string { return dst.Argv("cat", "config") }},
		// The copy's opens, the main one does not.
		{"main repository", "/srv/posse/backup", func(dst *Restic) []string { return dst.Argv("copy") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, r := fakeBox(t)
			c, _ := FromSite(copySite())
			cp := c.Copies[0]
			r.On(tc.fail(NewRestic(env, copyRepo)), host.Result{ExitCode: 12, Stderr: captured(t, "018-wrongpw-copy-from")})
			_, err := RunCopy(t.Context(), env, c, cp, CopyOptions{})
			if !IsReason(err, ReasonWrongPassword) || !strings.Contains(err.Error(), "does not open the repository "+tc.blame+" (") {
				t.Fatalf("err = %v", err)
			}
			for _, a := range r.Argvs() {
				if strings.HasPrefix(a, "ssh ") {
					t.Errorf("asked ssh about a reachable target: %s", a)
				}
			}
			runs, _ := ReadRuns(env)
			last, ok := LastCopy(runs, cp.Name)
			if last.OK() || last.Reason != ReasonWrongPassword || !ok.Start.IsZero() {
				t.Errorf("run log: %+v", runs)
			}
		})
	}
}

func TestRunCopyUSBFull(t *testing.T) {
	env, r := fakeBox(t)
	s := testSite()
	s.Backup.Copies = []site.BackupCopy{{Repository: "usb:POSSE1", Schedule: "weekly"}}
	c, _ := FromSite(s)
	cp := c.Copies[0]
	writeFile(t, env.Path("/dev/disk/by-label/POSSE1"), "", 0o600)
	repo := CopyMountDir + "/posse1/" + USBRepoDir
	stderr := strings.ReplaceAll(string(captured(t, "018-full-copy")), "/mnt/full/repo", repo)
	r.On(NewRestic(env, repo).Argv("copy"), host.Result{ExitCode: 1, Stderr: []byte(stderr)})
	rec, err := RunCopy(t.Context(), env, c, cp, CopyOptions{})
	if !IsReason(err, ReasonTargetFull) || !strings.Contains(err.Error(), "the disk of the repository usb:POSSE1 is full") || !strings.Contains(err.Error(), " free of ") {
		t.Fatalf("err = %v", err)
	}
	if rec.OK() || rec.Reason != ReasonTargetFull || rec.Snapshots != 0 {
		t.Errorf("record: %+v", rec)
	}
	if argvs := r.Argvs(); argvs[len(argvs)-1] != "umount -- "+CopyMountDir+"/posse1" {
		t.Errorf("the disk was not unmounted: %q", argvs)
	}
}
