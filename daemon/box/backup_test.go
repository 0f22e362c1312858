package box

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/provisioning/host"
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
	state := filepath.Join(b.Root, host.DefaultStateDir)
	withBackup := testSite + "backup:\n  repository: " + repo + "\n  password: ${secret:backup_pw}\n  schedule: daily\n  keep: {daily: 7}\n  include: [directory]\n"
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
	target := filepath.Join(work, "restore")
	res, err := b.Restore(ctx, "latest", []string{filepath.Join(data, "sub", "b.txt")}, target)
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshot != snaps[0].ID || res.To != target {
		t.Errorf("Restore() = %+v", res)
	}
	if b, err := os.ReadFile(filepath.Join(target, data, "sub", "b.txt")); err != nil || string(b) != "bee" {
		t.Errorf("restored file: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(target, data, "a.txt")); err == nil {
		t.Error("restore brought back a file that was not asked for")
	}
	if _, err := b.Restore(ctx, "latest", []string{data}, "/"); !errors.Is(err, daemon.ErrInvalid) {
		t.Errorf("restore over / : %v", err)
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

// failingRunner fails every command (systemctl is not there in tests).
type failingRunner struct{}

func (failingRunner) Run(context.Context, host.Cmd) (host.Result, error) {
	return host.Result{ExitCode: 1}, errors.New("not in tests")
}
