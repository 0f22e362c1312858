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

// filesSite is a site with a share that partners write and staff read,
// with a recycle bin, and home folders. carol is in neither group.
// {{.STAFF}} is where staff goes: "read" or "write"; {{.SHARES}} toggles
// the share.
const filesSite = `version: 1
site:
  name: "Files Test"
  domain: files.example
  workgroup: FILES
directory:
  admin_password: ${secret:domain_admin}
groups:
  - name: partners
  - name: staff
users:
  - username: alice
    groups: [partners]
    password: ${secret:alice}
    must_change_password: false
  - username: bob
    groups: [staff]
    password: ${secret:bob}
    must_change_password: false
  - username: carol
    password: ${secret:carol}
    must_change_password: false
SHARES
homes: {enabled: true}
`

const filesShare = `shares:
  - name: Akten
    description: "Client files"
    STAFF: [staff]
    write: [partners]
    recycle_bin: true
`

var filesPasswords = map[string]string{"alice": "Kanzlei-Akten-71!", "bob": "Lesezugriff-52!", "carol": "Aussen-Stehend-33!"}

// writeFilesSite writes the template (staff "read" or "write", or no share
// at all when staff is "") and the secrets into dir.
func writeFilesSite(t *testing.T, dir, staff string) (template, secrets string) {
	t.Helper()
	share := ""
	if staff != "" {
		share = strings.Replace(filesShare, "STAFF", staff, 1)
		if staff == "write" {
			share = strings.Replace(filesShare, "STAFF: [staff]\n    write: [partners]", "write: [partners, staff]", 1)
		}
		if staff == "everyone" { // the built-in group: every user
			share = strings.Replace(filesShare, "STAFF: [staff]", "read: [everyone]", 1)
		}
	}
	template = filepath.Join(dir, "files-"+staff+".yaml")
	if err := os.WriteFile(template, []byte(strings.Replace(filesSite, "SHARES\n", share, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets = filepath.Join(dir, "files.secrets.yaml")
	s := "domain_admin: \"Files-Admin-Pw-2026!\"\n"
	for u, pw := range filesPasswords {
		s += fmt.Sprintf("%s: %q\n", u, pw)
	}
	if err := os.WriteFile(secrets, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return template, secrets
}

// smb runs smbclient on the host against //ip/share as user, with the
// password in an auth file (never in argv), and returns its output.
func smb(t *testing.T, dir, ip, share, user string, cmds string) (string, error) {
	t.Helper()
	return harness.SMB(t, dir, ip, share, "FILES", user, filesPasswords[user], cmds)
}

func dcPID(t *testing.T, tb *harness.TestBox) string {
	return strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", "samba-ad-dc"))
}

// TestFiles applies a site with a share and home folders and checks access
// with the real smbclient from outside the box.
func TestFiles(t *testing.T) {
	if _, err := exec.LookPath("smbclient"); err != nil {
		t.Skip("smbclient is not installed on the host (scripts/deps.sh installs it for CI: apt-get install smbclient)")
	}
	tb := harness.Box(t, "files")
	ip, dir := tb.IP(), t.TempDir()
	template, secrets := writeFilesSite(t, dir, "read")
	tb.Apply(t, template, secrets)
	up := filepath.Join(dir, "up.txt")
	os.WriteFile(up, []byte("from the host\n"), 0o644)

	harness.Eventually(t, 30*time.Second, func() error {
		out, err := smb(t, dir, ip, "Akten", "alice", "ls")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})

	t.Run("writer puts and gets", func(t *testing.T) {
		back := filepath.Join(dir, "back.txt")
		if out, err := smb(t, dir, ip, "Akten", "alice", "mkdir sub; put "+up+" sub/a.txt; get sub/a.txt "+back); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if b, _ := os.ReadFile(back); string(b) != "from the host\n" {
			t.Errorf("got back %q", b)
		}
	})
	t.Run("reader gets but cannot put", func(t *testing.T) {
		if out, err := smb(t, dir, ip, "Akten", "bob", "get sub/a.txt "+filepath.Join(dir, "bob.txt")); err != nil {
			t.Errorf("get: %v: %s", err, out)
		}
		out, _ := smb(t, dir, ip, "Akten", "bob", "put "+up+" b.txt")
		if !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("put as a reader: %s", out)
		}
	})
	t.Run("neither group cannot list", func(t *testing.T) {
		out, err := smb(t, dir, ip, "Akten", "carol", "ls")
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("ls as carol: %v: %s", err, out)
		}
	})
	t.Run("writer cannot widen the share's ACL", func(t *testing.T) {
		if _, err := exec.LookPath("smbcacls"); err != nil {
			t.Skip("smbcacls is not installed on the host (scripts/deps.sh installs it for CI with smbclient)")
		}
		auth := harness.SMBAuth(t, dir, "FILES", "alice", filesPasswords["alice"])
		out, err := harness.Host("smbcacls", "//"+ip+"/Akten", "/", "-A", auth, "-a", `ACL:FILES\carol:ALLOWED/OI|CI/FULL`)
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("a writer changed the share root's ACL: %v: %s", err, out)
		}
		if out, _ := harness.Host("smbcacls", "//"+ip+"/Akten", "/", "-A", auth); strings.Contains(out, "carol") {
			t.Errorf("share root ACL changed from Windows:\n%s", out)
		}
	})
	t.Run("home is private", func(t *testing.T) {
		if out, err := smb(t, dir, ip, "alice", "alice", "put "+up+" mine.txt; ls"); err != nil {
			t.Errorf("alice in her home: %v: %s", err, out)
		}
		if out, err := smb(t, dir, ip, "alice", "bob", "ls"); err == nil {
			t.Errorf("bob listed alice's home: %s", out)
		}
		if mode := tb.MustRun(t, "stat", "-c", "%a", "/srv/posse/homes/alice"); strings.TrimSpace(mode) != "700" {
			t.Errorf("alice's home has mode %s", mode)
		}
	})
	t.Run("deleted file lands in the recycle bin", func(t *testing.T) {
		if out, err := smb(t, dir, ip, "Akten", "alice", "del sub/a.txt"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		tb.MustRun(t, "test", "-f", "/srv/posse/shares/akten/.recycle/alice/sub/a.txt")
		out, _ := smb(t, dir, ip, "Akten", "alice", "ls")
		if strings.Contains(out, ".recycle") && !strings.Contains(out, "DH") {
			t.Errorf(".recycle is not hidden:\n%s", out)
		}
	})
	t.Run("read to write without restart", func(t *testing.T) {
		pid := dcPID(t, tb)
		tw, _ := writeFilesSite(t, dir, "write")
		tb.Apply(t, tw, secrets)
		if out, err := smb(t, dir, ip, "Akten", "bob", "put "+up+" sub/b.txt"); err != nil {
			t.Errorf("put after the change: %v: %s", err, out)
		}
		if now := dcPID(t, tb); now != pid {
			t.Errorf("samba-ad-dc MainPID %s, was %s: it was restarted", now, pid)
		}
	})
	t.Run("re-apply changes nothing", func(t *testing.T) {
		_, _, steps := planUnits(t, tb, filepath.Join(dir, "files-write.yaml"), secrets)
		if steps != 0 {
			t.Errorf("plan after apply has %d steps", steps)
		}
	})
	t.Run("read for everyone lets a user in no group read", func(t *testing.T) {
		if out, err := smb(t, dir, ip, "Akten", "carol", "ls"); err == nil {
			t.Fatalf("carol, in no group, reads the share before it is everyone's:\n%s", out)
		}
		te, _ := writeFilesSite(t, dir, "everyone")
		tb.Apply(t, te, secrets)
		harness.Eventually(t, 30*time.Second, func() error {
			if out, err := smb(t, dir, ip, "Akten", "carol", "get sub/b.txt "+filepath.Join(dir, "carol.txt")); err != nil {
				return fmt.Errorf("carol cannot read a share of everyone: %v: %s", err, out)
			}
			return nil
		})
		if out, err := smb(t, dir, ip, "Akten", "carol", "put "+up+" carol.txt"); err == nil {
			t.Errorf("carol wrote to a share everyone may only read:\n%s", out)
		}
		if _, _, steps := planUnits(t, tb, te, secrets); steps != 0 {
			t.Errorf("plan after applying everyone has %d steps", steps)
		}
		if out, _, code := tb.Possectl(t, "", "export"); code != 0 || !strings.Contains(out, "read: [everyone]") && !strings.Contains(out, "- everyone") {
			t.Errorf("export does not call Domain Users everyone:\n%s", out)
		}
	})
	t.Run("removing the share keeps its data", func(t *testing.T) {
		tn, _ := writeFilesSite(t, dir, "")
		out := tb.Apply(t, tn, secrets)
		tb.MustRun(t, "test", "-f", "/srv/posse/shares/akten/sub/b.txt")
		if o, err := smb(t, dir, ip, "Akten", "alice", "ls"); err == nil || !strings.Contains(o, "BAD_NETWORK_NAME") {
			t.Errorf("removed share still served: %v: %s", err, o)
		}
		if !strings.Contains(out, "stay") {
			t.Logf("apply output does not mention the kept directory:\n%s", out)
		}
	})
	// winbind keeps answering a deleted account's name with its old SID
	// and id for minutes; the ACLs must name the group and the user
	// created again.
	t.Run("group and user deleted and created again", func(t *testing.T) {
		gone := strings.NewReplacer("  admin_password: ${secret:domain_admin}\n", "  admin_password: ${secret:domain_admin}\n  prune: true\n",
			"  - name: staff\n", "", "    groups: [staff]\n", "", "SHARES\n", "",
			"  - username: carol\n    password: ${secret:carol}\n    must_change_password: false\n", "").Replace(filesSite)
		if strings.Contains(gone, "carol") {
			t.Fatal("carol is still in the template")
		}
		tg := filepath.Join(dir, "files-nostaff.yaml")
		if err := os.WriteFile(tg, []byte(gone), 0o600); err != nil {
			t.Fatal(err)
		}
		tb.Apply(t, tg, secrets)
		if out, _, code := tb.Output(t, "samba-tool", "group", "show", "staff"); code == 0 {
			t.Fatalf("staff still exists after pruning:\n%s", out)
		}
		tr, _ := writeFilesSite(t, dir, "read")
		tb.Apply(t, tr, secrets)

		// The id winbind gives the account's current objectSid.
		idOf := func(kind, name string) string {
			sid := ""
			for _, l := range strings.Split(tb.MustRun(t, "samba-tool", kind, "show", name, "--attributes=objectSid"), "\n") {
				if v, ok := strings.CutPrefix(l, "objectSid: "); ok {
					sid = strings.TrimSpace(v)
				}
			}
			f := strings.Fields(tb.MustRun(t, "wbinfo", "--sids-to-unix-ids="+sid))
			if sid == "" || len(f) != 4 {
				t.Fatalf("no id for %s's SID %q: %v", name, sid, f)
			}
			return f[3]
		}
		staff := idOf("group", "staff")
		acl := tb.MustRun(t, "getfacl", "-n", "-p", "/srv/posse/shares/akten")
		if !strings.Contains(acl, "\ngroup:"+staff+":r-x") {
			t.Errorf("the share's ACL does not name the new staff (id %s):\n%s", staff, acl)
		}
		if own := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%u", "/srv/posse/homes/carol")); own != idOf("user", "carol") {
			t.Errorf("carol's home is owned by %s, not by the new carol (%s)", own, idOf("user", "carol"))
		}
		harness.Eventually(t, 15*time.Second, func() error {
			if out, err := smb(t, dir, ip, "Akten", "bob", "get sub/b.txt "+filepath.Join(dir, "bob2.txt")); err != nil {
				return fmt.Errorf("bob (staff again) reads the share: %v: %s", err, out)
			}
			if out, err := smb(t, dir, ip, "carol", "carol", "put "+up+" again.txt"); err != nil {
				return fmt.Errorf("the new carol writes to her home: %v: %s", err, out)
			}
			return nil
		})
		if _, _, steps := planUnits(t, tb, tr, secrets); steps != 0 {
			t.Errorf("plan after re-creating the group has %d steps", steps)
		}
	})
}
