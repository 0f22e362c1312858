// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
)

func stepLines(steps []plan.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = string(s.Action) + " " + s.Kind + " " + s.Target
	}
	return out
}

func (b *fakeBox) plan() []plan.Step {
	b.t.Helper()
	steps, _, err := b.svc.Plan(context.Background(), testSite(), b.env)
	if err != nil {
		b.t.Fatalf("plan: %v", err)
	}
	return steps
}

func (b *fakeBox) apply(steps []plan.Step) error {
	_, err := apply.Apply(context.Background(), &plan.Plan{Version: 1, Steps: steps}, b.env, map[string]apply.Executor{Name: b.svc}, nil)
	return err
}

func TestPlanFreshBox(t *testing.T) {
	for _, tc := range []struct {
		r      release
		golden string
	}{{bookworm, "plan-fresh.txt"}, {trixie, "plan-fresh-trixie.txt"}} {
		t.Run(tc.r.name, func(t *testing.T) { testPlanFreshBox(t, tc.r, tc.golden) })
	}
}

func testPlanFreshBox(t *testing.T, r release, goldenFile string) {
	b := newFakeBoxOn(t, r)
	steps := b.plan()
	want := []string{
		"create mail.vmail user vmail",
		"create mail.account CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example",
		"update file /etc/postfix/main.cf",
		"create file /etc/postfix/master.cf",
		"create file /etc/postfix/posse-aliases",
		"create file /etc/dovecot/dovecot.conf",
		"create file /etc/dovecot/sieve/spam-to-junk.sieve",
		"create file /etc/dovecot/sieve/learn-spam.sieve",
		"create file /etc/dovecot/sieve/learn-ham.sieve",
		"create file /etc/dovecot/sieve-pipe/rspamd-learn-spam.sh",
		"create file /etc/dovecot/sieve-pipe/rspamd-learn-ham.sh",
		"create mail.tls-file /etc/postfix/posse-ca.crt",
		"create mail.tls-file /etc/postfix/posse-server.crt",
		"create mail.tls-file /etc/postfix/posse-server.key",
		"create mail.tls-file /etc/dovecot/posse-ca.crt",
		"create mail.tls-file /etc/dovecot/posse-server.crt",
		"create mail.tls-file /etc/dovecot/posse-server.key",
		"create mail.secret-file /etc/postfix/posse-ldap-mailboxes.cf",
		"create mail.secret-file /etc/postfix/posse-ldap-aliases.cf",
		"create mail.secret-file /etc/postfix/posse-ldap-senders.cf",
		"create mail.secret-file /etc/dovecot/posse-ldap.conf.ext",
		"create dir /var/vmail",
		"create mail.dkim-key /var/lib/rspamd/dkim/mueller-partner.example.posse.key",
		"create file /etc/rspamd/local.d/dkim_signing.conf",
		"create file /etc/rspamd/local.d/worker-proxy.inc",
		"create file /etc/rspamd/local.d/greylist.conf",
		"create file /etc/rspamd/local.d/fuzzy_check.conf",
		"create file /etc/rspamd/local.d/classifier-bayes.conf",
		"run check rspamadm configtest",
		"run check postfix check",
		"run check doveconf -n",
		"run check sievec /etc/dovecot/sieve/spam-to-junk.sieve",
		"reload unit rspamd.service",
		"restart unit " + postfixInstance(b.env),
		"restart unit dovecot.service",
		"run probe mail",
	}
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var buf bytes.Buffer
	if err := plan.WriteText(&buf, &plan.Plan{Version: 1, Site: "test", Steps: steps}); err != nil {
		t.Fatal(err)
	}
	golden(t, goldenFile, buf.String())
}

func TestApplyConvergesAndReapplyChangesNothing(t *testing.T) {
	for _, r := range []release{bookworm, trixie} {
		t.Run(r.name, func(t *testing.T) { testApplyConverges(t, r) })
	}
}

func testApplyConverges(t *testing.T, r release) {
	b := newFakeBoxOn(t, r)
	if err := b.apply(b.plan()); err != nil {
		t.Fatalf("apply: %v", err)
	}
	// Rspamd (running since the package started it) reloads first: its
	// proxy worker then listens for Postfix.
	wantCalls := []string{"reload rspamd.service", "restart " + postfixInstance(b.env), "restart dovecot.service"}
	if got := b.units.Calls(); !slices.Equal(got, wantCalls) {
		t.Errorf("systemd calls %q, want %q", got, wantCalls)
	}
	if got := b.run.Argvs(); !slices.Contains(got, "groupadd --system --gid 5000 vmail") || !slices.Contains(got, "postfix check") || !slices.Contains(got, "doveconf -n") || !slices.Contains(got, "rspamadm configtest") {
		t.Errorf("commands %q lack groupadd, postfix check, doveconf -n or rspamadm configtest", got)
	}
	pw, err := ReadPassword(b.env)
	if err != nil {
		t.Fatal(err)
	}
	if b.dir.password != pw || len(b.dir.ensured) != 1 || b.dir.ensured[0].Conn.AdminSecret != "domain_admin" || b.dir.ensured[0].Username != ServiceAccount {
		t.Errorf("directory account: %+v", b.dir.ensured)
	}
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{{LDAPMailboxesPath, 0o640}, {LDAPAliasesPath, 0o640}, {LDAPSendersPath, 0o640}, {DovecotLDAPPath, 0o600}, {"/var/lib/posse/secrets/mail-ldap.pw", 0o600}} {
		fi, err := os.Stat(b.env.Path(f.path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != f.mode {
			t.Errorf("%s mode %o, want %o", f.path, fi.Mode().Perm(), f.mode)
		}
		data, _ := os.ReadFile(b.env.Path(f.path))
		if !strings.Contains(string(data), pw) || strings.Contains(string(data), passwordPlaceholder) {
			t.Errorf("%s does not hold the password in place of the placeholder", f.path)
		}
	}
	for _, cp := range tlsCopies {
		want, _ := os.ReadFile(b.env.Path("/var/lib/posse/tls/" + cp.source))
		got, _ := os.ReadFile(b.env.Path(cp.path))
		fi, err := os.Stat(b.env.Path(cp.path))
		if err != nil || !bytes.Equal(got, want) || uint32(fi.Mode().Perm()) != cp.mode {
			t.Errorf("%s is not a mode %o copy of %s: %v", cp.path, cp.mode, cp.source, err)
		}
	}
	if fi, err := os.Stat(b.env.Path(VmailDir)); err != nil || fi.Mode().Perm() != 0o770 {
		t.Errorf("%s: %v %v", VmailDir, fi, err)
	}
	if again := b.plan(); len(again) != 0 {
		t.Errorf("second plan is not empty:\n%s", strings.Join(stepLines(again), "\n"))
	}
	if err := b.apply(nil); err != nil {
		t.Fatal(err)
	}
	if got := b.units.Calls(); len(got) != len(wantCalls) {
		t.Errorf("re-apply touched units: %q", got[len(wantCalls):])
	}
}

func TestPlanNeverHoldsThePassword(t *testing.T) {
	for _, tc := range []struct {
		r       release
		setting string
	}{{bookworm, "dnpass = "}, {trixie, "ldap_auth_dn_password = "}} {
		t.Run(tc.r.name, func(t *testing.T) { testPlanNeverHoldsThePassword(t, tc.r, tc.setting) })
	}
}

func testPlanNeverHoldsThePassword(t *testing.T, r release, setting string) {
	b := newFakeBoxOn(t, r)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	pw, _ := ReadPassword(b.env)
	// Rotate the password on the box: every secret file must be rewritten.
	os.Remove(b.env.State(PasswordFile))
	steps := b.plan()
	if len(steps) == 0 || steps[0].Kind != KindAccount {
		t.Fatalf("no account step after the password file vanished: %q", stepLines(steps))
	}
	var js, txt bytes.Buffer
	p := &plan.Plan{Version: 1, Steps: steps}
	plan.WriteJSON(&js, p)
	plan.WriteText(&txt, p)
	for _, out := range []string{js.String(), txt.String()} {
		if strings.Contains(out, pw) {
			t.Fatal("the plan holds the service account's password")
		}
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	npw, _ := ReadPassword(b.env)
	if npw == pw || b.dir.password != npw {
		t.Error("the password was not rotated in the directory")
	}
	if data, _ := os.ReadFile(b.env.Path(DovecotLDAPPath)); !strings.Contains(string(data), "\n"+setting+npw+"\n") {
		t.Error("dovecot's LDAP file does not hold the new password")
	}
	if data, _ := os.ReadFile(b.env.Path(DovecotConfPath)); strings.Contains(string(data), npw) || strings.Contains(string(data), pw) {
		t.Error("dovecot.conf, which everybody may read, holds the password")
	}
}

func TestPlanRepairsAccountOnly(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	b.dir.password = "someone-reset-it"
	want := []string{"update mail.account CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example", "run probe mail"}
	steps := b.plan()
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	if !strings.Contains(steps[0].Summary, "refuses the stored password") {
		t.Errorf("summary %q does not say why", steps[0].Summary)
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if pw, _ := ReadPassword(b.env); b.dir.password != pw {
		t.Error("the directory did not get the stored password back")
	}
}

func TestFailedCheckReloadsNothingAndRestoresSecretFiles(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, p := range []string{MainCfPath, LDAPMailboxesPath, LDAPAliasesPath} {
		before[p], _ = os.ReadFile(b.env.Path(p))
	}
	calls := len(b.units.Calls())
	st := testSite()
	st.Mail.Domains = append(st.Mail.Domains, "mp.example")
	steps, _, err := b.svc.Plan(context.Background(), st, b.env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(steps, func(s plan.Step) bool { return s.Target == LDAPAliasesPath }) {
		t.Fatalf("a new domain does not change the LDAP maps: %q", stepLines(steps))
	}
	b.run.On([]string{"postfix", "check"}, host.Result{ExitCode: 1, Stderr: []byte("postfix: fatal: bad main.cf")})
	err = b.apply(steps)
	if err == nil || !strings.Contains(err.Error(), "bad main.cf") {
		t.Fatalf("apply with a failing checker: %v", err)
	}
	for _, c := range b.units.Calls()[calls:] {
		if strings.HasPrefix(c, "reload") {
			t.Errorf("a failed check still reloaded: %s", c)
		}
	}
	for p, want := range before {
		if got, _ := os.ReadFile(b.env.Path(p)); !bytes.Equal(got, want) {
			t.Errorf("%s was not restored after the failed check", p)
		}
	}
}

func TestPlanReloadsOnlyWhatChanged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(st *siteMod)
		want   []string
	}{
		{"alias", func(m *siteMod) { m.aliasTo = "bschmidt" }, []string{"update file /etc/postfix/posse-aliases", "run check postfix check", "run check doveconf -n", "reload unit postfix.service", "run probe mail"}},
		{"quota", func(m *siteMod) { m.quota = 100 }, []string{"update file /etc/dovecot/dovecot.conf", "run check postfix check", "run check doveconf -n", "reload unit dovecot.service", "run probe mail"}},
		{"quota off: listeners change", func(m *siteMod) { m.quota = -1 }, []string{"update file /etc/postfix/main.cf", "update file /etc/dovecot/dovecot.conf", "run check postfix check", "run check doveconf -n", "reload unit postfix.service", "restart unit dovecot.service", "run probe mail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFakeBox(t)
			if err := b.apply(b.plan()); err != nil {
				t.Fatal(err)
			}
			st := testSite()
			var m siteMod
			tc.change(&m)
			if m.aliasTo != "" {
				st.Mail.Aliases[0].To = []string{m.aliasTo}
			}
			if m.quota > 0 {
				st.Mail.MailboxQuotaMB = m.quota
			} else if m.quota < 0 {
				st.Mail.MailboxQuotaMB = 0
			}
			steps, _, err := b.svc.Plan(context.Background(), st, b.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := stepLines(steps); !slices.Equal(got, tc.want) {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

type siteMod struct {
	aliasTo string
	quota   int
}

func TestPlanOffline(t *testing.T) {
	b := newFakeBox(t)
	b.env.Offline, b.env.Units, b.env.Runner = true, nil, nil
	steps, notes, err := b.svc.Plan(context.Background(), testSite(), b.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Kind != plan.KindFile && s.Kind != plan.KindDir {
			t.Errorf("offline plan has a %s step", s.Kind)
		}
	}
	if len(steps) != 15 || len(notes) != 1 || !strings.Contains(notes[0].Message, "password") {
		t.Errorf("offline: %q, notes %+v", stepLines(steps), notes)
	}
}

func TestPlanWithoutMailSection(t *testing.T) {
	b := newFakeBox(t)
	st := testSite()
	st.Mail = nil
	steps, notes, err := b.svc.Plan(context.Background(), st, b.env)
	if err != nil || len(steps) != 0 || len(notes) != 0 {
		t.Errorf("no mail section: %q %v %v", stepLines(steps), notes, err)
	}
}

func TestAccountFailureStopsApply(t *testing.T) {
	b := newFakeBox(t)
	b.dir.fail = errors.New("binding to the directory as administrator: wrong password")
	err := b.apply(b.plan())
	if err == nil || !strings.Contains(err.Error(), "wrong password") {
		t.Fatalf("apply: %v", err)
	}
	if calls := b.units.Calls(); len(calls) != 0 {
		t.Errorf("units touched after the account failed: %q", calls)
	}
	if _, err := os.Stat(b.env.Path(DovecotConfPath)); !os.IsNotExist(err) {
		t.Errorf("dovecot.conf written although the account step failed first: %v", err)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	b := newFakeBox(t)
	for _, s := range b.plan() {
		if s.Kind == KindSecretFile {
			var spec plan.FileSpec
			if err := json.Unmarshal(s.Spec, &spec); err != nil || !strings.Contains(spec.Content, passwordPlaceholder) || !spec.Secret {
				t.Errorf("%s: spec %+v %v", s.Target, spec, err)
			}
		}
	}
}

func TestRenewedCertificateReloadsBoth(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	// The directory renews the server certificate (new key, new SANs).
	tlsDir := b.env.Path("/var/lib/posse/tls")
	os.Remove(filepath.Join(tlsDir, "server.crt"))
	if _, err := ad.EnsureTLS(tlsDir, ad.TLSNames{Hostname: "dc", FQDN: "dc.ad.mueller-partner.example", IPs: []string{"10.0.0.9"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	steps := b.plan()
	want := []string{
		"update mail.tls-file /etc/postfix/posse-server.crt",
		"update mail.tls-file /etc/postfix/posse-server.key",
		"update mail.tls-file /etc/dovecot/posse-server.crt",
		"update mail.tls-file /etc/dovecot/posse-server.key",
		"run check postfix check", "run check doveconf -n",
		"reload unit postfix.service", "reload unit dovecot.service", "run probe mail",
	}
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	key, _ := os.ReadFile(filepath.Join(tlsDir, "server.key"))
	var txt bytes.Buffer
	plan.WriteText(&txt, &plan.Plan{Version: 1, Steps: steps})
	if strings.Contains(txt.String(), "PRIVATE KEY") || strings.Contains(txt.String(), string(key[30:60])) {
		t.Error("the plan shows the private key")
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b.env.Path(DovecotKeyPath)); !bytes.Equal(got, key) {
		t.Error("dovecot's key is not the renewed one")
	}
}

// TestUpgradedBoxStopsTheOldPostfixInstance: after the upgrade from Debian
// 12, Postfix's master still runs in postfix@-, which Debian 13's
// postfix.service conflicts with; the plan stops it before starting the
// master in postfix.service, and then has nothing more to do.
func TestUpgradedBoxStopsTheOldPostfixInstance(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	b.units.Add(PostfixInstance, true, false)
	steps := b.plan()
	want := []string{"run unit " + PostfixInstance, "restart unit " + PostfixUnit, "run probe mail"}
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.units.Status(context.Background(), PostfixInstance); st.ActiveState == "active" {
		t.Error("postfix@- still runs")
	}
	if again := b.plan(); len(again) != 0 {
		t.Errorf("second plan: %q", stepLines(again))
	}
}
