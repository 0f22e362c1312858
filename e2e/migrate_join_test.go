// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/provisioning/migrate"
	"github.com/posse-project/posse/services/ad"
)

// annaOldPW is anna's password in the legacy domain, set before the join:
// after it she logs on to the new DC with it.
const annaOldPW = "Anna-Alt-Pw-2026!"

// legacyUserPy sets the password of the user named on stdin's first line
// to its second line.
const legacyUserPy = `
import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load_default()
user = sys.stdin.readline().rstrip("\n")
pw = sys.stdin.readline().rstrip("\n")
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
db.setpassword("(sAMAccountName=%s)" % user, pw, force_change_at_next_login=False)
`

// legacyLogon logs on as user with pw over SMB to the DC at ip from box
// tb (password in a 0600 file, never in argv).
func legacyLogon(t *testing.T, tb *harness.TestBox, ip, user, pw string) error {
	t.Helper()
	auth := "/root/auth-" + user
	if o, e, code := tb.Exec(t, fmt.Sprintf("username = %s\npassword = %s\ndomain = %s\n", user, pw, legacyNetBIOS),
		"bash", "-c", "umask 077 && cat >"+auth); code != 0 {
		t.Fatalf("writing %s: %s%s", auth, o, e)
	}
	o, e, code := tb.Exec(t, "", "smbclient", "//"+ip+"/IPC$", "-A", auth, "--use-kerberos=off", "-c", "exit")
	if code != 0 {
		return fmt.Errorf("smbclient as %s against %s: exit %d: %s%s", user, ip, code, o, e)
	}
	return nil
}

// legacyKinit gets a Kerberos ticket for user from the KDC at ip only,
// from box tb, and then reads the user's entry over LDAPS with a simple
// bind as the user.
func legacyKinit(t *testing.T, tb *harness.TestBox, ip, user, pw string) error {
	t.Helper()
	conf := fmt.Sprintf("[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n[realms]\n%s = {\n\tkdc = %s\n}\n", legacyRealm, legacyRealm, ip)
	if o, e, code := tb.Exec(t, conf, "bash", "-c", "cat >/root/krb5-"+ip+".conf"); code != 0 {
		t.Fatalf("writing krb5.conf: %s%s", o, e)
	}
	o, e, code := tb.Exec(t, pw+"\n", "env", "KRB5_CONFIG=/root/krb5-"+ip+".conf", "KRB5CCNAME=/tmp/cc-"+user, "kinit", user+"@"+legacyRealm)
	if code != 0 {
		return fmt.Errorf("kinit %s against %s: exit %d: %s%s", user, ip, code, o, e)
	}
	if o, e, code := tb.Exec(t, pw, "bash", "-c", "umask 077 && cat >/root/pw-"+user); code != 0 {
		t.Fatalf("writing the password file: %s%s", o, e)
	}
	o, e, code = tb.Exec(t, "", "env", "LDAPTLS_REQCERT=never", "ldapsearch", "-x", "-H", "ldaps://"+ip,
		"-D", user+"@"+legacyDomain, "-y", "/root/pw-"+user, "-b", "DC=old,DC=example", "(sAMAccountName="+user+")", "dn")
	// Anna's DN holds an umlaut: ldapsearch prints it base64 (dn::).
	if code != 0 || !strings.Contains(o, "# numEntries: 1") {
		return fmt.Errorf("ldapsearch as %s against %s: exit %d: %s%s", user, ip, code, o, e)
	}
	return nil
}

var sidRE = regexp.MustCompile(`(?m)^objectSid: (S-1-5-21-[0-9-]+)$`)

// accountSID reads the SID of the user or group name from the local DB
// of box tb.
func accountSID(t *testing.T, tb *harness.TestBox, kind, name string) string {
	t.Helper()
	o := tb.MustRun(t, "samba-tool", kind, "show", name, "--attributes=objectSid")
	m := sidRE.FindStringSubmatch(o)
	if m == nil {
		t.Fatalf("no SID for %s %s in %s:\n%s", kind, name, tb.Name(), o)
	}
	return m[1]
}

// migrateStatus reads possectl migrate status --json in box tb.
func migrateStatus(t *testing.T, tb *harness.TestBox) migrate.Progress {
	t.Helper()
	o, e, code := tb.Possectl(t, "", "migrate", "status", "--json")
	var p migrate.Progress
	if err := json.Unmarshal([]byte(o), &p); code != 0 || err != nil {
		t.Fatalf("migrate status --json: exit %d, %v\n%s%s", code, err, o, e)
	}
	return p
}

// fsmoOwners reads samba-tool fsmo show in box tb.
func fsmoOwners(t *testing.T, tb *harness.TestBox) []fsmo.RoleOwner {
	t.Helper()
	roles, err := fsmo.ParseShow([]byte(tb.MustRun(t, fsmo.ShowArgv...)))
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

// testMigrateJoin runs the join and the cut-over of the legacy domain on
// box (after the pre-flight passed) and checks them from outside.
func testMigrateJoin(t *testing.T, legacy, box *harness.TestBox) {
	from := []string{"--from", legacy.IP(), "--secrets", "/root/legacy.yaml"}
	boxName, oldName := strings.ToUpper(box.Name()), strings.ToUpper(legacy.Name())
	if o, e, code := legacy.Exec(t, "anna\n"+annaOldPW+"\n", "python3", "-c", legacyUserPy); code != 0 {
		t.Fatalf("setting anna's old password: %d\n%s%s", code, o, e)
	}
	if err := legacyLogon(t, box, legacy.IP(), "anna", annaOldPW); err != nil {
		t.Fatalf("anna on the old DC: %v", err)
	}
	// The old DC's DNS answers (it drops queries now and then under load).
	harness.Eventually(t, 60*time.Second, func() error {
		if o, e, code := box.Exec(t, "", "host", "-t", "SRV", "_ldap._tcp."+legacyDomain, legacy.IP()); code != 0 {
			return fmt.Errorf("dns on the legacy DC: %d %s%s", code, o, e)
		}
		return nil
	})
	if p := migrateStatus(t, box); p.Phase != migrate.PhaseNone {
		t.Errorf("status before the join: %+v", p)
	}

	// Without a terminal and without --yes the join shows its plan and
	// refuses.
	o, e, code := box.Possectl(t, "", append([]string{"migrate", "join", "--insecure-tls"}, from...)...)
	if code == 0 || !strings.Contains(e, "Join plan: this box becomes an additional domain controller of "+legacyDomain) || !strings.Contains(e, "pass --yes") {
		t.Fatalf("join without --yes: exit %d\n%s%s", code, o, e)
	}
	if p := migrateStatus(t, box); p.Phase != migrate.PhaseNone {
		t.Errorf("a refused join changed the state: %+v", p)
	}

	start := time.Now()
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "join", "--insecure-tls", "--yes"}, from...)...)
	joinTook := time.Since(start)
	t.Logf("migrate join took %.1fs, exit %d\nstdout:\n%s\nstderr:\n%s", joinTook.Seconds(), code, o, e)
	if code != 0 {
		t.Fatalf("migrate join: exit %d", code)
	}
	if strings.Contains(o+e, legacyAdminPW) {
		t.Fatal("the legacy admin password was printed")
	}
	for _, want := range []string{"pre-flight against", "joining " + legacyDomain, "copying SYSVOL", "sysvolreset"} {
		if !strings.Contains(e, want) {
			t.Errorf("no progress line %q:\n%s", want, e)
		}
	}
	if !strings.Contains(o, "Joined "+legacyDomain) {
		t.Errorf("join result: %s", o)
	}

	// Again: nothing changes.
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "join", "--insecure-tls", "--yes"}, from...)...)
	if code != 0 || !strings.Contains(o, "nothing changed") || strings.Contains(e, "joining") {
		t.Errorf("second join: exit %d\n%s%s", code, o, e)
	}
	p := migrateStatus(t, box)
	if p.Phase != migrate.PhaseJoined || p.OldName != oldName || p.Realm != legacyRealm || len(p.DCs) != 2 || p.SysvolFiles == 0 {
		t.Errorf("status after the join: %+v", p)
	}
	t.Logf("status after the join: %+v", p)

	// From outside: anna logs on to the new DC with her old password, over
	// SMB, Kerberos and LDAPS.
	harness.Eventually(t, 90*time.Second, func() error {
		if err := legacyLogon(t, legacy, box.IP(), "anna", annaOldPW); err != nil {
			return err
		}
		return legacyKinit(t, legacy, box.IP(), "anna", annaOldPW)
	})
	// The SIDs are the old ones; the disabled user stays disabled.
	for _, a := range []struct{ kind, name string }{{"user", "anna"}, {"user", "KMeier"}, {"group", "Buchhaltung Team"}} {
		if o, n := accountSID(t, legacy, a.kind, a.name), accountSID(t, box, a.kind, a.name); o != n {
			t.Errorf("%s %s: SID %s on the old DC, %s on the new", a.kind, a.name, o, n)
		}
	}
	uac := regexp.MustCompile(`(?m)^userAccountControl: (\d+)$`).FindStringSubmatch(box.MustRun(t, "samba-tool", "user", "show", "bert", "--attributes=userAccountControl"))
	if uac == nil {
		t.Errorf("no userAccountControl for bert on the new DC")
	} else if n, _ := strconv.Atoi(uac[1]); n&2 == 0 {
		t.Errorf("bert is not disabled on the new DC: %v", uac)
	}
	if o := box.MustRun(t, "samba-tool", "group", "listmembers", "Buchhaltung Team"); !strings.Contains(o, "anna") || !strings.Contains(o, "KMeier") {
		t.Errorf("members of Buchhaltung Team on the new DC: %s", o)
	}
	// Replication both ways, DNS replicated, SYSVOL there with its ACLs.
	harness.Eventually(t, 60*time.Second, func() error {
		o, e, code := box.Exec(t, "", ad.ShowreplArgv...)
		r, err := ad.ParseShowrepl(box.Name(), []byte(o))
		if code != 0 || err != nil || !hasInbound(r, legacy.Name()) {
			return fmt.Errorf("showrepl on the new DC: exit %d %v %s", code, err, e)
		}
		for _, l := range r.Inbound {
			if l.Failures > 0 {
				return fmt.Errorf("inbound replication failing: %+v", l)
			}
		}
		return nil
	})
	if o, e, code := legacy.Exec(t, "", "host", "-t", "A", strings.ToLower(legacy.Name())+"."+legacyDomain, box.IP()); code != 0 || !strings.Contains(o, legacy.IP()) {
		t.Errorf("the new DC's DNS does not know the old DC: %d %s%s", code, o, e)
	}
	if o, e, code := box.Exec(t, "", "bash", "-c", "ls /var/lib/samba/sysvol/"+legacyDomain+"/Policies/*/GPT.INI"); code != 0 {
		t.Errorf("no group policies in the new DC's SYSVOL: %d %s%s", code, o, e)
	}
	if o, e, code := box.Exec(t, "", "samba-tool", "ntacl", "sysvolcheck"); code != 0 {
		t.Errorf("sysvolcheck on the new DC: %d %s%s", code, o, e)
	}

	// Phase 4: the roles move, then the old DC goes.
	o, e, code = box.Possectl(t, "", "migrate", "cutover", "--secrets", "/root/legacy.yaml")
	if code == 0 || !strings.Contains(e, "Cut-over plan: move 7 FSMO roles") || !strings.Contains(e, "pass --yes") {
		t.Errorf("cutover without --yes: exit %d\n%s%s", code, o, e)
	}
	start = time.Now()
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "cutover", "--yes"}, from...)...)
	t.Logf("migrate cutover took %.1fs, exit %d\n%s%s", time.Since(start).Seconds(), code, o, e)
	if code != 0 || strings.Contains(o+e, legacyAdminPW) {
		t.Fatalf("migrate cutover: exit %d", code)
	}
	for _, r := range fsmoOwners(t, box) {
		if !strings.EqualFold(r.Server, boxName) {
			t.Errorf("role %s is on %s after the cut-over", r.Role, r.Server)
		}
	}
	// The old DC still runs: it is not removed.
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "cutover", "--yes", "--remove-old"}, from...)...)
	if code == 0 || !strings.Contains(e, "still answers at "+legacy.IP()) {
		t.Errorf("removing an old DC that answers: exit %d\n%s%s", code, o, e)
	}
	legacy.MustRun(t, "systemctl", "stop", "samba-ad-dc")
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "cutover", "--yes", "--remove-old"}, from...)...)
	t.Logf("migrate cutover --remove-old: exit %d\n%s%s", code, o, e)
	if code != 0 || !strings.Contains(o, "Removed the old DC "+oldName) {
		t.Fatalf("removing the old DC: exit %d", code)
	}
	p = migrateStatus(t, box)
	if p.Phase != migrate.PhaseOldRemoved || len(p.DCs) != 1 || !strings.EqualFold(p.DCs[0], boxName) {
		t.Errorf("status after the cut-over: %+v", p)
	}
	// With the old DC gone, anna still logs on with her old password.
	if err := legacyLogon(t, legacy, box.IP(), "anna", annaOldPW); err != nil {
		t.Error(err)
	}
	if err := legacyKinit(t, legacy, box.IP(), "anna", annaOldPW); err != nil {
		t.Error(err)
	}
	// Running the cut-over again changes nothing.
	o, e, code = box.Possectl(t, "", append([]string{"migrate", "cutover", "--yes", "--remove-old"}, from...)...)
	if code != 0 || !strings.Contains(o, "already") || !strings.Contains(o, "nothing to remove") {
		t.Errorf("cutover again: exit %d\n%s%s", code, o, e)
	}
}
