// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/migrate"
)

// The legacy domain the migration tests take over: built with plain
// samba-tool, not by Posse, as the closest thing to a Windows DC here.
const (
	legacyRealm   = "OLD.EXAMPLE"
	legacyDomain  = "old.example"
	legacyNetBIOS = "OLD"
	legacyAdminPW = "Legacy-Admin-Pw-2026!"
)

// legacyScript provisions the legacy domain and its share. It holds no
// password: samba-tool sets a random one, replaced on stdin afterwards.
const legacyScript = `set -eu
ip="$1"
systemctl stop samba-ad-dc 2>/dev/null || true
rm -f /etc/samba/smb.conf /etc/krb5.conf /run/samba/*.tdb
samba-tool domain provision --use-rfc2307 --realm=` + legacyRealm + ` --domain=` + legacyNetBIOS + ` \
	--server-role=dc --dns-backend=SAMBA_INTERNAL --host-ip="$ip" >/root/provision.log
cp /var/lib/samba/private/krb5.conf /etc/krb5.conf
mkdir -p /srv/daten/Projekte/Alt
head -c 100 /dev/zero >/srv/daten/Liesmich.txt
head -c 2000 /dev/zero >/srv/daten/Projekte/Angebot.bin
head -c 3000 /dev/zero >"/srv/daten/Projekte/Alt/Größe März.txt"
head -c 400 /dev/zero >/srv/daten/Projekte/Alt/alt.doc
printf '\n[Daten]\n\tpath = /srv/daten\n\tread only = no\n' >>/etc/samba/smb.conf
# A self-signed certificate with a negative serial number, as Samba makes
# about half the time and some old Windows CAs did: Go refuses to parse it
# unless told otherwise.
mkdir -p /var/lib/samba/private/tls
cd /var/lib/samba/private/tls
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 30 -set_serial -4242 \
	-subj "/CN=$(hostname).` + legacyDomain + `" 2>/dev/null
chmod 600 key.pem
cp cert.pem ca.pem
cd /
systemctl unmask samba-ad-dc
systemctl enable samba-ad-dc
systemctl start samba-ad-dc
`

// legacyAdminPy sets the Administrator's password from stdin.
const legacyAdminPy = `
import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load_default()
pw = sys.stdin.readline().rstrip("\n")
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
admin = "(&(objectClass=user)(objectSid=%s-500))" % db.get_domain_sid()
db.setpassword(admin, pw, force_change_at_next_login=False)
`

// buildLegacyDomain makes box tb the DC of a legacy domain with what
// offices have: a user with an umlaut in the display name, a disabled
// user, a user whose name Posse refuses, a group with a space, a share
// with files in nested folders, and a self-signed LDAPS certificate with
// a negative serial number.
func buildLegacyDomain(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	start := time.Now()
	dir := t.TempDir()
	script := filepath.Join(dir, "legacy.sh")
	if err := os.WriteFile(script, []byte(legacyScript), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.CopyIn(t, script, "/root/legacy.sh", 0o700)
	tb.MustRun(t, "bash", "/root/legacy.sh", tb.IP())
	if o, e, code := tb.Exec(t, legacyAdminPW+"\n", "python3", "-c", legacyAdminPy); code != 0 {
		t.Fatalf("setting the legacy admin password: %d\n%s%s", code, o, e)
	}
	for _, argv := range [][]string{
		{"samba-tool", "user", "create", "anna", "--random-password", "--given-name=Anna", "--surname=Müller"},
		{"samba-tool", "user", "create", "bert", "--random-password", "--given-name=Bert", "--surname=Brandt"},
		{"samba-tool", "user", "disable", "bert"},
		{"samba-tool", "user", "create", "KMeier", "--random-password", "--given-name=Karl", "--surname=Meier"},
		{"samba-tool", "group", "add", "Buchhaltung Team"},
		{"samba-tool", "group", "addmembers", "Buchhaltung Team", "anna,KMeier"},
	} {
		tb.MustRun(t, argv...)
	}
	t.Logf("legacy domain %s built with samba-tool in %.1fs", legacyRealm, time.Since(start).Seconds())
}

// writeLegacySecrets copies a secrets file with the legacy admin into box
// tb at path, mode 0600.
func writeLegacySecrets(t *testing.T, tb *harness.TestBox, path, user, password string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "legacy.yaml")
	if err := os.WriteFile(src, []byte(fmt.Sprintf("legacy_admin_user: %s\nlegacy_admin: %q\n", user, password)), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.CopyIn(t, src, path, 0o600)
}

// TestMigratePlan builds a legacy domain with plain samba-tool in one box
// and runs the pre-flight of taking it over from a fresh Posse box on the
// same lab network: the report names the domain, its levels, the FSMO
// owner, the refused name with its fix and the share with its files; a
// wrong password and an address without a DC are refused in words.
func TestMigratePlan(t *testing.T) {
	network := harness.UniqueName("migr")
	legacy := harness.Box(t, "legacy", harness.Options{Network: network})
	box := harness.Box(t, "posse", harness.Options{Network: network})
	buildLegacyDomain(t, legacy)
	dcHost := strings.ToLower(legacy.Name()) + "." + legacyDomain

	// The old DC answers LDAPS and DNS for the new box before the test asks.
	harness.Eventually(t, 90*time.Second, func() error {
		o, e, code := box.Exec(t, "", "env", "LDAPTLS_REQCERT=never", "ldapsearch", "-x", "-H", "ldaps://"+legacy.IP(), "-b", "", "-s", "base", "dnsHostName")
		if code != 0 || !strings.Contains(strings.ToLower(o), dcHost) {
			return fmt.Errorf("ldaps on the legacy DC: %d %s%s", code, o, e)
		}
		o, e, code = box.Exec(t, "", "host", "-t", "SRV", "_ldap._tcp."+legacyDomain, legacy.IP())
		if code != 0 || !strings.Contains(strings.ToLower(o), dcHost) {
			return fmt.Errorf("dns on the legacy DC: %d %s%s", code, o, e)
		}
		return nil
	})

	// The old DC serves the certificate with the negative serial number.
	if o, e, code := box.Exec(t, "", "bash", "-c", "openssl s_client -connect "+legacy.IP()+":636 </dev/null 2>/dev/null | openssl x509 -noout -serial"); code != 0 || strings.TrimSpace(o) != "serial=-1092" {
		t.Fatalf("the legacy DC's certificate: exit %d, %q %s (want serial=-1092, that is -4242)", code, o, e)
	}

	writeLegacySecrets(t, box, "/root/legacy.yaml", "Administrator", legacyAdminPW)
	start := time.Now()
	o, e, code := box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/legacy.yaml", "--insecure-tls", "--json")
	t.Logf("migrate plan --json took %.1fs, exit %d", time.Since(start).Seconds(), code)
	if strings.Contains(o+e, legacyAdminPW) {
		t.Fatal("the legacy admin password was printed")
	}
	var r migrate.Report
	if err := json.Unmarshal([]byte(o), &r); err != nil {
		t.Fatalf("migrate plan --json: exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, o, e)
	}
	if code != 0 || !r.Ready {
		t.Errorf("migrate plan: exit %d, ready %v: %s\nchecks: %+v", code, r.Ready, e, r.Checks)
	}
	if r.Domain != legacyDomain || r.Realm != legacyRealm || r.NetBIOS != legacyNetBIOS || r.DC != dcHost {
		t.Errorf("domain %q realm %q netbios %q dc %q", r.Domain, r.Realm, r.NetBIOS, r.DC)
	}
	if r.DomainLevel < migrate.MinLevel || r.ForestLevel < migrate.MinLevel || r.Schema < 47 {
		t.Errorf("levels: domain %d forest %d schema %d", r.DomainLevel, r.ForestLevel, r.Schema)
	}
	t.Logf("legacy domain: level %s, forest %s, schema %d (%s), clock skew %.0fs",
		r.DomainLevelName, r.ForestLevelName, r.Schema, r.SchemaName, r.ClockSkew)
	if len(r.DCs) != 1 || r.DCs[0] != dcHost {
		t.Errorf("domain controllers %v, want %s", r.DCs, dcHost)
	}
	if len(r.FSMO) != 5 {
		t.Errorf("FSMO roles: %+v", r.FSMO)
	}
	for _, ro := range r.FSMO {
		if ro.Owner != dcHost {
			t.Errorf("FSMO role %s is held by %q, want %s", ro.Role, ro.Owner, dcHost)
		}
	}
	// anna, bert, KMeier and Administrator (Guest and krbtgt are users too).
	if r.Users < 4 || r.Disabled < 1 {
		t.Errorf("users %d, disabled %d", r.Users, r.Disabled)
	}
	refused := map[string]migrate.Refused{}
	for _, n := range r.Refused {
		refused[n.Name] = n
	}
	if n, ok := refused["KMeier"]; !ok || n.Kind != "user" || n.Suggest != "kmeier" || n.Fix == "" {
		t.Errorf("KMeier is not refused with a fix: %+v", r.Refused)
	}
	if n, ok := refused["Buchhaltung Team"]; !ok || n.Kind != "group" || n.Suggest != "buchhaltung-team" {
		t.Errorf("the group with a space is not refused with a fix: %+v", r.Refused)
	}
	for _, ok := range []string{"anna", "bert", "Administrator", "Guest", "krbtgt", "Domain Admins", "DnsAdmins"} {
		if _, bad := refused[ok]; bad {
			t.Errorf("%s is listed as refused: %+v", ok, refused[ok])
		}
	}
	var daten *migrate.Share
	sysvol := false
	for i, s := range r.Shares {
		switch strings.ToLower(s.Name) {
		case "daten":
			daten = &r.Shares[i]
		case "sysvol":
			sysvol = true
		}
	}
	if !sysvol {
		t.Errorf("no SYSVOL among the shares: %+v", r.Shares)
	}
	if daten == nil {
		t.Fatalf("the share Daten is not listed: %+v", r.Shares)
	}
	t.Logf("share Daten: %+v", *daten)
	if !daten.Walked || daten.Files != 4 || daten.Dirs != 2 || daten.Bytes != 5500 {
		t.Errorf("share Daten: %+v, want 4 files in 2 folders, 5500 bytes", *daten)
	}
	if daten.Owner == "" || daten.ACEs == 0 {
		t.Errorf("share Daten's top-level ACL not read: %+v", *daten)
	}
	if r.CopyBytes != 5500 || r.CopyFiles != 4 {
		t.Errorf("estimate: %d bytes in %d files", r.CopyBytes, r.CopyFiles)
	}
	for _, c := range r.Checks {
		want := migrate.StatusOK
		switch c.Name {
		case migrate.CheckNames:
			want = migrate.StatusWarn
		case migrate.CheckClock:
			if c.Status == migrate.StatusWarn {
				continue
			}
		}
		if c.Status != want {
			t.Errorf("check %s: %s (%s), want %s", c.Name, c.Status, c.Detail, want)
		}
	}
	if r.FreeBytes <= 0 {
		t.Errorf("the free space on the box is not known: %d", r.FreeBytes)
	}
	if len(r.Phases) != 4 || r.Phases[1].Bytes != 5500 {
		t.Errorf("phases: %+v", r.Phases)
	}

	// The text report says the same in words.
	o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/legacy.yaml", "--insecure-tls")
	t.Logf("migrate plan (text), exit %d:\n%s", code, o)
	for _, want := range []string{"Pre-flight of taking over " + legacyDomain, "Daten", "KMeier", "fix: rename the user to kmeier", "3. files", "copy share Daten (4 files, 5.5 kB)", "Nothing was changed"} {
		if !strings.Contains(o, want) {
			t.Errorf("text report lacks %q: exit %d\n%s%s", want, code, o, e)
		}
	}

	// Without --insecure-tls or --ca the self-signed certificate is refused.
	o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/legacy.yaml")
	if code == 0 || !strings.Contains(e, "--insecure-tls") || !strings.Contains(e, "--ca FILE") {
		t.Errorf("an untrusted certificate: exit %d\n%s%s", code, o, e)
	}

	// With the old DC's own CA (Samba made it at the first start) the
	// certificate is trusted without --insecure-tls.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	legacy.CopyOut(t, "/var/lib/samba/private/tls/ca.pem", ca)
	box.CopyIn(t, ca, "/root/legacy-ca.pem", 0o644)
	o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/legacy.yaml", "--ca", "/root/legacy-ca.pem", "--json")
	var withCA migrate.Report
	if err := json.Unmarshal([]byte(o), &withCA); code != 0 || err != nil || withCA.DC != dcHost {
		t.Errorf("migrate plan --ca: exit %d, %v\n%s%s", code, err, o, e)
	}
	// Another CA's certificate is refused.
	box.MustRun(t, "cp", "/etc/ssl/certs/ca-certificates.crt", "/root/other-ca.pem")
	o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/legacy.yaml", "--ca", "/root/other-ca.pem")
	if code == 0 || !strings.Contains(e, "certificate at "+legacy.IP()+" is not trusted") {
		t.Errorf("migrate plan --ca with another CA: exit %d\n%s%s", code, o, e)
	}

	// A wrong password is refused in words, and is nowhere in the output.
	const wrong = "Not-The-Password-9"
	writeLegacySecrets(t, box, "/root/wrong.yaml", "Administrator", wrong)
	o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", legacy.IP(), "--secrets", "/root/wrong.yaml", "--insecure-tls", "--json")
	if code == 0 || !strings.Contains(e, "refused the login of Administrator@"+legacyDomain) || !strings.Contains(e, "wrong user name or password") {
		t.Errorf("wrong password: exit %d\nstdout:\n%s\nstderr:\n%s", code, o, e)
	}
	if strings.Contains(o+e, wrong) {
		t.Error("the wrong password was printed")
	}
	if strings.TrimSpace(o) != "" {
		t.Errorf("a refused login printed a report: %s", o)
	}

	// An address where no DC runs (the Posse box itself) and one where
	// nothing answers at all are refused in words, within the timeout.
	for _, addr := range []string{box.IP(), unusedAddress(legacy.IP())} {
		start := time.Now()
		o, e, code = box.Possectl(t, "", "migrate", "plan", "--from", addr, "--secrets", "/root/legacy.yaml", "--insecure-tls", "--timeout", "5s")
		took := time.Since(start)
		if code == 0 || !(strings.Contains(e, "nothing answers LDAP at "+addr) || strings.Contains(e, addr+" did not answer within 5s") || strings.Contains(e, addr+" cannot be reached")) {
			t.Errorf("no DC at %s: exit %d\n%s%s", addr, code, o, e)
		}
		if took > 30*time.Second {
			t.Errorf("no DC at %s: refused after %s", addr, took)
		}
		t.Logf("no DC at %s: refused in %.1fs: %s", addr, took.Seconds(), strings.TrimSpace(e))
	}

	// Nothing changed on the old DC: the users are as they were.
	if o := legacy.MustRun(t, "samba-tool", "user", "list"); !strings.Contains(o, "KMeier") {
		t.Errorf("the legacy users changed:\n%s", o)
	}

	// A box with a site applied is refused before the old DC is asked
	// (the file apply leaves; a real apply would make the box a DC of
	// another domain, and the join comes next).
	applied := "/var/lib/posse/" + provisioning.AppliedSiteFile
	box.MustRun(t, "bash", "-c", "mkdir -p /var/lib/posse && echo 'site: {name: x}' >"+applied)
	for _, cmd := range [][]string{{"plan"}, {"join", "--yes"}} {
		o, e, code = box.Possectl(t, "", append(append([]string{"migrate"}, cmd...), "--from", legacy.IP(), "--secrets", "/root/legacy.yaml", "--insecure-tls")...)
		if code == 0 || !strings.Contains(e, "this box already has a site applied") || strings.Contains(o+e, "Pre-flight") || strings.Contains(e, "Join plan") {
			t.Errorf("migrate %s on a box with a site: exit %d\n%s%s", cmd, code, o, e)
		}
	}
	box.MustRun(t, "rm", applied)

	testMigrateJoin(t, legacy, box)
}

// unusedAddress is an address on the lab network of ip that no box has.
func unusedAddress(ip string) string {
	i := strings.LastIndexByte(ip, '.')
	return ip[:i] + ".253"
}
