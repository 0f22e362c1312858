// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"gopkg.in/yaml.v3"
)

// winSite has a share that partners write and staff read, with a recycle
// bin and a folder only partners may open; carol is in neither group.
const winSite = `version: 1
site:
  name: "Fenster Test"
  domain: fenster.example
  workgroup: FENSTER
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
shares:
  - name: Akten
    read: [staff]
    write: [partners]
    recycle_bin: true
    folders:
      - path: Intern
        inherit: false
        write: [partners]
      - path: Vorlagen
        write: [staff]
`

const winAdminPW = "Fenster-Admin-Pw-2026!"

var winPasswords = map[string]string{"alice": "Kanzlei-Fenster-71!", "bob": "Lese-Fenster-52!", "carol": "Aussen-Fenster-33!", "Administrator": winAdminPW}

// winFiles writes the template and its secrets into dir.
func winFiles(t *testing.T, dir string) (template, secrets string) {
	t.Helper()
	template, secrets = filepath.Join(dir, "win.yaml"), filepath.Join(dir, "win.secrets.yaml")
	s := fmt.Sprintf("domain_admin: %q\n", winAdminPW)
	for _, u := range []string{"alice", "bob", "carol"} {
		s += fmt.Sprintf("%s: %q\n", u, winPasswords[u])
	}
	if err := os.WriteFile(template, []byte(winSite), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return template, secrets
}

// winAuth writes an smbclient auth file for user of the FENSTER domain.
func winAuth(t *testing.T, dir, user string) string {
	t.Helper()
	return harness.SMBAuth(t, dir, "FENSTER", user, winPasswords[user])
}

// smbWin runs smbclient commands on //ip/Akten as user.
func smbWin(t *testing.T, dir, ip, user, cmds string) (string, error) {
	t.Helper()
	return harness.Host("smbclient", "//"+ip+"/Akten", "-A", winAuth(t, dir, user), "-c", cmds)
}

// smbcacls runs smbcacls on a path of //ip/Akten as user.
func smbcacls(t *testing.T, dir, ip, user, p string, args ...string) (string, error) {
	t.Helper()
	return harness.Host(append([]string{"smbcacls", "//" + ip + "/Akten", p, "-A", winAuth(t, dir, user)}, args...)...)
}

// smb2SecurityMode sends an SMB2 NEGOTIATE (dialects 2.0.2 to 3.0.2) to
// ip:445 and returns the SecurityMode of the server's answer (MS-SMB2
// 2.2.3, 2.2.4): bit 0x02 means the server requires signing.
func smb2SecurityMode(ip string) (uint16, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "445"), 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, 64)
	copy(hdr, "\xfeSMB")
	binary.LittleEndian.PutUint16(hdr[4:], 64) // StructureSize
	binary.LittleEndian.PutUint16(hdr[14:], 1) // CreditRequest; Command 0 = NEGOTIATE
	dialects := []uint16{0x0202, 0x0210, 0x0300, 0x0302}
	body := make([]byte, 36, 36+2*len(dialects))
	binary.LittleEndian.PutUint16(body[0:], 36)
	binary.LittleEndian.PutUint16(body[2:], uint16(len(dialects)))
	binary.LittleEndian.PutUint16(body[4:], 1) // signing enabled, not required
	copy(body[12:28], "posse-e2e-client")
	for _, d := range dialects {
		body = binary.LittleEndian.AppendUint16(body, d)
	}
	msg := append(hdr, body...)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(msg))) // NetBIOS session message, type 0
	if _, err := c.Write(append(frame, msg...)); err != nil {
		return 0, err
	}
	var lenBuf [4]byte
	if _, err := io.ReadFull(c, lenBuf[:]); err != nil {
		return 0, err
	}
	resp := make([]byte, binary.BigEndian.Uint32(lenBuf[:])&0xffffff)
	if _, err := io.ReadFull(c, resp); err != nil {
		return 0, err
	}
	if len(resp) < 64+4 || string(resp[:4]) != "\xfeSMB" {
		return 0, fmt.Errorf("not an SMB2 answer (%d bytes)", len(resp))
	}
	if st := binary.LittleEndian.Uint32(resp[8:]); st != 0 {
		return 0, fmt.Errorf("NEGOTIATE failed with status %#08x", st)
	}
	return binary.LittleEndian.Uint16(resp[64+2:]), nil
}

// TestFilesWindows applies a site whose share behaves like a Windows file
// server and checks it from outside the box with Samba's own clients:
// signing required and no guest, alternate data streams and DOS
// attributes, the template's Windows ACL on the share root, a writer who
// cannot change it, a domain admin's change found by the plan and undone
// by apply, a folder closed to the share's readers, the recycle bin
// catching a delete-on-close, and a second apply with nothing to do.
func TestFilesWindows(t *testing.T) {
	for _, tool := range []string{"smbclient", "smbcacls"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed on the host (scripts/deps.sh installs it for CI)", tool)
		}
	}
	tb := harness.Box(t, "win")
	ip, dir := tb.IP(), t.TempDir()
	template, secrets := winFiles(t, dir)
	tb.Apply(t, template, secrets)
	up := filepath.Join(dir, "up.txt")
	os.WriteFile(up, []byte("from the host\n"), 0o644)
	zone := filepath.Join(dir, "zone.txt")
	os.WriteFile(zone, []byte("[ZoneTransfer]\r\nZoneId=3\r\n"), 0o644)
	harness.Eventually(t, 30*time.Second, func() error {
		if out, err := smbWin(t, dir, ip, "alice", "ls"); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})

	t.Run("signing required and no guest", func(t *testing.T) {
		mode, err := smb2SecurityMode(ip)
		if err != nil {
			t.Fatalf("SMB2 negotiate: %v", err)
		}
		if mode&0x02 == 0 {
			t.Errorf("SecurityMode %#x: the server does not require signing", mode)
		}
		// What testparm says about it (smb.conf(5): "default" means
		// required for an AD DC), for the record.
		out := tb.MustRun(t, "sh", "-c", "testparm -sv --suppress-prompt 2>/dev/null | grep -E '^\\s*(server role|server signing|map to guest|guest ok|restrict anonymous) ='")
		t.Logf("testparm:\n%s", out)
		for _, want := range []string{"server role = active directory domain controller", "server signing = default", "map to guest = Never", "restrict anonymous = 2"} {
			if !strings.Contains(out, want) {
				t.Errorf("testparm lacks %q", want)
			}
		}
		for _, args := range [][]string{{"-N"}, {"-U", "guest%"}, {"-U", "nobody%x"}} {
			out, err := harness.Host(append([]string{"smbclient", "//" + ip + "/Akten", "-c", "ls"}, args...)...)
			if err == nil || !(strings.Contains(out, "NT_STATUS_ACCESS_DENIED") || strings.Contains(out, "NT_STATUS_LOGON_FAILURE")) {
				t.Errorf("smbclient %v: %v: %s", args, err, out)
			}
		}
	})
	t.Run("macs cannot change modes through NFS ACEs", func(t *testing.T) {
		// vfs_fruit(8): a global option; a mode changed by a Mac would make
		// Samba ignore the stored Windows ACL.
		out := tb.MustRun(t, "testparm", "-s", "--suppress-prompt", "--parameter-name", "fruit:nfs_aces")
		if !strings.EqualFold(strings.TrimSpace(out), "no") {
			t.Errorf("testparm fruit:nfs_aces = %q, want No", strings.TrimSpace(out))
		}
	})
	t.Run("alternate data stream round trip", func(t *testing.T) {
		back := filepath.Join(dir, "zone-back.txt")
		out, err := smbWin(t, dir, ip, "alice", "put "+up+" report.txt; put "+zone+" report.txt:Zone.Identifier; get report.txt:Zone.Identifier "+back+"; allinfo report.txt")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if b, _ := os.ReadFile(back); string(b) != "[ZoneTransfer]\r\nZoneId=3\r\n" {
			t.Errorf("stream read back as %q", b)
		}
		if !strings.Contains(out, "stream: [:Zone.Identifier:$DATA], 26 bytes") {
			t.Errorf("allinfo lists no Zone.Identifier stream:\n%s", out)
		}
		if x := tb.MustRun(t, "getfattr", "--absolute-names", "-n", "user.DosStream.Zone.Identifier:$DATA", "/srv/posse/shares/akten/report.txt"); !strings.Contains(x, "user.DosStream.Zone.Identifier") {
			t.Errorf("stream not stored by streams_xattr: %s", x)
		}
	})
	t.Run("DOS attributes stored", func(t *testing.T) {
		out, err := smbWin(t, dir, ip, "alice", "setmode report.txt +hr; allinfo report.txt")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if !strings.Contains(out, " (23)") { // read-only 0x01, hidden 0x02, archive 0x20
			t.Errorf("attributes after setmode +hr:\n%s", out)
		}
		tb.MustRun(t, "getfattr", "--absolute-names", "-n", "user.DOSATTRIB", "/srv/posse/shares/akten/report.txt")
		if out, err := smbWin(t, dir, ip, "alice", "setmode report.txt -hr"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("share root has the template's ACL", func(t *testing.T) {
		out, err := smbcacls(t, dir, ip, "alice", "/")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for _, want := range []string{
			`OWNER:FENSTER\Administrator`,
			`ACL:FENSTER\Domain Admins:ALLOWED/OI|CI/FULL`,
			`ACL:CREATOR OWNER:ALLOWED/OI|CI|IO/FULL`,
			`ACL:FENSTER\partners:ALLOWED/OI|CI/RWXD`,
			`ACL:FENSTER\staff:ALLOWED/OI|CI/READ`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("smbcacls lacks %s:\n%s", want, out)
			}
		}
		if n := strings.Count(out, "\nACL:"); n != 4 {
			t.Errorf("%d entries, want 4:\n%s", n, out)
		}
	})
	t.Run("writer cannot change permissions", func(t *testing.T) {
		out, err := smbcacls(t, dir, ip, "alice", "/", "-a", `ACL:FENSTER\carol:ALLOWED/OI|CI/FULL`)
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("alice added carol to the share root: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "carol", "ls"); err == nil {
			t.Errorf("carol lists the share: %s", out)
		}
	})
	t.Run("folder closed to readers", func(t *testing.T) {
		if out, err := smbWin(t, dir, ip, "alice", "put "+up+" Intern/geheim.txt"); err != nil {
			t.Fatalf("alice writes in Intern: %v: %s", err, out)
		}
		out, err := smbWin(t, dir, ip, "bob", "get Intern/geheim.txt "+filepath.Join(dir, "bob.txt"))
		if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("bob (staff, reads the share) opened Intern/geheim.txt: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "bob", "get report.txt "+filepath.Join(dir, "bob-report.txt")); err != nil {
			t.Errorf("bob reads the share: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "bob", "put "+up+" Vorlagen/brief.txt"); err != nil {
			t.Errorf("bob writes in Vorlagen: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "bob", "put "+up+" bob.txt"); !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("bob wrote to the share's root: %v: %s", err, out)
		}
	})
	t.Run("recycle bin catches delete-on-close", func(t *testing.T) {
		// smbclient's del opens the file with FILE_DELETE_ON_CLOSE (SMB2
		// has no unlink), as Windows deletes do.
		out, err := smbWin(t, dir, ip, "alice", "put "+up+" weg.txt; put "+zone+" weg.txt:Zone.Identifier; del weg.txt; ls")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		tb.MustRun(t, "test", "-f", "/srv/posse/shares/akten/.recycle/alice/weg.txt")
		if strings.Contains(out, "\n  weg.txt ") {
			t.Errorf("weg.txt still listed:\n%s", out)
		}
	})
	t.Run("admin change shows as drift and apply undoes it", func(t *testing.T) {
		if out, err := smbcacls(t, dir, ip, "Administrator", "/", "-a", `ACL:FENSTER\carol:ALLOWED/OI|CI/FULL`); err != nil {
			t.Fatalf("the domain admin adds carol: %v: %s", err, out)
		}
		if out, _ := smbcacls(t, dir, ip, "alice", "/"); !strings.Contains(out, `FENSTER\carol`) {
			t.Fatalf("carol's entry is not there:\n%s", out)
		}
		steps := tb.PlanOf(t, template, secrets).Changes()
		found := false
		for _, s := range steps {
			for _, c := range s.Changes {
				if s.Kind == "files.ntacl" && s.Target == "/srv/posse/shares/akten" && c.Field == "access carol" && c.After == "" && strings.HasPrefix(c.Before, "full control") {
					found = true
				}
			}
		}
		if !found || len(steps) != 1 {
			t.Fatalf("plan after the admin's change: %+v: want one step removing carol's entry from the share root", steps)
		}
		tb.Apply(t, template, secrets)
		if out, _ := smbcacls(t, dir, ip, "alice", "/"); strings.Contains(out, "carol") {
			t.Errorf("carol's entry is back after apply:\n%s", out)
		}
		// A change by hand in the POSIX ACL makes Samba ignore the stored
		// Windows ACL: also drift.
		tb.MustRun(t, "setfacl", "-m", "o::rx", "/srv/posse/shares/akten")
		steps = tb.PlanOf(t, template, secrets).Changes()
		found = false
		for _, s := range steps {
			found = found || s.Kind == "files.ntacl" && s.Target == "/srv/posse/shares/akten"
		}
		if !found {
			t.Errorf("plan after setfacl: %+v: want the share root's Windows ACL set again", steps)
		}
		tb.Apply(t, template, secrets)
	})
	t.Run("re-apply changes nothing", func(t *testing.T) {
		if steps := tb.PlanOf(t, template, secrets).Changes(); len(steps) != 0 {
			t.Errorf("plan after apply: %+v", steps)
		}
	})
	t.Run("an admin's deny entry is drift, and export adopts it", func(t *testing.T) {
		// bob is in staff, which writes Vorlagen.
		if out, err := smbWin(t, dir, ip, "bob", `ls Vorlagen\*`); err != nil {
			t.Fatalf("bob lists Vorlagen before the deny: %v: %s", err, out)
		}
		if out, err := smbcacls(t, dir, ip, "Administrator", "Vorlagen", "-a", `ACL:FENSTER\bob:DENIED/OI|CI/FULL`); err != nil {
			t.Fatalf("the domain admin denies bob Vorlagen: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "bob", `ls Vorlagen\*`); err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("bob lists Vorlagen despite the deny entry: %v: %s", err, out)
		}
		found := false
		for _, s := range tb.PlanOf(t, template, secrets).Changes() {
			for _, c := range s.Changes {
				found = found || s.Kind == "files.ntacl" && s.Target == "/srv/posse/shares/akten/Vorlagen" && c.Field == "access bob" && strings.HasPrefix(c.Before, "deny full control")
			}
		}
		if !found {
			t.Fatalf("the plan does not show bob's deny entry on Vorlagen as drift")
		}
		o, e, code := tb.Possectl(t, "", "shares", "permissions", "Akten", "Vorlagen", "--json")
		var perm struct {
			Template string `json:"template"`
			Inherits bool   `json:"inherits"`
			Entries  []struct {
				Account   string `json:"account"`
				Deny      bool   `json:"deny"`
				Rights    string `json:"rights"`
				Inherited bool   `json:"inherited"`
			} `json:"entries"`
		}
		if code != 0 || json.Unmarshal([]byte(o), &perm) != nil {
			t.Fatalf("possectl shares permissions: exit %d\n%s%s", code, o, e)
		}
		denied := false
		for _, en := range perm.Entries {
			denied = denied || en.Account == "bob" && en.Deny && en.Rights == "full control" && !en.Inherited
		}
		if !denied || perm.Template != "folder" || !perm.Inherits {
			t.Errorf("possectl shares permissions Akten Vorlagen: %s", o)
		}
		exported, e, code := tb.Possectl(t, "", "export")
		if code != 0 {
			t.Fatalf("possectl export: exit %d\n%s", code, e)
		}
		var doc struct {
			Shares []struct {
				Folders []struct {
					Path    string   `yaml:"path"`
					Write   []string `yaml:"write"`
					Deny    []string `yaml:"deny"`
					Inherit *bool    `yaml:"inherit"`
				} `yaml:"folders"`
			} `yaml:"shares"`
		}
		if err := yaml.Unmarshal([]byte(exported), &doc); err != nil || len(doc.Shares) != 1 {
			t.Fatalf("exported template: %v\n%s", err, exported)
		}
		var got []string
		for _, f := range doc.Shares[0].Folders {
			got = append(got, fmt.Sprintf("%s write=%v deny=%v inherit=%v", f.Path, f.Write, f.Deny, f.Inherit == nil || *f.Inherit))
		}
		want := []string{"Intern write=[partners] deny=[] inherit=false", "Vorlagen write=[staff] deny=[bob] inherit=true"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("exported folders:\n%s\nwant:\n%s\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), exported)
		}
		adopted := filepath.Join(dir, "exported.yaml")
		os.WriteFile(adopted, []byte(exported), 0o600)
		if out, code := tb.TryApply(t, adopted, secrets); code != 0 {
			tb.CopyIn(t, adopted, "/root/exported.yaml", 0o600)
			o, e, _ := tb.Possectl(t, "", "validate", "/root/exported.yaml")
			t.Fatalf("apply of the exported template: exit %d\n%s\nvalidate: %s%s\n%s", code, out, o, e, exported)
		}
		if out, _ := smbcacls(t, dir, ip, "Administrator", "Vorlagen"); !strings.Contains(out, `ACL:FENSTER\bob:DENIED/OI|CI/FULL`) {
			t.Errorf("bob's deny entry is gone after applying the exported template:\n%s", out)
		}
		if steps := tb.PlanOf(t, adopted, secrets).Changes(); len(steps) != 0 {
			t.Errorf("plan of the exported template: %+v", steps)
		}
		// The first template does not deny bob: applying it undoes the entry.
		tb.Apply(t, template, secrets)
		if out, err := smbWin(t, dir, ip, "bob", `ls Vorlagen\*`); err != nil {
			t.Errorf("bob is still refused Vorlagen after applying the first template: %v: %s", err, out)
		}
	})
	t.Run("a share of the POSIX ACL model moves to Windows ACLs through a plan", func(t *testing.T) {
		brief := filepath.Join(dir, "brief.txt")
		os.WriteFile(brief, []byte("aus der alten Zeit\n"), 0o644)
		if out, err := smbWin(t, dir, ip, "alice", "mkdir Alt; put "+brief+` Alt\brief.txt`); err != nil {
			t.Fatalf("alice writes Alt\\brief.txt: %v: %s", err, out)
		}
		// Make Akten what earlier versions left: nt acl support = no, no
		// streams or Mac modules, no stored Windows ACL anywhere, POSIX
		// ACLs for the groups.
		tb.MustRun(t, "sh", "-ec", `
f=/etc/samba/posse-shares.conf
sed -i -e '/^\[Akten\]/,/^\[/{/^[[:space:]]*vfs objects[[:space:]]*=/c\	vfs objects = dfs_samba4 acl_xattr recycle
/^[[:space:]]*fruit:/d;/^[[:space:]]*streams_xattr:/d;/^[[:space:]]*nt acl support/d}' "$f"
sed -i -e '/^\[Akten\]/a\	nt acl support = no' "$f"
find /srv/posse/shares/akten -xdev -exec setfattr -x security.NTACL {} \; 2>/dev/null || true
p=$(wbinfo --group-info='FENSTER\partners' | cut -d: -f3)
s=$(wbinfo --group-info='FENSTER\staff' | cut -d: -f3)
setfacl -R -b /srv/posse/shares/akten
setfacl -R -m "g:$p:rwx,g:$s:rx,m::rwx,d:g:$p:rwx,d:g:$s:rx,d:m::rwx" /srv/posse/shares/akten
smbcontrol all reload-config`)
		if _, _, code := tb.Output(t, "getfattr", "-n", "security.NTACL", "/srv/posse/shares/akten"); code == 0 {
			t.Fatal("the share root still holds a stored Windows ACL")
		}
		var conf, root bool
		for _, s := range tb.PlanOf(t, template, secrets).Changes() {
			for _, c := range s.Changes {
				conf = conf || s.Target == "/etc/samba/posse-shares.conf" && c.Field == "Akten: streams, Mac metadata and Windows ACLs" && c.Before == "false" && c.After == "true"
			}
			root = root || s.Kind == "files.ntacl" && s.Target == "/srv/posse/shares/akten" && strings.Contains(s.Summary, "moving from the POSIX ACL model: the ")
		}
		if !conf || !root {
			t.Fatalf("the plan does not show the move (include file %v, share root %v)", conf, root)
		}
		if _, _, code := tb.Output(t, "getfattr", "-n", "security.NTACL", "/srv/posse/shares/akten"); code == 0 {
			t.Fatal("plan stored a Windows ACL")
		}
		tb.Apply(t, template, secrets)
		if steps := tb.PlanOf(t, template, secrets).Changes(); len(steps) != 0 {
			t.Errorf("plan after the move: %+v", steps)
		}
		if out, _ := smbcacls(t, dir, ip, "alice", "Alt/brief.txt"); !strings.Contains(out, `ACL:FENSTER\partners:ALLOWED/I/RWXD`) {
			t.Errorf("Alt\\brief.txt does not inherit the share's ACL:\n%s", out)
		}
		if out, err := smbWin(t, dir, ip, "bob", `get Alt\brief.txt /dev/null`); err != nil {
			t.Errorf("bob (staff) cannot read the old file: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "bob", "put "+brief+` Alt\bob.txt`); err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
			t.Errorf("bob (staff) may write in Alt: %v: %s", err, out)
		}
		if out, err := smbWin(t, dir, ip, "alice", "put "+zone+` Alt\brief.txt:Zone.Identifier`); err != nil {
			t.Errorf("no alternate data stream on the old file after the move: %v: %s", err, out)
		}
	})
}
