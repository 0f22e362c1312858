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
)

// TestBackupWithRealRestic makes a repository and a snapshot with restic,
// then lists, browses and restores it through the backend, which passes
// the kept password on stdin.
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
	if err := b.Restore(ctx, "latest", []string{filepath.Join(data, "sub", "b.txt")}, target); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(target, data, "sub", "b.txt")); err != nil || string(b) != "bee" {
		t.Errorf("restored file: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(target, data, "a.txt")); err == nil {
		t.Error("restore brought back a file that was not asked for")
	}
	if err := b.Restore(ctx, "latest", []string{data}, "/"); !errors.Is(err, daemon.ErrInvalid) {
		t.Errorf("restore over / : %v", err)
	}

	os.WriteFile(filepath.Join(state, "secrets.yaml"), []byte("domain_admin: \"Admin-Passw0rd!\"\nbackup_pw: \"wrong-password-1234\"\n"), 0o600)
	_, err = b.Snapshots(ctx)
	if err == nil || strings.Contains(err.Error(), "wrong-password-1234") {
		t.Errorf("Snapshots() with a wrong password: %v", err)
	}
}
