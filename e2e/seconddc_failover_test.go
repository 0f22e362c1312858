// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/sandbox"
)

const (
	sdcNinaPW3 = "Stiller-See-Failover-9"
	sdcPaulaPW = "Heller-Tag-Nach-DC1-5"
)

// secondDCFailover is TestSecondDC's end: dc1's box stops for good, and
// dc2 goes on alone. possectl dc refuses to seize roles from or remove a
// DC that still answers; with dc1 gone users log on at dc2 (SMB,
// Kerberos, LDAPS), a password changes there, dc seize-roles makes dc2 the
// holder of every FSMO role, dc remove takes dc1 out of the directory and
// DNS (a second run has nothing to do), a new user can be made, and an
// apply on dc2 changes nothing.
func secondDCFailover(t *testing.T, dc1, dc2 *harness.TestBox, template, secrets string) {
	dc1Name, dc2Name := strings.ToUpper(dc1.Name()), strings.ToUpper(dc2.Name())

	t.Run("dc transfer-roles moves the roles to dc2 and back", func(t *testing.T) {
		for _, step := range []struct{ to, from *harness.TestBox }{{dc2, dc1}, {dc1, dc2}} {
			start := time.Now()
			o, e, code := step.to.Possectl(t, sdcAdminPW+"\n", "dc", "transfer-roles", "--password-stdin", "--yes", "--json")
			if code != 0 {
				t.Fatalf("dc transfer-roles on %s: exit %d\n%s%s", step.to.Name(), code, o, e)
			}
			t.Logf("dc transfer-roles on %s took %.1fs", step.to.Name(), time.Since(start).Seconds())
			if strings.Contains(o+e, sdcAdminPW) {
				t.Fatal("the admin password was printed")
			}
			var res struct {
				Action string   `json:"action"`
				From   []string `json:"from"`
			}
			if err := json.Unmarshal([]byte(o), &res); err != nil || res.Action != "transferred" || len(res.From) != 1 || !strings.EqualFold(res.From[0], step.from.Name()) {
				t.Errorf("transfer-roles --json on %s: %+v %v\n%s", step.to.Name(), res, err, o)
			}
		}
		// dc2 learns of the roles' return by replication.
		harness.Eventually(t, 60*time.Second, func() error {
			roles, err := fsmo.ParseShow([]byte(dc2.MustRun(t, fsmo.ShowArgv...)))
			if err != nil {
				return err
			}
			if away := fsmo.RolesElsewhere(roles, dc1Name); len(away) > 0 {
				return fmt.Errorf("dc2 sees %s on %s", away[0].Role, away[0].Server)
			}
			return nil
		})
	})

	t.Run("dc seize-roles and dc remove refuse while dc1 answers", func(t *testing.T) {
		o, e, code := dc2.Possectl(t, "", "dc", "seize-roles", "--yes")
		if code == 0 || !strings.Contains(e, "still answers") || !strings.Contains(e, "dc transfer-roles") {
			t.Errorf("seize-roles with dc1 up: exit %d\n%s%s", code, o, e)
		}
		o, e, code = dc2.Possectl(t, "", "dc", "remove", dc1.Name(), "--yes")
		if code == 0 || !strings.Contains(e, "FSMO roles") {
			t.Errorf("remove dc1 while it holds the roles: exit %d\n%s%s", code, o, e)
		}
		if o, e, code = dc2.Possectl(t, "", "dc", "remove", "dc1;reboot"); code != 2 {
			t.Errorf("remove with a bad name: exit %d\n%s%s", code, o, e)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := dc1.Sandbox().Down(ctx, sandbox.DownOptions{Purge: true}); err != nil {
		t.Fatalf("stopping dc1's box: %v", err)
	}
	down := time.Now()

	t.Run("with dc1 gone users log on at dc2", func(t *testing.T) {
		harness.Eventually(t, 60*time.Second, func() error {
			return smbLogon(t, dc2, dc2.IP(), "nina", sdcNinaPW2)
		})
		t.Logf("SMB logon at dc2 %.1fs after dc1's box stopped", time.Since(down).Seconds())
		conf := fmt.Sprintf("[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n[realms]\n\t%s = {\n\t\tkdc = %s\n\t}\n", sdcRealm, sdcRealm, dc2.IP())
		if o, e, code := dc2.Exec(t, conf, "bash", "-c", "cat >/root/krb5-dc2.conf"); code != 0 {
			t.Fatalf("writing krb5-dc2.conf: %s%s", o, e)
		}
		start := time.Now()
		if o, e, code := dc2.Exec(t, sdcNinaPW2+"\n", "env", "KRB5_CONFIG=/root/krb5-dc2.conf", "KRB5CCNAME=/tmp/cc-nina2", "kinit", "nina@"+sdcRealm); code != 0 {
			t.Errorf("kinit nina against dc2: exit %d: %s%s", code, o, e)
		}
		t.Logf("kinit against dc2 took %.1fs", time.Since(start).Seconds())
		if err := ldapFind(t, dc2, dc2.IP(), "nina"); err != nil {
			t.Error(err)
		}
	})

	t.Run("with dc1 gone a password changes on dc2", func(t *testing.T) {
		if o, e, code := dc2.Possectl(t, sdcNinaPW3+"\n", "users", "set-password", "nina", "--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("possectl users set-password on dc2: exit %d\n%s%s", code, o, e)
		}
		if err := smbLogon(t, dc2, dc2.IP(), "nina", sdcNinaPW3); err != nil {
			t.Error(err)
		}
	})

	t.Run("dc seize-roles makes dc2 the holder of every role", func(t *testing.T) {
		start := time.Now()
		o, e, code := dc2.Possectl(t, "", "dc", "seize-roles", "--yes", "--json")
		took := time.Since(start)
		if code != 0 {
			t.Fatalf("dc seize-roles on dc2: exit %d\n%s%s", code, o, e)
		}
		t.Logf("dc seize-roles on dc2 took %.1fs:\n%s%s", took.Seconds(), e, o)
		var res struct {
			Action string   `json:"action"`
			From   []string `json:"from"`
		}
		if err := json.Unmarshal([]byte(o), &res); err != nil || res.Action != "seized" || len(res.From) != 1 || !strings.EqualFold(res.From[0], dc1Name) {
			t.Errorf("seize-roles --json: %+v %v", res, err)
		}
		roles, err := fsmo.ParseShow([]byte(dc2.MustRun(t, fsmo.ShowArgv...)))
		if err != nil {
			t.Fatal(err)
		}
		if away := fsmo.RolesElsewhere(roles, dc2Name); len(roles) != 7 || len(away) > 0 {
			t.Errorf("samba-tool fsmo show on dc2 after the seizure: %+v", roles)
		}
		if o, e, code := dc2.Possectl(t, "", "dc", "seize-roles"); code != 0 || !strings.Contains(o, "nothing to do") {
			t.Errorf("seize-roles again: exit %d\n%s%s", code, o, e)
		}
	})

	t.Run("dc remove takes dc1 out of the directory and DNS", func(t *testing.T) {
		start := time.Now()
		o, e, code := dc2.Possectl(t, "", "dc", "remove", dc1.Name(), "--yes")
		took := time.Since(start)
		if code != 0 || !strings.Contains(o, "Removed the domain controller "+dc1Name) {
			t.Fatalf("dc remove dc1 on dc2: exit %d\n%s%s", code, o, e)
		}
		t.Logf("dc remove dc1 on dc2 took %.1fs:\n%s%s", took.Seconds(), e, o)
		if o, e, code := dc2.Possectl(t, "", "dc", "remove", dc1.Name(), "--json"); code != 0 || !strings.Contains(o, `"removed": false`) {
			t.Errorf("dc remove dc1 again: exit %d\n%s%s", code, o, e)
		}
		if o, e, code := dc2.Possectl(t, "", "dc", "remove", dc1.Name()); code != 0 || !strings.Contains(o, "nothing to remove") {
			t.Errorf("dc remove dc1 again: exit %d\n%s%s", code, o, e)
		}
		if dcs := fsmo.ParseDCs([]byte(dc2.MustRun(t, "python3", "-c", fsmo.DCsPy))); len(dcs) != 1 || !strings.EqualFold(dcs[0], dc2Name) {
			t.Errorf("domain controllers after the removal: %q", dcs)
		}
		if o := dc2.MustRun(t, "samba-tool", "computer", "list"); strings.Contains(strings.ToUpper(o), dc1Name+"$") {
			t.Errorf("dc1's computer account is still there:\n%s", o)
		}
		fqdn := strings.ToLower(dc1.Name()) + "." + sdcDNSDomain
		if o, e, code := dc2.Exec(t, "", "python3", "-c", "import socket,sys; print(socket.gethostbyname(sys.argv[1]))", fqdn); code == 0 {
			t.Errorf("%s still resolves on dc2: %s%s", fqdn, o, e)
		}
	})

	t.Run("with dc1 removed a user made on dc2 logs on there", func(t *testing.T) {
		if o, e, code := dc2.Possectl(t, sdcPaulaPW+"\n", "users", "add", "paula", "--given-name", "Paula", "--surname", "Drei",
			"--password-stdin", "--no-must-change"); code != 0 {
			t.Fatalf("possectl users add on dc2: exit %d\n%s%s", code, o, e)
		}
		if err := smbLogon(t, dc2, dc2.IP(), "paula", sdcPaulaPW); err != nil {
			t.Error(err)
		}
	})

	t.Run("applying on dc2 alone changes nothing", func(t *testing.T) {
		if again := dc2.Apply(t, template, secrets); !strings.Contains(again, plan.NoChanges) {
			t.Errorf("applying on dc2 with dc1 gone changed something:\n%s", again)
		}
	})
}
