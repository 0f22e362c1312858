// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/services/backup"
)

// TestBackupWithRealRestic makes a repository and a snapshot with restic,
// then lists, browses and restores it through the backend, which uses the
// password file the backup service keeps.
func TestBackupWithRealRestic(t *testing.T) {
	restic, err := exec.LookPath("restic")
	if err != nil {
		t.Skip("restic is not installed (scripts/deps.sh installs it)")
	}
	const pw = "Backup-Passw0rd-123"
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	data := filepath.Join(work, "data")
	os.MkdirAll(filepath.Join(data, "sub"), 0o755)
	os.WriteFile(filepath.Join(data, "a.txt"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(data, "sub", "b.txt"), []byte("bee"), 0o644)
	for _, args := range [][]string{{"init"}, {"backup", data}} {
		cmd := exec.Command(restic, append([]string{"--no-cache", "--repo", repo}, args...)...)
		cmd.Env = []string{"RESTIC_PASSWORD=" + pw, "HOME=" + work}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("restic %v: %v\n%s", args, err, out)
		}
	}

	b, _ := newBox(t, true)
	// The site names a repository where the rule allows one; restic gets
	// the test's.
	b.Runner = repoRunner{site: "/srv/backup", real: repo, root: b.Root}
	state := filepath.Join(b.Root, host.DefaultStateDir)
	withBackup := testSite + "backup:\n  repository: /srv/backup\n  password: ${secret:backup_pw}\n  schedule: daily\n  keep: {daily: 7}\n  include: [directory]\n"
	os.WriteFile(filepath.Join(state, "site.yaml"), []byte(withBackup), 0o600)
	os.WriteFile(filepath.Join(state, "secrets.yaml"), []byte("domain_admin: \"Admin-Passw0rd!\"\nbackup_pw: \""+pw+"\"\n"), 0o600)
	pwFile := filepath.Join(b.Root, backup.PasswordFile)
	os.MkdirAll(filepath.Dir(pwFile), 0o700)
	os.WriteFile(pwFile, []byte(pw+"\n"), 0o600)
	ctx := context.Background()

	snaps, err := b.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || len(snaps[0].ID) != 64 || snaps[0].Paths[0] != data {
		t.Fatalf("Snapshots() = %+v", snaps)
	}
	entries, err := b.Browse(ctx, snaps[0].ID, data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, filepath.Base(e.Path)+":"+e.Type)
	}
	if strings.Join(got, " ") != "a.txt:file sub:dir" {
		t.Errorf("Browse() = %v", got)
	}
	const target = "/srv/restored"
	res, err := b.Restore(ctx, "latest", []string{filepath.Join(data, "sub", "b.txt")}, target)
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshot != snaps[0].ID || res.To != target || len(res.Restored) != 1 {
		t.Errorf("Restore() = %+v", res)
	}
	if b, err := os.ReadFile(filepath.Join(b.Root, target, data, "sub", "b.txt")); err != nil || string(b) != "bee" {
		t.Errorf("restored file: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(b.Root, target, data, "a.txt")); err == nil {
		t.Error("restore brought back a file that was not asked for")
	}
	for _, to := range []string{"/", "/etc", "/etc/profile.d", "/srv/../etc", "/var/lib/posse", "/var/vmail", "/root", "/tmp", "/srv", "/srv/backup/x"} {
		if _, err := b.Restore(ctx, "latest", []string{data}, to); !errors.Is(err, daemon.ErrInvalid) || !strings.Contains(err.Error(), "/srv/restored") {
			t.Errorf("restore into %s: %v", to, err)
		}
	}
	// A target that is a link, and a folder in place replaced by a link:
	// refused, nothing written where they point.
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(b.Root, "srv", "linked"))
	if _, err := b.Restore(ctx, "latest", []string{data}, "/srv/linked"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("restore into a link: %v", err)
	}
	inPlace := filepath.Join(b.Root, data)
	os.MkdirAll(filepath.Dir(inPlace), 0o755)
	os.Symlink(outside, inPlace)
	if _, err := b.Restore(ctx, "latest", []string{filepath.Join(data, "sub", "b.txt")}, ""); err == nil || !strings.Contains(err.Error(), data+" is a symbolic link") {
		t.Errorf("restore in place through a link: %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written through a link: %v", ents)
	}

	os.WriteFile(pwFile, []byte("wrong-password-1234\n"), 0o600)
	_, err = b.Snapshots(ctx)
	if err == nil || strings.Contains(err.Error(), "wrong-password-1234") {
		t.Errorf("Snapshots() with a wrong password: %v", err)
	}
}

func TestBackupStatus(t *testing.T) {
	b, _ := newBox(t, true)
	st, err := b.BackupStatus(context.Background())
	if err != nil || st.Configured {
		t.Errorf("BackupStatus() without a backup section = %+v, %v", st, err)
	}
	state := filepath.Join(b.Root, host.DefaultStateDir)
	withBackup := testSite + "backup:\n  repository: /srv/backup\n  password: ${secret:backup_pw}\n  schedule: daily\n  keep: {daily: 7}\n  include: [directory]\n"
	os.WriteFile(filepath.Join(state, "site.yaml"), []byte(withBackup), 0o600)
	runs := filepath.Join(b.Root, backup.RunsFile)
	os.MkdirAll(filepath.Dir(runs), 0o700)
	os.WriteFile(runs, []byte(`{"kind":"backup","start":"2026-11-20T02:00:00Z","seconds":3}
{"kind":"backup","start":"2026-11-21T02:00:00Z","seconds":1,"error":"repository locked"}
`), 0o600)
	b.Runner = failingRunner{}
	st, err = b.BackupStatus(context.Background())
	if err != nil || !st.Configured || st.Repository != "/srv/backup" || st.LastRun != "2026-11-21T02:00:00Z" || st.LastResult != "failed" || st.NextRun != "" {
		t.Errorf("BackupStatus() = %+v, %v", st, err)
	}
	if err := b.RunBackup(context.Background()); err == nil || !strings.Contains(err.Error(), "systemd is not reachable") {
		t.Errorf("RunBackup() without systemd: %v", err)
	}
}

// repoRunner runs commands for real, with the repository the site names
// replaced by the test's, and restic's password file and cache (box paths
// where the backup service names them) below the box's root.
type repoRunner struct{ site, real, root string }

func (r repoRunner) Run(ctx context.Context, c host.Cmd) (host.Result, error) {
	argv := slices.Clone(c.Argv)
	for i := 1; i < len(argv); i++ {
		switch argv[i-1] {
		case "-r":
			if argv[i] == r.site {
				argv[i] = r.real
			}
		case "--password-file", "--cache-dir":
			if !strings.HasPrefix(argv[i], r.root+"/") {
				argv[i] = filepath.Join(r.root, argv[i])
			}
		}
	}
	c.Argv = argv
	return execx.New().Run(ctx, c)
}

// failingRunner fails every command (systemctl is not there in tests).
type failingRunner struct{}

func (failingRunner) Run(context.Context, host.Cmd) (host.Result, error) {
	return host.Result{ExitCode: 1}, errors.New("not in tests")
}

func TestBackupStatusCopies(t *testing.T) {
	b, _ := newBox(t, true)
	state := filepath.Join(b.Root, host.DefaultStateDir)
	withCopies := testSite + "backup:\n  repository: /srv/backup\n  password: ${secret:backup_pw}\n  schedule: daily\n  keep: {daily: 7}\n  include: [directory]\n" +
		"  copies:\n    - {repository: \"sftp:copy@offsite.example:/copies/office\", schedule: daily}\n    - {repository: \"usb:POSSE1\", schedule: weekly}\n"
	os.WriteFile(filepath.Join(state, "site.yaml"), []byte(withCopies), 0o600)
	runs := filepath.Join(b.Root, backup.RunsFile)
	os.MkdirAll(filepath.Dir(runs), 0o700)
	os.WriteFile(runs, []byte(`{"kind":"backup","start":"2026-11-20T02:00:00Z","seconds":1,"repo_bytes":5000}
{"kind":"copy","copy":"offsite-example","start":"2026-11-20T03:00:00Z","seconds":3,"snapshots":4,"repo_bytes":4000}
{"kind":"copy","copy":"offsite-example","start":"2026-11-21T03:00:00Z","seconds":1,"error":"cannot open the copy's repository: ssh: connection refused"}
{"kind":"backup","start":"2026-11-21T02:00:00Z","seconds":1,"repo_bytes":6000}
`), 0o600)
	b.Runner = failingRunner{}
	st, err := b.BackupStatus(context.Background())
	if err != nil || len(st.Copies) != 2 {
		t.Fatalf("BackupStatus() = %+v, %v", st, err)
	}
	c := st.Copies[0]
	if c.Name != "offsite-example" || c.Repository != "sftp:copy@offsite.example:/copies/office" || c.LastRun != "2026-11-21T03:00:00Z" || c.LastResult != "failed" ||
		!strings.Contains(c.LastError, "connection refused") || c.LastSuccess != "2026-11-20T03:00:00Z" || c.Snapshots != 4 || c.SizeBytes != 4000 {
		t.Errorf("first copy = %+v", c)
	}
	if st.SizeBytes != 6000 || st.LastSuccess != "2026-11-21T02:00:00Z" {
		t.Errorf("the repository's size = %d, want the last backup's 6000", st.SizeBytes)
	}
	if c := st.Copies[1]; c.Name != "posse1" || c.LastRun != "" || c.LastResult != "" || c.Schedule != "weekly" || c.SizeBytes != 0 {
		t.Errorf("second copy = %+v", c)
	}
	if err := b.RunCopy(context.Background(), "nas"); !errors.Is(err, daemon.ErrNotFound) || !strings.Contains(err.Error(), "offsite-example, posse1") {
		t.Errorf("RunCopy(unknown) = %v", err)
	}
	if err := b.RunCopy(context.Background(), "posse1"); err == nil || !strings.Contains(err.Error(), "systemd is not reachable: cannot start posse-backup-copy-posse1.service") {
		t.Errorf("RunCopy() without systemd: %v", err)
	}
}
