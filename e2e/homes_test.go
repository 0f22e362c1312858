// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// newhirePW is the password of the user TestHomes creates
// (examples/small-office.yaml's policy: 10 characters, complexity). The
// other user is scanner (scannerPW), who logs on without changing its
// password first.
const newhirePW = "Neu-Im-Team-2026!"

// smbAs runs smbclient on the host against //ip/share as user of the
// MUELLER domain, the password in an auth file (never in argv).
func smbAs(t *testing.T, dir, ip, share, user, pw, cmds string) (string, error) {
	t.Helper()
	return harness.SMB(t, dir, ip, share, "MUELLER", user, pw, cmds)
}

// TestHomes applies examples/small-office.yaml (homes enabled), adds a
// user through possed (possectl users add), and checks from outside the
// box that the user's home folder is served, private, and mapped in the
// directory, without applying the template again; the template's plan
// then has nothing to do. Deleting the user stops sharing the folder and
// keeps its data.
func TestHomes(t *testing.T) {
	if _, err := exec.LookPath("smbclient"); err != nil {
		t.Skip("smbclient is not installed on the host (scripts/deps.sh installs it for CI: apt-get install smbclient)")
	}
	const template, secrets = "../examples/small-office.yaml", "../examples/small-office.secrets.yaml"
	tb := harness.Box(t, "homes")
	ip, dir := tb.IP(), t.TempDir()
	tb.Apply(t, template, secrets)
	up := filepath.Join(dir, "cv.txt")
	os.WriteFile(up, []byte("private\n"), 0o644)

	if o, e, code := tb.Possectl(t, newhirePW+"\n", "users", "add", "newhire", "--given-name", "Nina", "--surname", "Neu",
		"--group", "staff", "--password-stdin", "--no-must-change"); code != 0 {
		t.Fatalf("possectl users add: exit %d\n%s%s", code, o, e)
	}

	// The background sync of the files service makes the folder and the
	// share section shortly after the call returned.
	harness.Eventually(t, 90*time.Second, func() error {
		if out, err := smbAs(t, dir, ip, "newhire", "newhire", newhirePW, "put "+up+" cv.txt; ls"); err != nil || !strings.Contains(out, "cv.txt") {
			return fmt.Errorf("newhire puts a file into her home: %v: %s", err, out)
		}
		return nil
	})

	t.Run("folder is private", func(t *testing.T) {
		// scanner can log on (its own home works), but not into newhire's.
		if out, err := smbAs(t, dir, ip, "scanner", "scanner", scannerPW, "ls"); err != nil {
			t.Fatalf("scanner in its own home: %v: %s", err, out)
		}
		out, err := smbAs(t, dir, ip, "newhire", "scanner", scannerPW, "get cv.txt "+filepath.Join(dir, "stolen.txt"))
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("scanner in newhire's home: %v: %s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "stolen.txt")); err == nil {
			t.Error("scanner got a copy of newhire's file")
		}
		if mode := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%a", "/srv/posse/homes/newhire")); mode != "700" {
			t.Errorf("newhire's home has mode %s", mode)
		}
	})
	t.Run("directory maps the home", func(t *testing.T) {
		out := tb.MustRun(t, "samba-tool", "user", "show", "newhire", "--attributes=homeDirectory,homeDrive")
		if !strings.Contains(out, `\newhire`) || !strings.Contains(out, "homeDirectory: \\\\") || !strings.Contains(out, "homeDrive: H:") {
			t.Errorf("newhire's home attributes:\n%s", out)
		}
	})
	t.Run("template plan has nothing to do", func(t *testing.T) {
		if _, _, steps := planUnits(t, tb, template, secrets); steps != 0 {
			t.Errorf("plan of the applied template after adding newhire has %d steps", steps)
		}
	})
	t.Run("an exported template plans on its own box without secrets", func(t *testing.T) {
		exported, e, code := tb.Possectl(t, "", "export")
		if code != 0 {
			t.Fatalf("possectl export: exit %d\n%s", code, e)
		}
		f := filepath.Join(dir, "exported.yaml")
		os.WriteFile(f, []byte(exported), 0o600)
		tb.CopyIn(t, f, "/root/exported.yaml", 0o600)
		if o, e, code := tb.Possectl(t, "", "validate", "/root/exported.yaml"); code != 0 {
			t.Errorf("validate the exported template: exit %d\n%s%s", code, o, e)
		}
		if o, e, code := tb.Possectl(t, "", "plan", "/root/exported.yaml"); code != 0 {
			t.Errorf("plan the exported template without --secrets: exit %d\n%s%s", code, o, e)
		}
	})
	t.Run("domain users cannot log in over SSH", func(t *testing.T) {
		checkSSHLogins(t, tb, "newhire", newhirePW)
	})
	t.Run("status is healthy", func(t *testing.T) {
		if o, e, code := tb.Possectl(t, "", "status"); code != 0 {
			t.Errorf("possectl status: exit %d\n%s%s", code, o, e)
		}
	})
	t.Run("deleting the user keeps the data", func(t *testing.T) {
		if o, e, code := tb.Possectl(t, "", "users", "delete", "newhire", "--yes"); code != 0 {
			t.Fatalf("possectl users delete: exit %d\n%s%s", code, o, e)
		}
		harness.Eventually(t, 90*time.Second, func() error {
			if _, _, code := tb.Output(t, "grep", "-q", "^\\[newhire\\]", "/etc/samba/posse-shares.conf"); code == 0 {
				return fmt.Errorf("newhire's share section is still there")
			}
			return nil
		})
		tb.MustRun(t, "test", "-f", "/srv/posse/homes/newhire/cv.txt")
		t.Log(tb.MustRun(t, "journalctl", "-u", "possed", "--no-pager", "-n", "8"))
		if _, _, steps := planUnits(t, tb, template, secrets); steps != 0 {
			t.Errorf("plan after deleting newhire has %d steps", steps)
		}
	})
}
