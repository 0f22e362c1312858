// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/ad/adtest"
)

const testSite = `version: 1
site:
  name: "Test Office"
  domain: example.com
  workgroup: EXAMPLE
directory:
  admin_password: ${secret:domain_admin}
  password_policy: {min_length: 12, complexity: true, max_age_days: 0}
groups:
  - name: staff
users:
  - username: carla
    password: ${secret:carla}
shares:
  - name: Data
    read: [staff]
mail:
  domains: [example.com]
  aliases:
    - address: info@example.com
      to: [carla]
`

// newBox returns a Box on a temp root; with applied, a site was applied.
func newBox(t *testing.T, applied bool) (*Box, *adtest.Fake) {
	t.Helper()
	root := t.TempDir()
	fake := adtest.New()
	var gotConn ad.ConnSpec
	b := &Box{Root: root, Hostname: "dc1", OpenDirectory: func(_ context.Context, env *host.Env, c ad.ConnSpec) (ad.Directory, error) {
		gotConn = c
		if pw, ok := env.Secrets.Lookup(c.AdminSecret); !ok || pw != "Admin-Passw0rd!" {
			return nil, errors.New("wrong admin password")
		}
		return fake, nil
	}}
	t.Cleanup(func() {
		if gotConn.AdminSecret != "" && (gotConn.Realm != "AD.EXAMPLE.COM" || gotConn.FQDN != "dc1.ad.example.com") {
			t.Errorf("directory conn = %+v", gotConn)
		}
	})
	if applied {
		state := filepath.Join(root, host.DefaultStateDir)
		if err := os.MkdirAll(state, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(state, "site.yaml"), []byte(testSite), 0o600)
		os.WriteFile(filepath.Join(state, "secrets.yaml"), []byte("domain_admin: \"Admin-Passw0rd!\"\n"), 0o600)
	}
	return b, fake
}

func TestUsersThroughTheDirectory(t *testing.T) {
	b, fake := newBox(t, true)
	ctx := context.Background()
	fake.SeedGroup(ad.Group{Name: "staff"})
	if err := b.CreateUser(ctx, api.User{Username: "anna", GivenName: "Anna", Groups: []string{"staff"}}, "Sommer-2026-ok", true); err != nil {
		t.Fatal(err)
	}
	u, err := b.User(ctx, "anna")
	if err != nil || u.Email != "anna@example.com" || len(u.Groups) != 1 || u.Groups[0] != "staff" {
		t.Errorf("User(anna) = %+v, %v", u, err)
	}
	if pw, _, _ := fake.Password("anna"); pw != "Sommer-2026-ok" {
		t.Error("password not set in the directory")
	}
	if du, _, _ := fake.User(ctx, "anna"); du.Origin != ad.OriginAPI {
		t.Errorf("a user created through possed is marked %q, want %q (prune must never delete it)", du.Origin, ad.OriginAPI)
	}
	gs, err := b.Groups(ctx)
	if err != nil || len(gs) != 1 || len(gs[0].Members) != 1 || gs[0].Members[0] != "anna" {
		t.Errorf("Groups() = %+v, %v", gs, err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"too short for the site policy", b.SetPassword(ctx, "anna", "Short1!", false), daemon.ErrInvalid},
		{"exists", b.CreateUser(ctx, api.User{Username: "anna"}, "Sommer-2026-ok", true), daemon.ErrInvalid},
		{"unknown user", b.SetPassword(ctx, "nobody1", "Sommer-2026-ok", false), daemon.ErrNotFound},
		{"delete unknown", b.DeleteUser(ctx, "nobody1"), daemon.ErrNotFound},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if err := b.SetDisabled(ctx, "anna", true); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.User(ctx, "anna"); !u.Disabled {
		t.Error("not disabled")
	}
	list, err := b.Users(ctx, "ANN")
	if err != nil || len(list) != 1 {
		t.Errorf("Users(ANN) = %+v, %v", list, err)
	}
	fake.SeedUser(ad.User{Username: "posse-mail", Managed: true}, "Service-2026-pw") // the mail service's account
	if list, err := b.Users(ctx, ""); err != nil || len(list) != 1 || list[0].Username != "anna" {
		t.Errorf("Users() lists a service account: %+v, %v", list, err)
	}
	if err := b.DeleteUser(ctx, "anna"); err != nil {
		t.Fatal(err)
	}
	res, err := b.ImportUsers(ctx, []byte("username,given_name\nbob,Bob\nbad name,X\n"), false)
	if err != nil || len(res.Created) != 1 || len(res.Passwords) != 1 || !strings.HasPrefix(res.Passwords[0], "bob,") || len(res.Problems) != 1 {
		t.Errorf("ImportUsers = %+v, %v", res, err)
	}
	if du, _, _ := fake.User(ctx, "bob"); du.Origin != ad.OriginAPI {
		t.Errorf("an imported user is marked %q, want %q", du.Origin, ad.OriginAPI)
	}
}

func TestWithoutAppliedSite(t *testing.T) {
	b, _ := newBox(t, false)
	ctx := context.Background()
	st, err := b.Status(ctx)
	if err != nil || st.Hostname != "dc1" || st.Site != "" {
		t.Errorf("Status() = %+v, %v", st, err)
	}
	_, err = b.Users(ctx, "")
	if !errors.Is(err, daemon.ErrNotAvailable) || !strings.Contains(err.Error(), "no site has been applied") {
		t.Errorf("Users() error = %v", err)
	}
	if _, err := b.Export(ctx); !errors.Is(err, daemon.ErrNotAvailable) {
		t.Errorf("Export() error = %v", err)
	}
}

func TestSiteReads(t *testing.T) {
	b, _ := newBox(t, true)
	ctx := context.Background()
	st, err := b.Status(ctx)
	if err != nil || st.Site != "Test Office" || st.TemplateHash == "" || len(st.Services) != 3 || st.Services[0].State != "unknown" {
		t.Errorf("Status() = %+v, %v", st, err)
	}
	sh, err := b.Shares(ctx)
	if err != nil || len(sh) != 1 || sh[0].Path != "/srv/posse/shares/data" {
		t.Errorf("Shares() = %+v, %v", sh, err)
	}
	al, err := b.Aliases(ctx)
	if err != nil || len(al) != 1 || al[0].To[0] != "carla" {
		t.Errorf("Aliases() = %+v, %v", al, err)
	}
	exp, err := b.Export(ctx)
	if err != nil {
		t.Fatalf("Export() error = %v", err)
	}
	back, err := site.Parse("export.yaml", exp)
	if err != nil || back.Site.Name != "Test Office" || strings.Contains(string(exp), "Admin-Passw0rd!") {
		t.Errorf("Export() = %q does not load back as the site without secrets: %v", exp, err)
	}
}

func TestValidate(t *testing.T) {
	b, _ := newBox(t, true)
	tests := []struct {
		name     string
		template string
		secrets  map[string]string
		want     string
	}{
		{"valid", testSite, nil, ""},
		{"bad domain", strings.Replace(testSite, "domain: example.com", "domain: Not A Domain", 1), nil, "site.domain"},
		{"weak secret", testSite, map[string]string{"domain_admin": "x"}, "directory.admin_password"},
		{"kept secrets are not used", testSite, map[string]string{"carla": "Valid-Passw0rd-1"}, "directory.admin_password"},
		{"all secrets given", testSite, map[string]string{"carla": "Valid-Passw0rd-1", "domain_admin": "Admin-Passw0rd!2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := b.Validate(context.Background(), []byte(tt.template), tt.secrets)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && len(ps) != 0 {
				t.Errorf("problems: %+v", ps)
			}
			if tt.want != "" && (len(ps) == 0 || ps[0].Path != tt.want || ps[0].Line == 0) {
				t.Errorf("problems = %+v, want one at %s", ps, tt.want)
			}
		})
	}
}

// fakeSystemd answers ListUnitsByNames from a map of ActiveStates.
type fakeSystemd struct{ states map[string]string }

func (f fakeSystemd) ListUnitsByNames(names []string) ([]unitInfo, *dbus.Error) {
	var out []unitInfo
	for _, n := range names {
		st, ok := f.states[n]
		load := "loaded"
		if !ok {
			st, load = "inactive", "not-found"
		}
		out = append(out, unitInfo{Name: n, LoadState: load, ActiveState: st, SubState: st, Path: "/org/freedesktop/systemd1/unit/x", JobPath: "/"})
	}
	return out, nil
}

func TestStatusAsksSystemd(t *testing.T) {
	addr := daemontest.StartBus(t)
	sd := daemontest.Connect(t, addr)
	if err := sd.Export(fakeSystemd{map[string]string{"samba-ad-dc.service": "active", "postfix@-.service": "failed"}}, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager"); err != nil {
		t.Fatal(err)
	}
	if r, err := sd.RequestName("org.freedesktop.systemd1", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatal(r, err)
	}
	b, _ := newBox(t, true)
	b.Bus = daemontest.Connect(t, addr)
	st, err := b.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		unit, state string
		healthy     bool
	}{{"samba-ad-dc.service", "active", true}, {"postfix@-.service", "failed", false}, {"dovecot.service", "inactive", false}}
	if len(st.Services) != len(want) {
		t.Fatalf("services = %+v", st.Services)
	}
	for i, w := range want {
		got := st.Services[i]
		if got.Unit != w.unit || got.State != w.state || got.Healthy != w.healthy || (!w.healthy && !strings.Contains(got.Detail, "journalctl -u "+w.unit)) {
			t.Errorf("service %d = %+v, want %+v", i, got, w)
		}
	}
	h, err := b.Health(context.Background(), "mail")
	if err != nil || len(h) != 2 || h[0].Healthy || h[1].Unit != "dovecot.service" {
		t.Errorf("Health(mail) = %+v, %v", h, err)
	}
	if _, err := b.Health(context.Background(), "printing"); !errors.Is(err, daemon.ErrNotFound) || !strings.Contains(err.Error(), "directory, mail") {
		t.Errorf("Health(printing) error = %v", err)
	}
}

// TestPlanChecksSecrets: a plan with a weak or missing password is not
// made: the result has the problems (typed, with their place in the
// template) and no steps, and never the value.
func TestPlanChecksSecrets(t *testing.T) {
	b, _ := newBox(t, false)
	for name, secrets := range map[string]map[string]string{
		"weak":    {"domain_admin": "weakpass", "carla": "Carla-Start-2026!"},
		"missing": {"domain_admin": "Admin-Passw0rd!-long"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := b.Plan(context.Background(), []byte(testSite), secrets)
			if err != nil || len(p.Problems) == 0 || len(p.Steps) != 0 {
				t.Fatalf("Plan() = %+v, %v; want problems and no steps", p, err)
			}
			for _, pr := range p.Problems {
				if pr.Line == 0 || pr.Message == "" {
					t.Errorf("problem without its place: %+v", pr)
				}
				if strings.Contains(pr.Message+pr.Hint, "weakpass") {
					t.Errorf("problem shows the password: %+v", pr)
				}
			}
		})
	}
}
