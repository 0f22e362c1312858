// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	sftpSite    = "testdata/backup-sftp-site.yaml"
	sftpSecrets = "testdata/backup-sftp-site.secrets.yaml"
	// sftpRepoDir is the repository on the "server" side (the backup
	// account on the same box).
	sftpRepoDir = "/home/backup/repo"
)

// setUpSFTPServer makes the box its own backup server the way
// docs/backup.md asks an integrator to set one up: an account "backup"
// with a home and a shell that can run the sftp subsystem, root's
// unencrypted ed25519 key in its authorized_keys, and the server's host
// key in root's known_hosts.
func setUpSFTPServer(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	// Debian has a system user "backup" (home /var/backups, no shell):
	// give it a home and a shell, or create it where it is missing.
	tb.MustRun(t, "sh", "-ec", `
if id backup >/dev/null 2>&1; then usermod -d /home/backup -s /bin/sh backup; else useradd -s /bin/sh backup; fi
# A site lets only some local groups log in over SSH (docs/security.md):
# posse-ssh is the one for accounts like this.
groupadd -f posse-ssh
usermod -aG posse-ssh backup
install -d -m 0755 -o backup -g "$(id -gn backup)" /home/backup
systemctl start ssh.service`)
	tb.AuthorizeKey(t, "backup", tb.RootKey(t))
	tb.TrustHost(t, "127.0.0.1")
	// What restic will do: ssh without a terminal, key only.
	tb.CheckSSH(t, "backup@127.0.0.1")
}

// TestBackupSFTP backs up to an sftp repository: the timer's service runs
// restic over ssh as root (no terminal, no agent), the snapshot is listed
// through possed, and a deleted share file comes back byte for byte.
func TestBackupSFTP(t *testing.T) {
	tb := harness.Box(t, "bsftp")
	setUpSFTPServer(t, tb)
	setUpBackupSite(t, tb, sftpSite, sftpSecrets)
	if o := tb.MustRun(t, "stat", "-c", "%U", sftpRepoDir+"/config"); strings.TrimSpace(o) != "backup" {
		t.Errorf("the repository's config is owned by %q, want the sftp account backup", strings.TrimSpace(o))
	}

	dir := t.TempDir()
	file := backupShare + "/Angebot.bin"
	tb.MustRun(t, "sh", "-c", "head -c 1000000 /dev/urandom > "+file)
	orig := filepath.Join(dir, "orig.bin")
	tb.CopyOut(t, file, orig)

	start := time.Now()
	tb.MustRun(t, "systemctl", "start", "posse-backup.service")
	t.Logf("posse-backup.service (sftp) finished in %.1fs", time.Since(start).Seconds())
	if r := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "Result", "--value", "posse-backup.service")); r != "success" {
		t.Fatalf("posse-backup.service result %q; journal:\n%s", r, tb.MustRun(t, "journalctl", "-u", "posse-backup.service", "--no-pager", "-n", "30"))
	}

	var snaps []struct {
		ID    string   `json:"id"`
		Paths []string `json:"paths"`
	}
	out := tb.MustRun(t, "possectl", "backup", "snapshots", "--json")
	if err := json.Unmarshal([]byte(out), &snaps); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(snaps) != 1 || snaps[0].ID == "" {
		t.Fatalf("snapshots after one run: %s", out)
	}
	if ls := tb.MustRun(t, "possectl", "backup", "ls", snaps[0].ID[:8], backupShare); !strings.Contains(ls, "Angebot.bin") {
		t.Errorf("the snapshot lacks the share file:\n%s", ls)
	}
	if o, _, code := tb.Output(t, "possectl", "backup", "status"); code != 0 || !strings.Contains(o, "sftp:backup@127.0.0.1:"+sftpRepoDir) {
		t.Errorf("backup status: exit %d\n%s", code, o)
	}

	tb.MustRun(t, "rm", file)
	out = tb.MustRun(t, "possectl", "backup", "restore", "latest", file)
	t.Logf("restore over sftp: %s", lastLines(out, 1))
	got := filepath.Join(dir, "got.bin")
	tb.CopyOut(t, file, got)
	a, _ := os.ReadFile(orig)
	b, _ := os.ReadFile(got)
	if len(a) != 1000000 || !bytes.Equal(a, b) {
		t.Fatalf("restored file differs (%d vs %d bytes)", len(a), len(b))
	}

	// A user polkit does not let manage the site gets the same kind of
	// refusal as from the other commands.
	possectl := strings.TrimSpace(tb.MustRun(t, "sh", "-c", "command -v possectl"))
	tb.MustRun(t, "useradd", "-m", "clerk")
	if _, e, code := tb.Output(t, "runuser", "-u", "clerk", "--", possectl, "backup", "snapshots"); code != 1 || !strings.Contains(e, "not allowed to manage backups") || !strings.Contains(e, "posse-admin") {
		t.Errorf("backup snapshots as a plain user: exit %d: %s", code, e)
	}

	// The in-process path reaches the same repository.
	if o := tb.MustRun(t, "possectl", "--direct", "backup", "snapshots"); !strings.Contains(o, snaps[0].ID[:8]) {
		t.Errorf("possectl --direct backup snapshots lacks %s:\n%s", snaps[0].ID[:8], o)
	}
	if j := tb.MustRun(t, "journalctl", "--no-pager", "-o", "cat"); strings.Contains(j, backupPassword) {
		t.Error("the repository password is in the journal")
	}
}
