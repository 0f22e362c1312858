// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		pw, err := GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != passwordLen || !validPassword(pw) || !strings.ContainsAny(pw, pwDigits) || !strings.ContainsAny(pw, pwUpper) || !strings.ContainsAny(pw, pwLower) {
			t.Fatalf("password %d is not 32 letters and digits of all three classes", i)
		}
		if seen[pw] {
			t.Fatal("repeated password")
		}
		seen[pw] = true
	}
}

func TestPasswordFile(t *testing.T) {
	env := &host.Env{Root: t.TempDir()}
	if _, err := ReadPassword(env); err != errNoPassword {
		t.Fatalf("missing file: %v", err)
	}
	pw, created, err := EnsurePassword(env)
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	again, created, err := EnsurePassword(env)
	if err != nil || created || again != pw {
		t.Fatalf("second: created %v, same %v, %v", created, again == pw, err)
	}
	p := env.State(PasswordFile)
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"readable by others", pw + "\n", 0o644, "mode 0600"},
		{"not generated", "pass word\n", 0o600, "does not hold a password Posse generated"},
		{"injection", pw + "\nbind_dn = x\n", 0o600, "does not hold a password Posse generated"},
	} {
		os.WriteFile(p, []byte(tc.content), tc.mode)
		os.Chmod(p, tc.mode)
		_, err := ReadPassword(env)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("%s: the error holds the password", tc.name)
		}
	}
	if fi, _ := os.Stat(filepath.Dir(p)); fi.Mode().Perm() != 0o700 {
		t.Errorf("secrets directory mode %o", fi.Mode().Perm())
	}
}

func TestNewConfigRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mod     func(s *site.Site, env *host.Env)
		wantErr string
	}{
		{"no mail section", func(s *site.Site, _ *host.Env) { s.Mail = nil }, "no mail section"},
		{"bad host name", func(_ *site.Site, env *host.Env) { env.Hostname = "a_b" }, "host name"},
		{"host name with newline", func(_ *site.Site, env *host.Env) { env.Hostname = "dc\nrelayhost" }, "host name"},
		{"reserved user", func(s *site.Site, _ *host.Env) { s.Users = append(s.Users, site.User{Username: ServiceAccount}) }, "reserved"},
		{"no domains", func(s *site.Site, _ *host.Env) { s.Mail.Domains = nil }, "mail.domains is empty"},
		{"domain injection", func(s *site.Site, _ *host.Env) { s.Mail.Domains = []string{"a.example\nrelayhost = evil"} }, "not a valid DNS name"},
		{"negative quota", func(s *site.Site, _ *host.Env) { s.Mail.MailboxQuotaMB = -1 }, "out of range"},
		{"alias with space", func(s *site.Site, _ *host.Env) { s.Mail.Aliases[0].Address = "in fo@mueller-partner.example" }, "not a valid mail address"},
		{"alias starting a comment", func(s *site.Site, _ *host.Env) { s.Mail.Aliases[0].Address = "#info@mueller-partner.example" }, "not a valid mail address"},
		{"alias target injection", func(s *site.Site, _ *host.Env) {
			s.Mail.Aliases[0].To = []string{"x@a.example\nvirtual_transport = evil"}
		}, "not a valid mail address"},
		{"alias to nobody", func(s *site.Site, _ *host.Env) { s.Mail.Aliases[0].To = []string{"nosuchuser"} }, "delivers to nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, env := testSite(), &host.Env{Hostname: "dc"}
			tc.mod(s, env)
			_, err := NewConfig(s, env)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestFiltersEscapeLiterals(t *testing.T) {
	// The only literal in a filter is the service account's name; Postfix
	// and Dovecot escape %s and %u themselves. Every filter must balance.
	for _, f := range []string{MailboxFilter, AliasFilter, SenderFilter, PassFilter(Dovecot23), UserFilter(Dovecot23), PassFilter(Dovecot24), UserFilter(Dovecot24), IterateFilter()} {
		if strings.Count(f, "(") != strings.Count(f, ")") || !strings.HasPrefix(f, "(&") {
			t.Errorf("unbalanced filter %s", f)
		}
		if strings.Contains(f, "\n") {
			t.Errorf("filter spans lines: %q", f)
		}
	}
	if !strings.Contains(PassFilter(Dovecot24), "(!(sAMAccountName=posse-mail))") {
		t.Error("the service account can log in")
	}
}

func TestListenerSettings(t *testing.T) {
	for _, f := range []DovecotFormat{Dovecot23, Dovecot24} {
		t.Run(string(f), func(t *testing.T) { testListenerSettings(t, f) })
	}
	// A file of the other format (a box upgraded from Debian 12 to 13)
	// needs a restart even though its listeners read the same.
	env := &host.Env{Root: t.TempDir()}
	os.MkdirAll(env.Path("/etc/dovecot"), 0o755)
	os.WriteFile(env.Path(DovecotConfPath), []byte(RenderDovecotConf(testConfigFor(t, Dovecot23))), 0o644)
	if !needsRestart(env, RenderDovecotConf(testConfigFor(t, Dovecot24))) {
		t.Error("a 2.3 dovecot.conf replaced by a 2.4 one: must restart")
	}
}

func testListenerSettings(t *testing.T, f DovecotFormat) {
	c := testConfigFor(t, f)
	base := RenderDovecotConf(c)
	quota := "storage=2048M"
	if f == Dovecot24 {
		quota = "quota_storage_size = 2048M"
	}
	for _, tc := range []struct {
		name string
		edit func(string) string
		want bool
	}{
		{"same", func(s string) string { return s }, false},
		{"quota size", func(s string) string { return strings.Replace(s, quota, strings.Replace(quota, "2048", "10", 1), 1) }, false},
		{"ssl setting", func(s string) string {
			return strings.Replace(s, "ssl_min_protocol = TLSv1.2", "ssl_min_protocol = TLSv1.3", 1)
		}, false},
		{"imap port", func(s string) string { return strings.Replace(s, "port = 143", "port = 1143", 1) }, true},
		{"protocols", func(s string) string {
			return strings.Replace(s, "protocols = imap lmtp", "protocols = imap lmtp pop3", 1)
		}, true},
		{"socket mode", func(s string) string { return strings.Replace(s, "mode = 0660", "mode = 0666", 1) }, true},
	} {
		if got := listenerSettings(tc.edit(base)) != listenerSettings(base); got != tc.want {
			t.Errorf("%s: restart %v, want %v", tc.name, got, tc.want)
		}
	}
	env := &host.Env{Root: t.TempDir()}
	os.MkdirAll(env.Path("/etc/dovecot"), 0o755)
	if !needsRestart(env, base) {
		t.Error("no dovecot.conf yet: must restart")
	}
	os.WriteFile(env.Path(DovecotConfPath), []byte("# Debian's\nprotocols = imap lmtp\n"), 0o644)
	if !needsRestart(env, base) {
		t.Error("a dovecot.conf Posse did not write: must restart")
	}
	os.WriteFile(env.Path(DovecotConfPath), []byte(base), 0o644)
	if needsRestart(env, strings.Replace(base, quota, strings.Replace(quota, "2048", "1", 1), 1)) {
		t.Error("a quota change restarts dovecot")
	}
}

func TestExportRoundTrip(t *testing.T) {
	for _, r := range []release{bookworm, trixie} {
		t.Run(r.name, func(t *testing.T) { testExportRoundTrip(t, r) })
	}
}

func testExportRoundTrip(t *testing.T, r release) {
	b := newFakeBoxOn(t, r)
	if m, err := Export(b.env); err != nil || m != nil {
		t.Fatalf("export before apply: %+v %v", m, err)
	}
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	m, err := Export(b.env)
	if err != nil {
		t.Fatal(err)
	}
	want := &site.Mail{Domains: []string{"mueller-partner.example"}, MailboxQuotaMB: 2048, Aliases: []site.Alias{
		{Address: "info@mueller-partner.example", To: []string{"anna.mueller@mueller-partner.example", "bschmidt@mueller-partner.example"}},
		{Address: "office@mueller-partner.example", To: []string{"bschmidt@mueller-partner.example", "anna.mueller@mueller-partner.example"}},
	}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("export\n%+v\nwant\n%+v", m, want)
	}
	// The export is a valid mail section: applying it gives the same aliases.
	s := testSite()
	s.Mail = m
	c, err := NewConfig(s, b.env)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b.env.Path(AliasesPath)); RenderAliases(c) != string(got) {
		t.Errorf("the exported aliases render differently:\n%s", RenderAliases(c))
	}
	// A selector of the site's own, and DKIM off, come back as written.
	off := false
	for _, d := range []*site.DKIM{{Selector: "posse2026"}, {Enabled: &off}} {
		s.Mail.DKIM = d
		if err := b.apply(planFor(t, b, s)); err != nil {
			t.Fatal(err)
		}
		m, err := Export(b.env)
		if err != nil || !reflect.DeepEqual(m.DKIM, d) {
			t.Errorf("exported DKIM %+v (%v), want %+v", m.DKIM, err, d)
		}
	}
	os.WriteFile(b.env.Path(AliasesPath), []byte(header+"evil@x.example a@b.example,\n"), 0o644)
	if _, err := Export(b.env); err == nil {
		t.Error("a damaged alias table exported")
	}
}

func TestRollbackRestoresSecretFiles(t *testing.T) {
	b := newFakeBox(t)
	if _, _, err := EnsurePassword(b.env); err != nil {
		t.Fatal(err)
	}
	old := []byte("old content\n")
	os.WriteFile(b.env.Path(LDAPMailboxesPath), old, 0o640)
	mbox := RenderLDAPMaps(testConfig(t))[LDAPMailboxesPath]
	var ran []plan.Step
	for _, spec := range []plan.FileSpec{
		{Path: LDAPMailboxesPath, Content: mbox, Mode: 0o640, Owner: "root", Group: "postfix"},
		{Path: DovecotLDAPPath, Content: RenderDovecotLDAP(testConfig(t)), Mode: 0o600, Owner: "root", Group: "root"},
	} {
		st := plan.NewStep(Name, plan.Update, KindSecretFile, spec.Path, "", spec)
		if err := b.svc.Execute(context.Background(), st, b.env); err != nil {
			t.Fatal(err)
		}
		ran = append([]plan.Step{st}, ran...)
	}
	if got, _ := os.ReadFile(b.env.Path(LDAPMailboxesPath)); string(got) == string(old) {
		t.Fatal("secret file not written")
	}
	if err := b.svc.Rollback(context.Background(), ran, b.env); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b.env.Path(LDAPMailboxesPath)); string(got) != string(old) {
		t.Errorf("not restored: %q", got)
	}
	if _, err := os.Stat(b.env.Path(DovecotLDAPPath)); !os.IsNotExist(err) {
		t.Errorf("created file not removed: %v", err)
	}
}

func TestExecuteRefusesForeignPaths(t *testing.T) {
	b := newFakeBox(t)
	EnsurePassword(b.env)
	for _, st := range []plan.Step{
		plan.NewStep(Name, plan.Create, KindSecretFile, "/etc/shadow", "", plan.FileSpec{Path: "/etc/shadow", Content: "x", Mode: 0o600}),
		plan.NewStep(Name, plan.Create, KindTLSFile, "/etc/passwd", "", TLSFileSpec{Path: "/etc/passwd", From: "/var/lib/posse/tls/ca.crt"}),
		plan.NewStep(Name, plan.Create, KindTLSFile, PostfixCAPath, "", TLSFileSpec{Path: PostfixCAPath, From: "/var/lib/posse/tls/ca.key"}),
		plan.NewStep(Name, plan.Create, KindTLSFile, PostfixCertPath, "", TLSFileSpec{Path: PostfixCertPath, From: "/var/lib/posse/tls/server.key"}),
		plan.NewStep(Name, plan.Create, KindTLSFile, DovecotCAPath, "", TLSFileSpec{Path: DovecotCAPath, From: "/etc/shadow/../ca.crt"}),
		plan.NewStep(Name, plan.Create, KindVmail, "user root", "", VmailSpec{User: "root", ID: 0, Home: "/"}),
		plan.NewStep(Name, plan.Run, "mail.unknown", "x", "", nil),
	} {
		if err := b.svc.Execute(context.Background(), st, b.env); err == nil {
			t.Errorf("%s %s accepted", st.Kind, st.Target)
		}
	}
}

func TestPlanNamesMissingPackages(t *testing.T) {
	b := newFakeBox(t)
	os.Remove(b.env.Path("/usr/lib/postfix/postfix-ldap.so"))
	os.Remove(b.env.Path("/usr/lib/dovecot/lmtp"))
	_, _, err := b.svc.Plan(context.Background(), testSite(), b.env)
	if err == nil || !strings.Contains(err.Error(), "apt-get install postfix-ldap dovecot-lmtpd") {
		t.Errorf("err %v", err)
	}
}
