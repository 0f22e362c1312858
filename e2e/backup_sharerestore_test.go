// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/e2e/harness"
)

// TestBackupShareRestore: an office manager (posse-office, no root)
// restores a deleted file of a share from the backup through possed, by
// share name and share-relative path, next to where it was and in place;
// content, owner, mode and the Windows ACL (security.NTACL) come back as
// they were. Paths out of the share, box paths and a link planted in the
// share are refused, and a plain local account and a domain account
// outside posse-office are refused by polkit.
func TestBackupShareRestore(t *testing.T) {
	tb := harness.Box(t, "shrestore")
	setUpBackup(t, tb)
	installDaemon(t, tb)
	tb.MustRun(t, "groupadd", "--system", "posse-office")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-office", "office1")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "plain1")
	office := func(args ...string) []string {
		return append([]string{"runuser", "-u", "office1", "--", "possectl"}, args...)
	}
	dir := t.TempDir()
	ip := tb.IP()

	// alice writes the file through Samba, which gives it the NT ACL it
	// inherits from the share.
	auth := harness.SMBAuth(t, dir, "BACKUP", "alice", alicePW)
	smb := func(cmds string) (string, error) {
		return harness.Host("smbclient", "//"+ip+"/Akten", "-m", "SMB3", "-A", auth, "-c", cmds)
	}
	local := filepath.Join(dir, "offer.txt")
	const content = "Angebot 2026, Fassung eins\n"
	if err := os.WriteFile(local, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := smb("mkdir Briefe; put " + local + " Briefe/offer.txt"); err != nil {
		t.Fatalf("alice puts Briefe/offer.txt: %v\n%s", err, out)
	}
	file := backupShare + "/Briefe/offer.txt"
	meta := func(p string) string {
		return tb.MustRun(t, "sh", "-c", "stat -c '%U %G %a' \"$1\"; getfattr -d -m - --absolute-names \"$1\" | grep -v '^#' | sort", "sh", p)
	}
	before := meta(file)
	if !strings.Contains(before, "security.NTACL=") {
		t.Fatalf("the share file has no Windows ACL to restore:\n%s", before)
	}
	shadow := tb.MustRun(t, "sha256sum", "/etc/shadow")

	tb.MustRun(t, "systemctl", "start", "posse-backup.service")
	tb.MustRun(t, "rm", file)

	t.Run("a plain account is refused by polkit", func(t *testing.T) {
		if _, errOut, code := tb.Output(t, "runuser", "-u", "plain1", "--", "possectl", "backup", "restore-files", "Akten", "Briefe/offer.txt"); code == 0 || !strings.Contains(errOut, "not allowed to restore files from the backup") {
			t.Errorf("a plain account's restore: exit %d, %s", code, errOut)
		}
		if out, _ := busctlAs(t, tb, "plain1", api.BackupInterface, "ShareSnapshots"); !strings.Contains(out, "not authorized") {
			t.Errorf("a plain account's ShareSnapshots: %s", out)
		}
		// alice is a domain account (the box resolves her through
		// winbind), not in posse-office.
		if _, errOut, code := tb.Output(t, "runuser", "-u", "alice", "--", "possectl", "backup", "restore-files", "Akten", "Briefe/offer.txt"); code == 0 || !strings.Contains(errOut, "not allowed to restore files from the backup") {
			t.Errorf("the domain account alice's restore: exit %d, %s", code, errOut)
		}
	})
	t.Run("the office manager sees shares and backups, no box paths", func(t *testing.T) {
		out := tb.MustRun(t, office("backup", "share-snapshots", "--json")...)
		var sb struct {
			Snapshots []struct{ ID string }
			Shares    []string
			Homes     []string
		}
		if err := json.Unmarshal([]byte(out), &sb); err != nil || len(sb.Snapshots) == 0 || !contains(sb.Shares, "Akten") || !contains(sb.Homes, "alice") {
			t.Errorf("share-snapshots: %v\n%s", err, out)
		}
		if strings.Contains(out, "/srv") {
			t.Errorf("share-snapshots shows box paths:\n%s", out)
		}
		ls := tb.MustRun(t, office("backup", "browse-share", "Akten", "Briefe", "--json")...)
		if !strings.Contains(ls, `"path": "Briefe/offer.txt"`) || strings.Contains(ls, "/srv") {
			t.Errorf("browse-share Akten Briefe:\n%s", ls)
		}
	})
	t.Run("alongside, then in place", func(t *testing.T) {
		var res struct{ Paths []string }
		out := tb.MustRun(t, office("backup", "restore-files", "Akten", "Briefe/offer.txt", "--alongside", "--json")...)
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Paths) != 1 || !strings.HasPrefix(res.Paths[0], "Briefe/offer (restored ") || !strings.HasSuffix(res.Paths[0], ").txt") {
			t.Fatalf("restore-files --alongside: %v\n%s", err, out)
		}
		copyPath := backupShare + "/" + res.Paths[0]
		if got := tb.MustRun(t, "cat", copyPath); got != content {
			t.Errorf("the copy holds %q", got)
		}
		if m := meta(copyPath); strings.ReplaceAll(m, copyPath, file) != before {
			t.Errorf("the copy's owner, mode or attributes (NT ACL):\n%s\nwant\n%s", m, before)
		}
		if _, _, code := tb.Output(t, "test", "-e", file); code == 0 {
			t.Error("--alongside put the file back in place")
		}
		tb.MustRun(t, office("backup", "restore-files", "Akten", "Briefe/offer.txt")...)
		if got := tb.MustRun(t, "cat", file); got != content {
			t.Errorf("in place the file holds %q", got)
		}
		if m := meta(file); m != before {
			t.Errorf("owner, mode or attributes (NT ACL) after the restore in place:\n%s\nbefore\n%s", m, before)
		}
		// In place overwrites a changed file, as Windows' Restore does.
		tb.MustRun(t, "sh", "-c", "printf changed > \"$1\"", "sh", file)
		tb.MustRun(t, office("backup", "restore-files", "Akten", "Briefe/offer.txt")...)
		if got := tb.MustRun(t, "cat", file); got != content {
			t.Errorf("after overwriting in place the file holds %q", got)
		}
		got := filepath.Join(dir, "got.txt")
		if out, err := smb("get Briefe/offer.txt " + got); err != nil {
			t.Errorf("alice cannot read the restored file: %v\n%s", err, out)
		} else if b, _ := os.ReadFile(got); string(b) != content {
			t.Errorf("alice reads %q", b)
		}
	})
	t.Run("paths out of the share are refused", func(t *testing.T) {
		for _, p := range []string{"../../etc/shadow", "Briefe/../../../etc/shadow"} {
			if _, errOut, code := tb.Output(t, office("backup", "restore-files", "Akten", p)...); code == 0 || !strings.Contains(errOut, "goes up") {
				t.Errorf("restore-files of %s: exit %d, %s", p, code, errOut)
			}
			// possed itself refuses, not only possectl.
			if out, code := busctlAs(t, tb, "office1", api.BackupInterface, "RestoreShareFiles", "ssasb", "latest", "Akten", "1", p, "false"); code == 0 || !strings.Contains(out, "goes up") {
				t.Errorf("RestoreShareFiles of %s on the bus: exit %d, %s", p, code, out)
			}
		}
		// /etc/shadow is the share's etc/shadow, which is not there.
		if _, errOut, code := tb.Output(t, office("backup", "restore-files", "Akten", "/etc/shadow")...); code == 0 || !strings.Contains(errOut, "not in the backup") {
			t.Errorf("restore-files of /etc/shadow: exit %d, %s", code, errOut)
		}
		// Another box path is no share.
		for _, share := range []string{"/srv/posse/homes", "../homes"} {
			if out, code := busctlAs(t, tb, "office1", api.BackupInterface, "RestoreShareFiles", "ssasb", "latest", share, "1", "alice/cv.txt", "false"); code == 0 || strings.Contains(out, "not authorized") {
				t.Errorf("RestoreShareFiles of share %s: exit %d, %s", share, code, out)
			}
		}
		if _, errOut, code := tb.Output(t, office("backup", "restore-files", "Nirgends", "a.txt")...); code == 0 || !strings.Contains(errOut, "no share or home folder") {
			t.Errorf("restore-files of an unknown share: exit %d, %s", code, errOut)
		}
		// A link planted in the share is not followed.
		tb.MustRun(t, "sh", "-c", "mv \"$1/Briefe\" \"$1/Briefe.real\" && ln -s /etc \"$1/Briefe\"", "sh", backupShare)
		if _, errOut, code := tb.Output(t, office("backup", "restore-files", "Akten", "Briefe/offer.txt")...); code == 0 {
			t.Errorf("restore through a link in the share succeeded: %s", errOut)
		}
		if _, _, code := tb.Output(t, "test", "-e", "/etc/offer.txt"); code == 0 {
			t.Error("the restore wrote /etc/offer.txt through the link")
		}
		tb.MustRun(t, "sh", "-c", "rm \"$1/Briefe\" && mv \"$1/Briefe.real\" \"$1/Briefe\"", "sh", backupShare)
		if after := tb.MustRun(t, "sha256sum", "/etc/shadow"); after != shadow {
			t.Error("/etc/shadow changed")
		}
	})
}
