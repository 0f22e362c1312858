// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/ad/adtest"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
)

var secrets = hosttest.MapSecrets{
	"domain_admin": "Admin-Secret-Pw-1",
	"amueller":     "Anna-Secret-Pw-1",
	"bweber":       "Bernd-Secret-Pw-1",
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func loadSite(t *testing.T, edit func(*site.Site)) *site.Site {
	t.Helper()
	data, err := os.ReadFile("testdata/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := site.Parse("site.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(s)
	}
	return s
}

// box is a fake box: a temp root, fake systemd, runner and directory.
type box struct {
	env   *host.Env
	units *hosttest.FakeUnits
	run   *hosttest.FakeRunner
	dir   *adtest.Fake
	svc   *directory.Service
	opens int
}

func newBox(t *testing.T) *box {
	b := &box{units: hosttest.NewFakeUnits(), run: hosttest.NewFakeRunner(t), dir: adtest.New()}
	b.dir.Base = "DC=ad,DC=example,DC=com"
	b.dir.SeedUser(ad.User{Username: "Administrator", DN: "CN=Administrator,CN=Users," + b.dir.Base, Builtin: true}, "")
	b.dir.SeedGroup(ad.Group{Name: "Domain Users", DN: "CN=Domain Users,CN=Users," + b.dir.Base, Builtin: true})
	b.env = &host.Env{Root: t.TempDir(), StateDir: host.DefaultStateDir, Units: b.units, Runner: b.run,
		Secrets: secrets, Hostname: "dc", IP: "10.0.0.2"}
	b.svc = directory.New()
	b.svc.Now = func() time.Time { return now }
	b.svc.LDAPWait = time.Second
	b.svc.Open = func(_ context.Context, env *host.Env, c ad.ConnSpec) (ad.Directory, error) {
		b.opens++
		if c.Realm != "AD.EXAMPLE.COM" || c.FQDN != "dc.ad.example.com" || c.AdminSecret != "domain_admin" {
			t.Errorf("open with %+v", c)
		}
		return b.dir, nil
	}
	b.units.Add(directory.Unit, true, true)
	return b
}

func (b *box) write(t *testing.T, path, content string) {
	t.Helper()
	p := b.env.Path(path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// provisioned makes the box look like a DC that Posse set up: files as
// rendered, certificates present.
func (b *box) provisioned(t *testing.T, s *site.Site) {
	t.Helper()
	b.write(t, directory.SamLDBPath, "ldb")
	off := *b.env
	off.Offline = true
	steps, _, err := b.svc.Plan(context.Background(), s, &off)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		var fs plan.FileSpec
		if err := st.DecodeSpec(&fs); err != nil {
			t.Fatal(err)
		}
		b.write(t, fs.Path, fs.Content)
	}
	names := ad.TLSNames{Hostname: "dc", FQDN: "dc.ad.example.com", IPs: []string{"10.0.0.2"}}
	if _, err := ad.EnsureTLS(b.env.State(ad.TLSDir), names, now); err != nil {
		t.Fatal(err)
	}
}

// apply executes the directory's own steps (the engine runs the rest).
func (b *box) apply(t *testing.T, steps []plan.Step) {
	t.Helper()
	for _, st := range steps {
		switch st.Kind {
		case plan.KindProbe, plan.KindFile, plan.KindUnit, plan.KindCheck:
			continue
		}
		if err := b.svc.Execute(context.Background(), st, b.env); err != nil {
			t.Fatalf("execute %s %s: %v", st.Kind, st.Target, err)
		}
	}
}

func kinds(steps []plan.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.Kind+" "+s.Target)
	}
	return out
}

func noSecrets(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for name, val := range secrets {
		if strings.Contains(string(b), val) {
			t.Errorf("plan contains the value of secret %s", name)
		}
	}
}

func TestPlanFreshBox(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, nil)
	steps, notes, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create directory.tls /var/lib/posse/tls",
		"create directory.provision AD.EXAMPLE.COM",
		"update directory.policy password policy",
		"create directory.group group staff",
		"create directory.group group partners",
		"create directory.user user amueller",
		"create directory.user user bweber",
		"run probe samba-ad-dc.service",
	}
	if got := kinds(steps); !slices.Equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(notes) != 0 || b.opens != 0 {
		t.Errorf("notes %v, directory opened %d times before the domain exists", notes, b.opens)
	}
	noSecrets(t, steps)
	if len(b.run.Cmds()) != 0 || len(b.units.Calls()) != 0 {
		t.Errorf("plan ran commands %v or unit jobs %v", b.run.Argvs(), b.units.Calls())
	}
}

func TestPlanRefusesOtherRealm(t *testing.T) {
	b := newBox(t)
	b.write(t, directory.SamLDBPath, "ldb")
	b.write(t, directory.SMBConfPath, "[global]\n\trealm = AD.OTHER.ORG\n")
	_, _, err := b.svc.Plan(context.Background(), loadSite(t, nil), b.env)
	if err == nil || !strings.Contains(err.Error(), "AD.OTHER.ORG") || !strings.Contains(err.Error(), "AD.EXAMPLE.COM") {
		t.Fatalf("err = %v, want a refusal naming both realms", err)
	}
}

func TestPlanOffline(t *testing.T) {
	b := newBox(t)
	b.env.Offline = true
	b.env.Units, b.env.Runner = nil, nil
	steps, _, err := b.svc.Plan(context.Background(), loadSite(t, nil), b.env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create file /etc/samba/smb.conf",
		"create file /etc/krb5.conf",
		"create file /etc/resolv.conf",
		"create file /etc/samba/posse-shares.conf",
	}
	if got := kinds(steps); !slices.Equal(got, want) {
		t.Errorf("offline steps %v, want %v", got, want)
	}
	if b.opens != 0 {
		t.Error("offline plan dialled the directory")
	}
}

func TestPlanConvergesAndReapplyIsEmpty(t *testing.T) {
	ctx := context.Background()
	b := newBox(t)
	s := loadSite(t, nil)
	b.provisioned(t, s)

	steps, _, err := b.svc.Plan(ctx, s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"update directory.policy password policy",
		"create directory.group group staff",
		"create directory.group group partners",
		"create directory.user user amueller",
		"create directory.user user bweber",
		"run probe samba-ad-dc.service",
	}
	if got := kinds(steps); !slices.Equal(got, want) {
		t.Fatalf("steps:\n%s", strings.Join(got, "\n"))
	}
	b.apply(t, steps)
	if pw, mc, _ := b.dir.Password("amueller"); pw != secrets["amueller"] || !mc {
		t.Errorf("amueller password/must-change = %v %v", pw == secrets["amueller"], mc)
	}
	if _, mc, _ := b.dir.Password("bweber"); mc {
		t.Error("bweber must not have to change the password")
	}
	u, _, _ := b.dir.User(ctx, "amueller")
	if u.Email != "amueller@example.com" || !slices.Equal(u.Aliases, []string{"anna@example.com"}) ||
		!slices.Equal(u.Groups, []string{"partners", "staff"}) || u.DisplayName != "Anna Müller" {
		t.Errorf("amueller = %+v", u)
	}

	steps, notes, err := b.svc.Plan(ctx, s, b.env)
	if err != nil || len(steps) != 0 || len(notes) != 0 {
		t.Fatalf("re-plan: %v %v %v", kinds(steps), notes, err)
	}

	// Field-level changes: a new surname, one group less, disabled.
	s2 := loadSite(t, func(s *site.Site) {
		s.Users[0].Surname = "Schulz"
		s.Users[0].Groups = []string{"staff"}
		s.Users[1].Disabled = true
		s.Groups[0].Description = "All of us"
	})
	steps, _, err = b.svc.Plan(ctx, s2, b.env)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(steps); !slices.Equal(got, []string{
		"update directory.group group staff",
		"update directory.user user amueller",
		"update directory.user user bweber",
		"run probe samba-ad-dc.service",
	}) {
		t.Fatalf("steps %v", got)
	}
	ch := map[string]plan.Change{}
	for _, c := range steps[1].Changes {
		ch[c.Field] = c
	}
	if c := ch["surname"]; c.Before != "Müller" || c.After != "Schulz" {
		t.Errorf("surname change %+v", c)
	}
	if c := ch["groups"]; c.Before != "partners, staff" || c.After != "staff" {
		t.Errorf("groups change %+v", c)
	}
	if _, ok := ch["password"]; ok {
		t.Error("an update re-sets the password")
	}
	if c := steps[2].Changes; len(c) != 1 || c[0].Field != "disabled" || c[0].After != "true" {
		t.Errorf("bweber changes %+v", c)
	}
	b.apply(t, steps)
	if steps, _, err := b.svc.Plan(ctx, s2, b.env); err != nil || len(steps) != 0 {
		t.Fatalf("after update: %v %v", kinds(steps), err)
	}
	if pw, _, _ := b.dir.Password("amueller"); pw != secrets["amueller"] {
		t.Error("update changed the password")
	}
}

// TestPlanRefusesAddressesOfOtherUsers: a template may not hand out an
// address that a user added through possed or the CSV import already has
// (the API refuses the other way round); users the plan prunes do not
// count.
func TestPlanRefusesAddressesOfOtherUsers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		seed  ad.User
		edit  func(*site.Site)
		want  string // "" for a plan without error
		prune bool
	}{
		{"user alias", ad.User{Username: "carla", Email: "carla@example.com", Aliases: []string{"anna@example.com"}, Origin: ad.OriginAPI}, nil,
			"gives anna@example.com to user amueller, but user carla", false},
		{"default address", ad.User{Username: "carla", Email: "bweber@example.com", Origin: ad.OriginAPI}, nil,
			"gives bweber@example.com to user bweber", false},
		{"site alias", ad.User{Username: "carla", Email: "carla@example.com", Aliases: []string{"info@example.com"}, Origin: ad.OriginAPI},
			func(s *site.Site) {
				s.Mail.Aliases = []site.Alias{{Address: "info@example.com", To: []string{"amueller"}}}
			},
			"gives info@example.com to a site alias", false},
		{"no clash", ad.User{Username: "carla", Email: "carla@example.com", Origin: ad.OriginAPI}, nil, "", false},
		{"pruned", ad.User{Username: "olduser", Email: "anna@example.com", Origin: ad.OriginTemplate}, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			s := loadSite(t, func(s *site.Site) {
				s.Directory.Prune = tt.prune
				if tt.edit != nil {
					tt.edit(s)
				}
			})
			b.provisioned(t, s)
			b.dir.SeedUser(tt.seed, "")
			_, _, err := b.svc.Plan(ctx, s, b.env)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("plan: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("plan error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPlanNotesAndPrune(t *testing.T) {
	ctx := context.Background()
	for _, prune := range []bool{false, true} {
		b := newBox(t)
		s := loadSite(t, func(s *site.Site) { s.Directory.Prune = prune })
		b.provisioned(t, s)
		b.apply(t, mustPlan(t, b, s))
		b.dir.SeedUser(ad.User{Username: "olduser", Origin: ad.OriginTemplate}, "")
		b.dir.SeedUser(ad.User{Username: "posse-mail"}, "") // the mail service's own account
		b.dir.SeedGroup(ad.Group{Name: "oldgroup", Origin: ad.OriginTemplate})
		b.dir.SeedUser(ad.User{Username: "handmade", DN: "CN=handmade,CN=Users," + b.dir.Base}, "")
		steps, notes, err := b.svc.Plan(ctx, s, b.env)
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		for _, n := range notes {
			targets = append(targets, n.Target)
		}
		slices.Sort(targets)
		if prune {
			if got := kinds(steps); !slices.Equal(got, []string{"delete directory.user user olduser", "delete directory.group group oldgroup", "run probe samba-ad-dc.service"}) {
				t.Errorf("prune steps %v", got)
			}
			if !slices.Equal(targets, []string{"user handmade"}) {
				t.Errorf("prune notes %v", targets)
			}
			b.apply(t, steps)
			if _, ok, _ := b.dir.User(ctx, "olduser"); ok {
				t.Error("olduser not deleted")
			}
		} else {
			if len(steps) != 0 {
				t.Errorf("steps without prune: %v", kinds(steps))
			}
			if !slices.Equal(targets, []string{"group oldgroup", "user handmade", "user olduser"}) {
				t.Errorf("notes %v", targets)
			}
		}
		for _, c := range b.dir.Calls() {
			if strings.Contains(c, "Administrator") || strings.Contains(c, "Domain Users") || strings.Contains(c, "handmade") || strings.Contains(c, "posse-mail") {
				t.Errorf("touched a built-in or unmanaged entry: %s", c)
			}
		}
	}
}

func mustPlan(t *testing.T, b *box, s *site.Site) []plan.Step {
	t.Helper()
	steps, _, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

func TestExecuteProvision(t *testing.T) {
	b := newBox(t)
	b.units = hosttest.NewFakeUnits()
	b.units.Add("smbd.service", true, true)
	b.units.Add("nmbd.service", true, true)
	b.units.Add(directory.Unit, false, false)
	b.env.Units = b.units
	b.run.Strict = true
	b.run.OnFunc([]string{"samba-tool", "domain", "provision"}, func(host.Cmd) (host.Result, error) {
		b.write(t, directory.SamLDBPath, "ldb") // what samba-tool leaves behind
		return host.Result{}, nil
	})
	b.run.On([]string{"python3", "-c"}, host.Result{})
	b.write(t, directory.SMBConfPath, "[global]\n\tworkgroup = WORKGROUP\n")
	b.write(t, directory.ResolvPath, "nameserver 192.0.2.53\n")
	s := loadSite(t, nil)
	steps := mustPlan(t, b, s)
	for _, st := range steps[:2] {
		if err := b.svc.Execute(context.Background(), st, b.env); err != nil {
			t.Fatal(err)
		}
	}
	argvs := b.run.Argvs()
	if len(argvs) != 2 || !strings.HasPrefix(argvs[0], "samba-tool domain provision --use-rfc2307 --realm=AD.EXAMPLE.COM --domain=EXAMPLE") ||
		!strings.HasPrefix(argvs[1], "python3 -c") {
		t.Fatalf("commands %q", argvs)
	}
	if cmds := b.run.Cmds(); string(cmds[1].Stdin) != secrets["domain_admin"]+"\n" {
		t.Error("the admin password is not fed on stdin")
	}
	calls := strings.Join(b.units.Calls(), "; ")
	for _, want := range []string{"stop smbd.service", "mask smbd.service nmbd.service winbind.service", "unmask samba-ad-dc.service", "enable samba-ad-dc.service", "restart samba-ad-dc.service"} {
		if !strings.Contains(calls, want) {
			t.Errorf("unit calls %q lack %q", calls, want)
		}
	}
	orig, err := os.ReadFile(b.env.Path(directory.SMBConfPath + ".posse-orig"))
	if err != nil || !strings.Contains(string(orig), "WORKGROUP") {
		t.Errorf("original smb.conf not kept: %v", err)
	}
	conf, _ := os.ReadFile(b.env.Path(directory.SMBConfPath))
	if !strings.Contains(string(conf), "realm = AD.EXAMPLE.COM") || !strings.Contains(string(conf), "dns forwarder = 192.0.2.53") ||
		!strings.Contains(string(conf), "tls certfile = /var/lib/posse/tls/server.crt") {
		t.Errorf("smb.conf:\n%s", conf)
	}
	if _, err := os.Stat(b.env.Path(directory.SharesInclude)); err != nil {
		t.Error("shares include not created: samba would not start")
	}
	fi, err := os.Stat(b.env.State("tls", "server.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("server key: %v", err)
	}
	if c := b.dir.Calls(); len(c) == 0 || c[0] != "ensure-ou" {
		t.Errorf("directory calls %v, want ensure-ou first", c)
	}
	// Applying the same plan again does not provision twice.
	if err := b.svc.Execute(context.Background(), steps[1], b.env); err != nil {
		t.Fatal(err)
	}
	if n := len(b.run.Argvs()); n != 2 {
		t.Errorf("second provision ran %d commands", n)
	}
}

func TestPlanRefusesRenames(t *testing.T) {
	tests := []struct {
		name string
		edit func(*box, *site.Site)
		want string
	}{
		{"workgroup", func(b *box, s *site.Site) { s.Site.Workgroup = "OTHER" }, "workgroup (NetBIOS name) is EXAMPLE"},
		{"hostname", func(b *box, s *site.Site) { b.env.Hostname = "newname" }, "named DC but the box's host name is now newname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			s := loadSite(t, nil)
			b.provisioned(t, s)
			tt.edit(b, s)
			_, _, err := b.svc.Plan(context.Background(), s, b.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPlanFoldsManyNotes(t *testing.T) {
	b := newBox(t)
	s := loadSite(t, nil)
	b.provisioned(t, s)
	b.apply(t, mustPlan(t, b, s))
	for i := range 50 {
		b.dir.SeedUser(ad.User{Username: fmt.Sprintf("extra%02d", i)}, "")
	}
	_, notes, err := b.svc.Plan(context.Background(), s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].Target != "50 users" || !strings.Contains(notes[0].Message, "extra00, extra01") {
		t.Errorf("notes %+v", notes)
	}
}

func TestPlanHomeAttributes(t *testing.T) {
	ctx := context.Background()
	b := newBox(t)
	s := loadSite(t, func(s *site.Site) { s.Homes.Enabled = true })
	b.provisioned(t, s)
	b.apply(t, mustPlan(t, b, s))
	// The values must be what the files service's [homes] share serves.
	for _, h := range files.UserHomeAttrs(s, "dc") {
		u, _, _ := b.dir.User(ctx, h.Username)
		if u.HomeDirectory != h.HomeDirectory || u.HomeDrive != h.HomeDrive {
			t.Errorf("%s: home %q %q, files wants %q %q", h.Username, u.HomeDirectory, u.HomeDrive, h.HomeDirectory, h.HomeDrive)
		}
	}
	if steps := mustPlan(t, b, s); len(steps) != 0 {
		t.Fatalf("re-plan %v", kinds(steps))
	}
	// A hand-made mapping survives turning homes off; Posse's is cleared.
	other := `\\NAS\bweber`
	if err := b.dir.UpdateUser(ctx, "bweber", ad.UserUpdate{HomeDirectory: &other}); err != nil {
		t.Fatal(err)
	}
	s.Homes.Enabled = false
	steps := mustPlan(t, b, s)
	if got := kinds(steps); !slices.Equal(got, []string{"update directory.user user amueller", "run probe samba-ad-dc.service"}) {
		t.Fatalf("steps %v", got)
	}
	b.apply(t, steps)
	if u, _, _ := b.dir.User(ctx, "amueller"); u.HomeDirectory != "" || u.HomeDrive != "" {
		t.Errorf("amueller home not cleared: %+v", u)
	}
	if u, _, _ := b.dir.User(ctx, "bweber"); u.HomeDirectory != other {
		t.Errorf("hand-made home changed: %q", u.HomeDirectory)
	}
}

// TestPruneByOrigin: prune deletes only users a template apply created
// (posse:template), or unmarked ones the template last applied listed;
// users created through possed and other unmarked users are notes.
func TestPruneByOrigin(t *testing.T) {
	ctx := context.Background()
	// The template last applied listed "formerly" (made by an apply
	// before users were marked).
	lastApplied, err := os.ReadFile("testdata/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lastApplied = []byte(strings.Replace(string(lastApplied), "users:\n", "users:\n  - username: formerly\n    password: ${secret:formerly}\n", 1))
	tests := []struct {
		name     string
		user     ad.User
		prune    bool
		noRecord bool   // no applied template on the box
		del      bool   // a delete step
		note     string // in the user's note
	}{
		{"template user, prune", ad.User{Username: "gone", Origin: ad.OriginTemplate}, true, false, true, ""},
		{"template user, no prune", ad.User{Username: "gone", Origin: ad.OriginTemplate}, false, false, false, "directory.prune: true would delete"},
		{"API user, prune", ad.User{Username: "newhire", Origin: ad.OriginAPI}, true, false, false, "created through possed"},
		{"API user, no prune", ad.User{Username: "newhire", Origin: ad.OriginAPI}, false, false, false, "prune never deletes it"},
		{"API user the last template listed", ad.User{Username: "formerly", Origin: ad.OriginAPI}, true, false, false, "created through possed"},
		{"unmarked, listed by the last template", ad.User{Username: "formerly"}, true, false, true, ""},
		{"unmarked, not listed by the last template", ad.User{Username: "byhand"}, true, false, false, "no posse:template mark"},
		{"unmarked, no template recorded", ad.User{Username: "formerly"}, true, true, false, "no posse:template mark"},
		{"unknown mark", ad.User{Username: "gone", Origin: "other"}, true, false, false, "prune never deletes it"},
		{"template user outside OU=Posse", ad.User{Username: "gone", Origin: ad.OriginTemplate, DN: "CN=gone,CN=Users,DC=ad,DC=example,DC=com"}, true, false, false, "outside OU=Posse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			s := loadSite(t, func(s *site.Site) { s.Directory.Prune = tt.prune })
			b.provisioned(t, s)
			b.apply(t, mustPlan(t, b, s))
			if !tt.noRecord {
				b.write(t, filepath.Join(host.DefaultStateDir, "site.yaml"), string(lastApplied))
			}
			b.dir.SeedUser(tt.user, "")
			steps, notes, err := b.svc.Plan(ctx, s, b.env)
			if err != nil {
				t.Fatal(err)
			}
			target := "user " + tt.user.Username
			var deleted bool
			for _, st := range steps {
				if st.Target == target {
					deleted = st.Action == plan.Delete
					if !deleted {
						t.Errorf("unexpected step %s %s", st.Action, st.Target)
					}
				}
			}
			if deleted != tt.del {
				t.Errorf("delete step = %v, want %v (steps %v)", deleted, tt.del, kinds(steps))
			}
			var note string
			for _, n := range notes {
				if n.Target == target {
					note = n.Message
				}
			}
			if tt.del != (note == "") || !strings.Contains(note, tt.note) {
				t.Errorf("note = %q, want one containing %q", note, tt.note)
			}
		})
	}
}

// TestApplyMarksTemplateUsers: users an apply creates carry the
// posse:template mark; an unmarked user the template lists gets it on the
// next apply; a user created through possed keeps posse:api.
func TestApplyMarksTemplateUsers(t *testing.T) {
	ctx := context.Background()
	b := newBox(t)
	s := loadSite(t, nil)
	b.provisioned(t, s)
	b.dir.SeedUser(ad.User{Username: "bweber", GivenName: "Bernd", Surname: "Weber", DisplayName: "Bernd Weber", Email: "bweber@example.com", Groups: []string{"staff"}}, "")
	b.dir.SeedGroup(ad.Group{Name: "staff", Description: "Everybody"})
	b.apply(t, mustPlan(t, b, s))
	for name, want := range map[string]string{"amueller": ad.OriginTemplate, "bweber": ad.OriginTemplate} {
		if u, _, _ := b.dir.User(ctx, name); u.Origin != want {
			t.Errorf("%s origin = %q, want %q", name, u.Origin, want)
		}
	}
	if steps := mustPlan(t, b, s); len(steps) != 0 {
		t.Errorf("steps after marking: %v", kinds(steps))
	}
	b2 := newBox(t)
	b2.provisioned(t, s)
	b2.dir.SeedUser(ad.User{Username: "bweber", GivenName: "Bernd", Surname: "Weber", DisplayName: "Bernd Weber", Email: "bweber@example.com", Origin: ad.OriginAPI}, "")
	b2.apply(t, mustPlan(t, b2, s))
	if u, _, _ := b2.dir.User(ctx, "bweber"); u.Origin != ad.OriginAPI {
		t.Errorf("an API user listed by the template became %q", u.Origin)
	}
}

// TestPruneGroupsByOrigin: like users, prune deletes only groups a
// template apply created (posse:template), or unmarked ones the template
// last applied listed; groups created through possed and other unmarked
// groups are notes saying why they stay.
func TestPruneGroupsByOrigin(t *testing.T) {
	ctx := context.Background()
	// The template last applied listed group "formerly" (made by an apply
	// before groups were marked).
	lastApplied, err := os.ReadFile("testdata/site.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lastApplied = []byte(strings.Replace(string(lastApplied), "groups:\n", "groups:\n  - name: formerly\n", 1))
	tests := []struct {
		name     string
		group    ad.Group
		prune    bool
		noRecord bool   // no applied template on the box
		del      bool   // a delete step
		note     string // in the group's note
	}{
		{"template group, prune", ad.Group{Name: "gone", Origin: ad.OriginTemplate}, true, false, true, ""},
		{"template group, no prune", ad.Group{Name: "gone", Origin: ad.OriginTemplate}, false, false, false, "directory.prune: true would delete"},
		{"API group, prune", ad.Group{Name: "projects", Origin: ad.OriginAPI}, true, false, false, "created through possed"},
		{"API group, no prune", ad.Group{Name: "projects", Origin: ad.OriginAPI}, false, false, false, "prune never deletes it"},
		{"API group the last template listed", ad.Group{Name: "formerly", Origin: ad.OriginAPI}, true, false, false, "created through possed"},
		{"unmarked, listed by the last template", ad.Group{Name: "formerly"}, true, false, true, ""},
		{"unmarked, not listed by the last template", ad.Group{Name: "byhand"}, true, false, false, "no posse:template mark"},
		{"unmarked, no template recorded", ad.Group{Name: "formerly"}, true, true, false, "no posse:template mark"},
		{"unknown mark", ad.Group{Name: "gone", Origin: "other"}, true, false, false, "prune never deletes it"},
		{"template group outside OU=Posse", ad.Group{Name: "gone", Origin: ad.OriginTemplate, DN: "CN=gone,CN=Users,DC=ad,DC=example,DC=com"}, true, false, false, "outside OU=Posse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			s := loadSite(t, func(s *site.Site) { s.Directory.Prune = tt.prune })
			b.provisioned(t, s)
			b.apply(t, mustPlan(t, b, s))
			if !tt.noRecord {
				b.write(t, filepath.Join(host.DefaultStateDir, "site.yaml"), string(lastApplied))
			}
			b.dir.SeedGroup(tt.group)
			steps, notes, err := b.svc.Plan(ctx, s, b.env)
			if err != nil {
				t.Fatal(err)
			}
			target := "group " + tt.group.Name
			var deleted bool
			for _, st := range steps {
				if st.Target == target {
					deleted = st.Action == plan.Delete
					if !deleted {
						t.Errorf("unexpected step %s %s", st.Action, st.Target)
					}
				}
			}
			if deleted != tt.del {
				t.Errorf("delete step = %v, want %v (steps %v)", deleted, tt.del, kinds(steps))
			}
			var note string
			for _, n := range notes {
				if n.Target == target {
					note = n.Message
				}
			}
			if tt.del != (note == "") || !strings.Contains(note, tt.note) {
				t.Errorf("note = %q, want one containing %q", note, tt.note)
			}
			if tt.del {
				b.apply(t, steps)
				if gs, _ := b.dir.Groups(ctx); slices.ContainsFunc(gs, func(g ad.Group) bool { return g.Name == tt.group.Name }) {
					t.Errorf("group %s not deleted", tt.group.Name)
				}
			}
		})
	}
}

// TestApplyMarksTemplateGroups: groups an apply creates carry the
// posse:template mark; an unmarked group the template lists gets it in its
// update step, so the plan after one apply is empty; a group created
// through possed keeps posse:api.
func TestApplyMarksTemplateGroups(t *testing.T) {
	ctx := context.Background()
	origins := func(b *box) map[string]string {
		gs, err := b.dir.Groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, g := range gs {
			m[g.Name] = g.Origin
		}
		return m
	}
	tests := []struct {
		name   string
		seed   []ad.Group
		change map[string][]string // group -> changed fields of its update step
		want   map[string]string   // group -> origin after the apply
	}{
		{"fresh", nil, nil, map[string]string{"staff": ad.OriginTemplate, "partners": ad.OriginTemplate}},
		{"unmarked, same description", []ad.Group{{Name: "staff", Description: "Everybody"}},
			map[string][]string{"staff": {"origin"}}, map[string]string{"staff": ad.OriginTemplate, "partners": ad.OriginTemplate}},
		{"unmarked, other description", []ad.Group{{Name: "staff", Description: "Old"}},
			map[string][]string{"staff": {"description", "origin"}}, map[string]string{"staff": ad.OriginTemplate}},
		{"through possed", []ad.Group{{Name: "staff", Description: "Everybody", Origin: ad.OriginAPI}},
			nil, map[string]string{"staff": ad.OriginAPI, "partners": ad.OriginTemplate}},
		{"through possed, other description", []ad.Group{{Name: "staff", Description: "Old", Origin: ad.OriginAPI}},
			map[string][]string{"staff": {"description"}}, map[string]string{"staff": ad.OriginAPI}},
		{"unmarked outside OU=Posse", []ad.Group{{Name: "staff", Description: "Everybody", DN: "CN=staff,CN=Users,DC=ad,DC=example,DC=com"}},
			nil, map[string]string{"staff": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			s := loadSite(t, nil)
			b.provisioned(t, s)
			for _, g := range tt.seed {
				b.dir.SeedGroup(g)
			}
			steps := mustPlan(t, b, s)
			got := map[string][]string{}
			for _, st := range steps {
				if st.Kind == directory.KindGroup && st.Action == plan.Update {
					var fields []string
					for _, c := range st.Changes {
						fields = append(fields, c.Field)
						if c.Field == "origin" && c.After != "posse:template" {
							t.Errorf("%s: origin change to %q", st.Target, c.After)
						}
					}
					got[strings.TrimPrefix(st.Target, "group ")] = fields
				}
			}
			if len(got) != len(tt.change) {
				t.Errorf("group updates %v, want %v", got, tt.change)
			}
			for g, f := range tt.change {
				if !slices.Equal(got[g], f) {
					t.Errorf("group %s changes %v, want %v", g, got[g], f)
				}
			}
			b.apply(t, steps)
			have := origins(b)
			for g, want := range tt.want {
				if have[g] != want {
					t.Errorf("group %s origin = %q, want %q", g, have[g], want)
				}
			}
			if steps := mustPlan(t, b, s); len(steps) != 0 {
				t.Errorf("steps after one apply: %v", kinds(steps))
			}
		})
	}
}

// TestGroupStepsExecute: an update step marks or describes only what it
// names (a plan saved before groups were marked, without set, replaces the
// description), and a create that finds the group already there leaves a
// mark made through possed alone.
func TestGroupStepsExecute(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		seed   ad.Group
		action plan.Action
		spec   directory.GroupSpec
		desc   string
		origin string
	}{
		{"mark only", ad.Group{Name: "staff", Description: "Old"}, plan.Update,
			directory.GroupSpec{Name: "staff", Description: "New", Set: []string{"origin"}}, "Old", ad.OriginTemplate},
		{"describe only", ad.Group{Name: "staff", Description: "Old"}, plan.Update,
			directory.GroupSpec{Name: "staff", Description: "New", Set: []string{"description"}}, "New", ""},
		{"plan without set", ad.Group{Name: "staff", Description: "Old"}, plan.Update,
			directory.GroupSpec{Name: "staff", Description: "New"}, "New", ""},
		{"create finds an unmarked group", ad.Group{Name: "staff", Description: "Old"}, plan.Create,
			directory.GroupSpec{Name: "staff", Description: "New"}, "New", ad.OriginTemplate},
		{"create finds a group made through possed", ad.Group{Name: "staff", Description: "Old", Origin: ad.OriginAPI}, plan.Create,
			directory.GroupSpec{Name: "staff", Description: "New"}, "New", ad.OriginAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBox(t)
			b.dir.SeedGroup(tt.seed)
			tt.spec.Conn = ad.ConnSpec{Realm: "AD.EXAMPLE.COM", FQDN: "dc.ad.example.com", AdminSecret: "domain_admin"}
			st := plan.NewStep(directory.Name, tt.action, directory.KindGroup, "group "+tt.spec.Name, "", tt.spec)
			if err := b.svc.Execute(ctx, st, b.env); err != nil {
				t.Fatal(err)
			}
			gs, _ := b.dir.Groups(ctx)
			for _, g := range gs {
				if g.Name == "staff" && (g.Description != tt.desc || g.Origin != tt.origin) {
					t.Errorf("staff = %q %q, want %q %q", g.Description, g.Origin, tt.desc, tt.origin)
				}
			}
		})
	}
}
