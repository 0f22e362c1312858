// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
)

const (
	sdcDNSDomain = "ad.zwei.example"
	sdcRealm     = "AD.ZWEI.EXAMPLE"
	sdcWorkgroup = "ZWEI"
	sdcAdminPW   = "Zwei-Admin-Pw-2026!"
	sdcNinaPW    = "Blauer-Wal-Second-26"
	sdcNinaPW2   = "Gruener-Baum-Changed-7"
	sdcOttoPW    = "Roter-Fuchs-DC2-2026"
)

// secondDCTemplate is one site with two domain controllers in AD site
// Hauptsitz and a third server (no box) in Filiale, on a documentation
// network nothing is sent to: the first DC creates Filiale and its subnet.
func secondDCTemplate(dc1, dc2 *harness.TestBox) string {
	net := netip.MustParsePrefix(dc1.IP() + "/24").Masked().String()
	return fmt.Sprintf(`version: 1
site: {name: "Zwei Standorte GmbH", domain: zwei.example, workgroup: %s}
directory: {admin_password: "${secret:domain_admin}"}
groups:
  - name: office
users:
  - {username: jdoe, given_name: Jane, surname: Doe, groups: [office], password: "${secret:jdoe}"}
servers:
  - {name: %s, address: %s, role: dc, ad_site: Hauptsitz, subnet: %s}
  - {name: %s, address: %s, role: dc, ad_site: Hauptsitz, subnet: %s}
  - {name: dc3, address: 192.0.2.10, role: dc, ad_site: Filiale, subnet: 192.0.2.0/24}
`, sdcWorkgroup, dc1.Name(), dc1.IP(), net, dc2.Name(), dc2.IP(), net)
}

// showrepl reads samba-tool drs showrepl --json in box tb and logs the raw
// output (the parser's test data comes from such runs).
func showrepl(t *testing.T, tb *harness.TestBox) ad.Replication {
	t.Helper()
	o, e, code := tb.Exec(t, "", ad.ShowreplArgv...)
	if code != 0 {
		t.Fatalf("samba-tool drs showrepl --json in %s: exit %d\n%s%s", tb.Name(), code, o, e)
	}
	t.Logf("samba-tool drs showrepl --json in %s:\n%s", tb.Name(), o)
	r, err := ad.ParseShowrepl(tb.Name(), []byte(o))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hasInbound(r ad.Replication, partner string) bool {
	for _, l := range r.Inbound {
		if strings.EqualFold(l.Partner, partner) {
			return true
		}
	}
	return false
}

// smbLogon logs on as user with pw to the DC at ip (a session on IPC$:
// SYSVOL and with it netlogon are not replicated yet), from box tb; the
// password is in a 0600 file, never in argv.
func smbLogon(t *testing.T, tb *harness.TestBox, ip, user, pw string) error {
	t.Helper()
	auth := "/root/auth-" + user
	if o, e, code := tb.Exec(t, fmt.Sprintf("username = %s\npassword = %s\ndomain = %s\n", user, pw, sdcWorkgroup),
		"bash", "-c", "umask 077 && cat >"+auth); code != 0 {
		t.Fatalf("writing %s: %s%s", auth, o, e)
	}
	o, e, code := tb.Exec(t, "", "smbclient", "//"+ip+"/IPC$", "-A", auth, "-c", "exit")
	if code != 0 {
		return fmt.Errorf("smbclient as %s against %s: exit %d: %s%s", user, ip, code, o, e)
	}
	return nil
}

// ldapFind searches the DC at ip over LDAPS for user, bound as the
// Administrator with the password from a 0600 file.
func ldapFind(t *testing.T, tb *harness.TestBox, ip, user string) error {
	t.Helper()
	if o, e, code := tb.Exec(t, sdcAdminPW, "bash", "-c", "umask 077 && cat >/root/admin.pw"); code != 0 {
		t.Fatalf("writing the admin password file: %s%s", o, e)
	}
	o, e, code := tb.Exec(t, "", "env", "LDAPTLS_REQCERT=never", "ldapsearch", "-x", "-H", "ldaps://"+ip,
		"-D", "Administrator@"+sdcDNSDomain, "-y", "/root/admin.pw", "-b", "DC=ad,DC=zwei,DC=example", "(sAMAccountName="+user+")", "dn")
	if code != 0 || !strings.Contains(o, "dn: CN=") {
		return fmt.Errorf("ldapsearch for %s against %s: exit %d: %s%s", user, ip, code, o, e)
	}
	return nil
}

// TestSecondDC applies one template with two domain controllers to two
// boxes on one lab network: the first provisions the domain and creates
// the AD sites, the second joins it with Samba's own join; both replicate
// with each other, users and passwords made on either box work against
// the other, and applying again changes nothing. Then dc1's box stops for
// good and dc2 carries on alone (secondDCFailover).
func TestSecondDC(t *testing.T) {
	network := harness.UniqueName("sdc")
	dc1 := harness.Box(t, "dc1", harness.Options{Network: network})
	dc2 := harness.Box(t, "dc2", harness.Options{Network: network})
	dir := t.TempDir()
	template, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "site.secrets.yaml")
	if err := os.WriteFile(template, []byte(secondDCTemplate(dc1, dc2)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, []byte(fmt.Sprintf("domain_admin: %q\njdoe: %q\n", sdcAdminPW, "Jane-Zwei-Start-2026")), 0o600); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	out := dc1.Apply(t, template, secrets)
	t.Logf("dc1 provisioned in %.1fs", time.Since(start).Seconds())
	if !strings.Contains(out, "Filiale") {
		t.Errorf("dc1's plan does not create AD site Filiale:\n%s", out)
	}
	if again := dc1.Apply(t, template, secrets); !strings.Contains(again, plan.NoChanges) {
		t.Errorf("applying again on dc1 changed something:\n%s", again)
	}
	sites := dc1.MustRun(t, "python3", "-c", `from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load_default()
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
base = "CN=Sites," + str(db.get_config_basedn())
for m in db.search(base=base, scope=ldb.SCOPE_SUBTREE, expression="(|(objectClass=site)(objectClass=subnet))", attrs=["cn", "siteObject"]):
    print(m["cn"][0], m.get("siteObject", [""])[0])
print("own", db.get_serverName())`)
	for _, want := range []string{"Hauptsitz", "Filiale", "192.0.2.0/24 CN=Filiale", "own CN=" + strings.ToUpper(dc1.Name()) + ",CN=Servers,CN=Hauptsitz"} {
		if !strings.Contains(sites, want) {
			t.Errorf("AD sites on dc1 lack %q:\n%s", want, sites)
		}
	}

	start = time.Now()
	out = dc2.Apply(t, template, secrets)
	t.Logf("dc2 joined in %.1fs", time.Since(start).Seconds())
	if !strings.Contains(out, "join the Samba AD domain") {
		t.Errorf("dc2's apply did not join:\n%s", out)
	}
	if strings.Contains(out, sdcAdminPW) {
		t.Fatal("the admin password was printed")
	}

	t.Run("both replicate with each other", func(t *testing.T) {
		harness.Eventually(t, 120*time.Second, func() error {
			r1, r2 := showrepl(t, dc1), showrepl(t, dc2)
			if !hasInbound(r1, dc2.Name()) || !hasInbound(r2, dc1.Name()) {
				return fmt.Errorf("inbound partners: dc1 %+v, dc2 %+v", r1.Inbound, r2.Inbound)
			}
			if p := append(r1.Problems(1), r2.Problems(1)...); len(p) > 0 {
				return fmt.Errorf("problems: %v", p)
			}
			return nil
		})
	})

	t.Run("a user made on dc1 logs on against dc2", func(t *testing.T) {
		if o, e, code := dc1.Possectl(t, sdcNinaPW+"\n", "users", "add", "nina", "--given-name", "Nina", "--surname", "Neu",
			"--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("possectl users add on dc1: exit %d\n%s%s", code, o, e)
		}
		made := time.Now()
		harness.Eventually(t, 30*time.Second, func() error {
			if err := ldapFind(t, dc1, dc2.IP(), "nina"); err != nil {
				return err
			}
			return smbLogon(t, dc1, dc2.IP(), "nina", sdcNinaPW)
		})
		t.Logf("nina found and logged on against dc2 %.1fs after she was made on dc1", time.Since(made).Seconds())
	})

	t.Run("a user made on dc2 appears on dc1", func(t *testing.T) {
		if o, e, code := dc2.Possectl(t, sdcOttoPW+"\n", "users", "add", "otto", "--given-name", "Otto", "--surname", "Zwei",
			"--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("possectl users add on dc2: exit %d\n%s%s", code, o, e)
		}
		made := time.Now()
		harness.Eventually(t, 30*time.Second, func() error {
			if err := ldapFind(t, dc2, dc1.IP(), "otto"); err != nil {
				return err
			}
			return smbLogon(t, dc2, dc1.IP(), "otto", sdcOttoPW)
		})
		t.Logf("otto found and logged on against dc1 %.1fs after he was made on dc2", time.Since(made).Seconds())
	})

	t.Run("a password changed on dc2 works on dc1", func(t *testing.T) {
		if o, e, code := dc2.Possectl(t, sdcNinaPW2+"\n", "users", "set-password", "nina", "--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("possectl users set-password on dc2: exit %d\n%s%s", code, o, e)
		}
		changed := time.Now()
		harness.Eventually(t, 30*time.Second, func() error {
			return smbLogon(t, dc2, dc1.IP(), "nina", sdcNinaPW2)
		})
		t.Logf("the new password worked against dc1 %.1fs after it was set on dc2", time.Since(changed).Seconds())
		// Kerberos against dc1's KDC only.
		conf := fmt.Sprintf("[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n[realms]\n\t%s = {\n\t\tkdc = %s\n\t}\n", sdcRealm, sdcRealm, dc1.IP())
		if o, e, code := dc2.Exec(t, conf, "bash", "-c", "cat >/root/krb5-dc1.conf"); code != 0 {
			t.Fatalf("writing krb5-dc1.conf: %s%s", o, e)
		}
		harness.Eventually(t, 30*time.Second, func() error {
			o, e, code := dc2.Exec(t, sdcNinaPW2+"\n", "env", "KRB5_CONFIG=/root/krb5-dc1.conf", "KRB5CCNAME=/tmp/cc-nina", "kinit", "nina@"+sdcRealm)
			if code != 0 {
				return fmt.Errorf("kinit nina against dc1: exit %d: %s%s", code, o, e)
			}
			return nil
		})
	})

	t.Run("dc status and possectl status show the replication", func(t *testing.T) {
		var reps []struct {
			Name        string          `json:"name"`
			Replication *ad.Replication `json:"replication"`
			Problems    []string        `json:"problems"`
			Error       string          `json:"error"`
		}
		o, e, code := dc2.Possectl(t, "", "dc", "status", "--json")
		t.Logf("possectl dc status --json on dc2: exit %d\n%s%s", code, o, e)
		if err := json.Unmarshal([]byte(o), &reps); err != nil {
			t.Fatalf("dc status --json: %v", err)
		}
		if len(reps) < 1 || reps[0].Name != dc2.Name() || reps[0].Replication == nil || !hasInbound(*reps[0].Replication, dc1.Name()) {
			t.Errorf("dc status on dc2 does not show dc1 as its partner: %+v", reps)
		}
		if o, e, code := dc2.Possectl(t, "", "dc", "status"); !strings.Contains(o, strings.ToLower(dc1.Name())) {
			t.Errorf("dc status on dc2: exit %d\n%s%s", code, o, e)
		}
		if o, e, code := dc2.Possectl(t, "", "status"); code != 0 || !strings.Contains(o, "replicates from "+strings.ToLower(dc1.Name())) {
			t.Errorf("possectl status on dc2: exit %d\n%s%s", code, o, e)
		}
	})

	t.Run("applying again on dc2 changes nothing", func(t *testing.T) {
		if again := dc2.Apply(t, template, secrets); !strings.Contains(again, plan.NoChanges) {
			t.Errorf("applying again on dc2 changed something:\n%s", again)
		}
	})

	secondDCFailover(t, dc1, dc2, template, secrets)
}
