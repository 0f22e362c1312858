// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
)

// fakeGroupFile makes gpasswd and getent of the fake runner edit and read
// the box's /etc/group, as on a DC whose winbind names domain users
// EXAMPLE\name.
func fakeGroupFile(t *testing.T, b *box) {
	t.Helper()
	b.write(t, "/etc/group", "root:x:0:\nposse-admin:x:990:localadmin\n")
	b.run.OnFunc([]string{"getent", "passwd"}, func(c host.Cmd) (host.Result, error) {
		return host.Result{Stdout: []byte(c.Argv[2] + ":*:3000001:100::/home/EXAMPLE/x:/bin/false\n")}, nil
	})
	b.run.OnFunc([]string{"gpasswd"}, func(c host.Cmd) (host.Result, error) {
		members := groupLine(t, b)
		switch c.Argv[1] {
		case "-a":
			members = append(members, c.Argv[2])
		case "-d":
			members = slices.DeleteFunc(members, func(m string) bool { return m == c.Argv[2] })
		}
		b.write(t, "/etc/group", "root:x:0:\nposse-admin:x:990:"+strings.Join(members, ",")+"\n")
		return host.Result{}, nil
	})
}

func groupLine(t *testing.T, b *box) []string {
	t.Helper()
	data := readFile(t, b.env.Path("/etc/group"))
	for _, l := range strings.Split(data, "\n") {
		if rest, ok := strings.CutPrefix(l, "posse-admin:x:990:"); ok {
			if rest == "" {
				return nil
			}
			return strings.Split(rest, ",")
		}
	}
	t.Fatal("no posse-admin line")
	return nil
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func changeOf(st plan.Step, field string) (plan.Change, bool) {
	for _, c := range st.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return plan.Change{}, false
}

// TestAdminsAndServiceAccounts: admins join Domain Admins and posse-admin,
// a service account gets no address, no home and a password that never
// expires; a second plan is empty; an admin taken off the list loses both
// rights, and the plan says so; local members of posse-admin stay.
func TestAdminsAndServiceAccounts(t *testing.T) {
	ctx := context.Background()
	b := newBox(t)
	b.dir.SeedGroup(ad.Group{Name: ad.DomainAdminsGroup, DN: "CN=Domain Admins,CN=Users," + b.dir.Base, Builtin: true})
	fakeGroupFile(t, b)
	s := loadSite(t, func(s *site.Site) {
		s.Homes.Enabled = true
		s.Admins = []string{"amueller"}
		s.Users = append(s.Users, site.User{Username: "scanner", Kind: site.KindService, Password: "${secret:bweber}"})
	})
	if p := s.Validate(); len(p) > 0 {
		t.Fatal(p)
	}
	b.provisioned(t, s)
	steps := mustPlan(t, b, s)
	var admin, scanner, group plan.Step
	for _, st := range steps {
		switch st.Target {
		case "user amueller":
			admin = st
		case "user scanner":
			scanner = st
		case "group posse-admin":
			group = st
		}
	}
	if c, ok := changeOf(admin, "admin"); !ok || c.After != "true" {
		t.Errorf("amueller's create step: %+v", admin.Changes)
	}
	if c, _ := changeOf(scanner, "must_change_password"); c.After != "false" {
		t.Errorf("scanner's must_change_password: %+v", c)
	}
	for _, f := range []string{"email", "aliases", "home_directory"} {
		if c, ok := changeOf(scanner, f); ok {
			t.Errorf("scanner's create step sets %s: %+v", f, c)
		}
	}
	if c, ok := changeOf(scanner, "password_never_expires"); !ok || c.After != "true" {
		t.Errorf("scanner's create step: %+v", scanner.Changes)
	}
	if c, ok := changeOf(group, "domain members"); group.Kind != directory.KindPosseAdmin || !ok || c.After != `EXAMPLE\amueller` {
		t.Errorf("posse-admin step: %+v", group)
	}
	b.apply(t, steps)
	u, _, _ := b.dir.User(ctx, "amueller")
	if !u.DomainAdmin {
		t.Error("amueller is not a domain admin after the apply")
	}
	sc, _, _ := b.dir.User(ctx, "scanner")
	if !sc.PasswordNeverExpires || sc.Email != "" || sc.HomeDirectory != "" || sc.DomainAdmin {
		t.Errorf("scanner = %+v", sc)
	}
	if _, mc, _ := b.dir.Password("scanner"); mc {
		t.Error("the service account must change its password at first logon")
	}
	if got := groupLine(t, b); !slices.Equal(got, []string{"localadmin", `EXAMPLE\amueller`}) {
		t.Errorf("posse-admin members %v", got)
	}
	if steps := mustPlan(t, b, s); len(steps) != 0 {
		t.Fatalf("second plan: %v", kinds(steps))
	}

	// The engine keeps the template it applied; Posse takes away only the
	// rights that one gave.
	data, err := os.ReadFile("testdata/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b.write(t, filepath.Join(host.DefaultStateDir, "site.yaml"), string(data)+"admins: [amueller]\n")
	// bweber was made a domain admin by hand, and added to posse-admin.
	yes := true
	if err := b.dir.UpdateUser(ctx, "bweber", ad.UserUpdate{DomainAdmin: &yes}); err != nil {
		t.Fatal(err)
	}
	b.write(t, "/etc/group", "root:x:0:\nposse-admin:x:990:localadmin,EXAMPLE\\amueller,EXAMPLE\\bweber\n")

	s.Admins = nil
	steps = mustPlan(t, b, s)
	if got := kinds(steps); !slices.Equal(got, []string{"update directory.user user amueller", "update directory.posse-admin group posse-admin", "run probe samba-ad-dc.service"}) {
		t.Fatalf("steps after removing the admin: %v", got)
	}
	if c, ok := changeOf(steps[0], "admin"); !ok || c.Before != "true" || c.After != "false" {
		t.Errorf("amueller's update: %+v", steps[0].Changes)
	}
	if c, _ := changeOf(steps[1], "domain members"); c.Before != `EXAMPLE\amueller, EXAMPLE\bweber` || c.After != `EXAMPLE\bweber` {
		t.Errorf("posse-admin update: %+v", steps[1].Changes)
	}
	b.apply(t, steps)
	if u, _, _ := b.dir.User(ctx, "amueller"); u.DomainAdmin {
		t.Error("amueller is still a domain admin")
	}
	if u, _, _ := b.dir.User(ctx, "bweber"); !u.DomainAdmin {
		t.Error("the hand-made domain admin bweber lost the rights")
	}
	if got := groupLine(t, b); !slices.Equal(got, []string{"localadmin", `EXAMPLE\bweber`}) {
		t.Errorf("posse-admin members %v", got)
	}
	if steps := mustPlan(t, b, s); len(steps) != 0 {
		t.Fatalf("plan after the removal: %v", kinds(steps))
	}
}
