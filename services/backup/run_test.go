// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

func TestForgetArgs(t *testing.T) {
	for _, tc := range []struct {
		keep site.Keep
		want string // "" means an error
	}{
		{site.Keep{Daily: 7, Weekly: 4, Monthly: 12}, "--tag posse --group-by tags --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --prune"},
		{site.Keep{Daily: 1}, "--tag posse --group-by tags --keep-daily 1 --prune"},
		{site.Keep{Monthly: 24}, "--tag posse --group-by tags --keep-monthly 24 --prune"},
		{site.Keep{}, ""},
		{site.Keep{Daily: -1, Weekly: 2}, ""},
	} {
		args, err := ForgetArgs(tc.keep)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ForgetArgs(%+v) = %q, want an error", tc.keep, args)
			}
			continue
		}
		if err != nil || strings.Join(args, " ") != tc.want {
			t.Errorf("ForgetArgs(%+v) = %q, %v; want %q", tc.keep, args, err, tc.want)
		}
	}
}

func TestFromSitePaths(t *testing.T) {
	c, ok := FromSite(testSite())
	if !ok {
		t.Fatal("no config")
	}
	want := []string{"/etc/dovecot", "/etc/krb5.conf", "/etc/postfix", "/etc/samba", "/srv/posse/homes", "/srv/posse/shares/akten", "/srv/scans", "/var/lib/posse", "/var/lib/rspamd/dkim", "/var/vmail"}
	if !slices.Equal(c.Paths, want) || !c.Directory {
		t.Errorf("paths = %q (directory %v), want %q", c.Paths, c.Directory, want)
	}
	if !slices.Contains(c.Exclude, "/srv/posse/backup") {
		t.Errorf("the local repository is not excluded: %q", c.Exclude)
	}
	s := testSite()
	s.Backup.Include = []string{"shares"}
	s.Backup.Repository = "sftp:backup@nas.example.lan:/backups/office"
	c, _ = FromSite(s)
	if c.Directory || slices.Contains(c.Paths, "/var/vmail") || !slices.Contains(c.Paths, "/var/lib/posse") || slices.Contains(c.Exclude, c.Repository) {
		t.Errorf("shares only: %+v", c)
	}
	s.Mail = nil
	if c, _ = FromSite(s); slices.Contains(c.Paths, DKIMDir) {
		t.Errorf("a site without mail backs up the DKIM keys: %q", c.Paths)
	}
	if _, ok := FromSite(&site.Site{}); ok {
		t.Error("a site without backup gave a config")
	}
}

func TestRunBackup(t *testing.T) {
	env, r := fakeBox(t)
	for _, p := range []string{"/srv/posse/shares/akten/a.txt", "/var/lib/posse/site.yaml", "/etc/samba/smb.conf"} {
		writeFile(t, env.Path(p), "x", 0o644)
	}
	writeFile(t, env.Path("/etc/systemd/system/posse-backup.timer"), "x", 0o644)
	c, _ := FromSite(testSite())
	rs := NewRestic(env, c.Repository)
	out, err := os.ReadFile("testdata/backup-status.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var dumped bool
	r.OnFunc([]string{"samba-tool", "domain", "backup", "offline"}, func(c host.Cmd) (host.Result, error) {
		_, err := os.Stat(env.Path(ADDumpDir))
		dumped = err == nil
		return host.Result{}, nil
	})
	r.On(rs.Argv("backup"), host.Result{Stdout: out})
	r.On(rs.Argv("stats"), host.Result{Stdout: []byte(`{"total_size":5242880,"total_uncompressed_size":9000000,"compression_ratio":1.7,"total_blob_count":12,"snapshots_count":1}`)})
	var progress []Status
	clock := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	rec, err := RunBackup(t.Context(), env, c, RunOptions{Scheduled: true, Progress: func(s Status) { progress = append(progress, s) }, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, r)
	if !dumped {
		t.Error("the AD dump did not run into the staging directory")
	}
	if _, err := os.Stat(env.Path(StagingDir)); !os.IsNotExist(err) {
		t.Error("the staging directory was left behind")
	}
	argvs := r.Argvs()
	if len(argvs) != 4 || !strings.HasPrefix(argvs[0], "samba-tool domain backup offline --targetdir="+ADDumpDir) {
		t.Fatalf("commands = %q", argvs)
	}
	wantBackup := "restic -r /srv/posse/backup --password-file " + PasswordFile + " --cache-dir " + CacheDir +
		" backup --json --tag posse --exclude " + CacheDir + " --exclude /srv/posse/backup -- /etc/samba /srv/posse/shares/akten /var/lib/posse /etc/systemd/system/posse-backup.timer"
	if argvs[1] != wantBackup {
		t.Errorf("backup argv\n got %s\nwant %s", argvs[1], wantBackup)
	}
	if !strings.HasSuffix(argvs[2], "forget --tag posse --group-by tags --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --prune") {
		t.Errorf("forget argv = %s", argvs[2])
	}
	if !strings.HasSuffix(argvs[3], "stats --mode raw-data --json") {
		t.Errorf("stats argv = %s", argvs[3])
	}
	if len(progress) != 4 {
		t.Errorf("got %d progress lines, want 4", len(progress))
	}
	if rec.SnapshotID != "7c7ef710" || rec.FilesNew != 3 || rec.BytesAdded != 3001830 || rec.Seconds != 1 || !rec.OK() || rec.RepoBytes != 5242880 {
		t.Errorf("record = %+v", rec)
	}
	runs, err := ReadRuns(env)
	if err != nil || len(runs) != 1 || runs[0].SnapshotID != "7c7ef710" || !runs[0].Scheduled {
		t.Errorf("run log = %+v, %v", runs, err)
	}
	if n, at := LastSize(runs, KindBackup, ""); n != 5242880 || !at.Equal(runs[0].Start) {
		t.Errorf("LastSize = %d at %v", n, at)
	}
}

func TestRunBackupFailures(t *testing.T) {
	c, _ := FromSite(testSite())
	for _, tc := range []struct {
		name  string
		setup func(env *host.Env, r interface {
			On([]string, host.Result)
		})
		want string
	}{
		{"ad dump fails", func(env *host.Env, r interface{ On([]string, host.Result) }) {
			r.On([]string{"samba-tool"}, host.Result{ExitCode: 1, Stderr: []byte("ldb locked")})
		}, "the directory (AD) backup failed"},
		{"restic fails", func(env *host.Env, r interface{ On([]string, host.Result) }) {
			r.On(NewRestic(env, c.Repository).Argv("backup"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: unable to open repository")})
		}, "restic backup"},
		{"no summary", func(env *host.Env, r interface{ On([]string, host.Result) }) {}, "no summary"},
		{"password file open", func(env *host.Env, r interface{ On([]string, host.Result) }) {
			os.Chmod(env.Path(PasswordFile), 0o644)
		}, "chmod 600"},
		{"password file missing", func(env *host.Env, r interface{ On([]string, host.Result) }) {
			os.Remove(env.Path(PasswordFile))
		}, "apply the site again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, r := fakeBox(t)
			tc.setup(env, r)
			rec, err := RunBackup(t.Context(), env, c, RunOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Error("the password is in the error")
			}
			runs, _ := ReadRuns(env)
			if len(runs) != 1 || runs[0].OK() || rec.OK() {
				t.Errorf("the failure was not logged: %+v", runs)
			}
		})
	}
}

func TestRunBackupForgetFailureIsWarning(t *testing.T) {
	env, r := fakeBox(t)
	c, _ := FromSite(testSite())
	c.Directory = false
	rs := NewRestic(env, c.Repository)
	out, _ := os.ReadFile("testdata/backup-status.jsonl")
	r.On(rs.Argv("backup"), host.Result{Stdout: out})
	r.On(rs.Argv("forget"), host.Result{ExitCode: 1, Stderr: []byte("Fatal: repository is already locked")})
	rec, err := RunBackup(t.Context(), env, c, RunOptions{})
	if err != nil || !rec.OK() || !strings.Contains(rec.Warning, "retention") {
		t.Errorf("rec = %+v, err = %v", rec, err)
	}
}

func TestRunLock(t *testing.T) {
	env, _ := fakeBox(t)
	unlock, err := lockRuns(env)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := FromSite(testSite())
	if _, err := RunBackup(t.Context(), env, c, RunOptions{}); err != ErrBusy {
		t.Errorf("second run: %v, want ErrBusy", err)
	}
	unlock()
}
