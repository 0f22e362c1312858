// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

const relayPW = "Relay-Secret-Value-2026"

// relaySite is testSite with a relay on port.
func relaySite(port int, user string) *site.Site {
	st := testSite()
	st.Mail.Relay = &site.Relay{Host: "smtp.provider.example", Port: port}
	if user != "" {
		st.Mail.Relay.Username, st.Mail.Relay.Password = user, site.NewSecretRef("mail_relay")
	}
	return st
}

// TestRenderRelay: STARTTLS on 587 and wrapper mode on 465, TLS required
// either way, SASL only with a login; the password table holds the
// reference, never a value.
func TestRenderRelay(t *testing.T) {
	for _, tc := range []struct {
		port          int
		user, wrapper string
	}{{587, "office@mueller-partner.example", ""}, {465, "office", "yes"}, {587, "", ""}} {
		c, err := NewConfig(relaySite(tc.port, tc.user), testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		m := parseMainCf(t, RenderMainCf(c))
		if m["relayhost"] != "[smtp.provider.example]:"+map[int]string{587: "587", 465: "465"}[tc.port] {
			t.Errorf("port %d: relayhost %q", tc.port, m["relayhost"])
		}
		if m["smtp_tls_security_level"] != "encrypt" || m["smtp_tls_wrappermode"] != tc.wrapper {
			t.Errorf("port %d: smtp_tls_security_level %q, smtp_tls_wrappermode %q", tc.port, m["smtp_tls_security_level"], m["smtp_tls_wrappermode"])
		}
		sasl := tc.user != ""
		if (m["smtp_sasl_auth_enable"] == "yes") != sasl || (m["smtp_sasl_password_maps"] == "texthash:"+RelayPasswordPath) != sasl ||
			(m["smtp_sasl_security_options"] == "noanonymous") != sasl {
			t.Errorf("port %d user %q: SASL settings %q %q %q", tc.port, tc.user, m["smtp_sasl_auth_enable"], m["smtp_sasl_password_maps"], m["smtp_sasl_security_options"])
		}
		if !sasl {
			continue
		}
		want := "[smtp.provider.example]:" + m["relayhost"][len("[smtp.provider.example]:"):] + " " + tc.user + ":${secret:mail_relay}\n"
		if got := RenderRelayPassword(c.Relay); !strings.HasPrefix(got, header) || !strings.HasSuffix(got, "\n"+want) {
			t.Errorf("password table:\n%s\nwant a line %q", got, want)
		}
	}
	// Without a relay nothing of it is rendered (main.cf's golden file
	// says the rest).
	m := parseMainCf(t, RenderMainCf(testConfig(t)))
	for _, k := range []string{"relayhost", "smtp_sasl_auth_enable", "smtp_tls_wrappermode"} {
		if _, ok := m[k]; ok {
			t.Errorf("main.cf without a relay sets %s", k)
		}
	}
}

// TestRelayConfigRefusesBadValues: values that passed no template check
// still cannot reach main.cf.
func TestRelayConfigRefusesBadValues(t *testing.T) {
	for _, r := range []site.Relay{
		{Host: "smtp.provider.example\nrelayhost = evil", Port: 587},
		{Host: "2001:db8::1", Port: 587},
		{Host: "smtp.provider.example", Port: 70000},
		{Host: "smtp.provider.example", Port: 587, Username: "a b", Password: site.NewSecretRef("x")},
		{Host: "smtp.provider.example", Port: 587, Username: "a", Password: "literal"},
		{Host: "smtp.provider.example", Port: 587, Username: "a"},
	} {
		st := testSite()
		st.Mail.Relay = &r
		if _, err := NewConfig(st, testEnv(t)); err == nil {
			t.Errorf("%+v: no error", r)
		}
	}
}

// relayBox is a fake box with the SASL modules and the relay's secret.
func relayBox(t *testing.T, r release) *fakeBox {
	b := newFakeBoxOn(t, r)
	lib := b.env.Path("/usr/lib/x86_64-linux-gnu/sasl2/libplain.so.2")
	os.MkdirAll(filepath.Dir(lib), 0o755)
	writeFile(t, lib, "")
	b.env.Secrets = hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!", "mail_relay": relayPW}
	return b
}

func (b *fakeBox) planSite(st *site.Site) []plan.Step {
	b.t.Helper()
	steps, _, err := b.svc.Plan(context.Background(), st, b.env)
	if err != nil {
		b.t.Fatalf("plan: %v", err)
	}
	return steps
}

// TestRelayApply: the password table is written root-only with the
// password, which no plan, main.cf or error holds; applying again changes
// nothing; a new password rewrites the table and reloads Postfix after
// postfix check; without the relay the table goes.
func TestRelayApply(t *testing.T) {
	for _, r := range []release{bookworm, trixie} {
		t.Run(r.name, func(t *testing.T) { testRelayApply(t, r) })
	}
}

func testRelayApply(t *testing.T, r release) {
	b := relayBox(t, r)
	st := relaySite(587, "office@mueller-partner.example")
	steps := b.planSite(st)
	noPassword := func(steps []plan.Step) {
		t.Helper()
		var js, txt bytes.Buffer
		p := &plan.Plan{Version: 1, Steps: steps}
		plan.WriteJSON(&js, p)
		plan.WriteText(&txt, p)
		if strings.Contains(js.String()+txt.String(), relayPW) {
			t.Fatal("the plan holds the relay password")
		}
		if !strings.Contains(txt.String(), RelayPasswordPath) {
			t.Fatalf("the plan does not write %s:\n%s", RelayPasswordPath, txt.String())
		}
	}
	noPassword(steps)
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(b.env.Path(RelayPasswordPath))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v, want mode 0600", RelayPasswordPath, fi, err)
	}
	data, _ := os.ReadFile(b.env.Path(RelayPasswordPath))
	if !strings.HasSuffix(string(data), "\n[smtp.provider.example]:587 office@mueller-partner.example:"+relayPW+"\n") {
		t.Errorf("password table:\n%s", data)
	}
	if main, _ := os.ReadFile(b.env.Path(MainCfPath)); strings.Contains(string(main), relayPW) || !strings.Contains(string(main), "relayhost = [smtp.provider.example]:587\n") {
		t.Errorf("main.cf:\n%s", main)
	}
	if again := b.planSite(st); len(again) != 0 {
		t.Errorf("second plan is not empty:\n%s", strings.Join(stepLines(again), "\n"))
	}

	// A new password: the table only, checked, then Postfix reloads.
	b.env.Secrets = hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!", "mail_relay": relayPW + "-new"}
	steps = b.planSite(st)
	want := []string{"update file " + RelayPasswordPath, "run check postfix check", "run check doveconf -n", "reload unit " + postfixInstance(b.env), "run mail.flush-queue mail queue", "run probe mail"}
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Errorf("steps after a new password:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	noPassword(steps)
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if got := b.run.Argvs(); !slices.Contains(got, "postqueue -f") {
		t.Errorf("commands %q lack postqueue -f", got)
	}
	if data, _ := os.ReadFile(b.env.Path(RelayPasswordPath)); !strings.Contains(string(data), ":"+relayPW+"-new\n") {
		t.Errorf("the table does not hold the new password")
	}

	// No relay: main.cf as before and the table is gone.
	steps = b.planSite(testSite())
	want = []string{"update file " + MainCfPath, "delete file " + RelayPasswordPath}
	if got := stepLines(steps); len(got) < 2 || !slices.Equal(got[:2], want) {
		t.Errorf("steps without the relay:\n%s", strings.Join(got, "\n"))
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.env.Path(RelayPasswordPath)); !os.IsNotExist(err) {
		t.Errorf("%s after the relay went: %v", RelayPasswordPath, err)
	}
	main, _ := os.ReadFile(b.env.Path(MainCfPath))
	if string(main) != RenderMainCf(testConfig(t)) {
		t.Error("main.cf without the relay differs from a site that never had one")
	}
}

// TestRelayNeedsSASLModules: a login needs Cyrus SASL's PLAIN module.
func TestRelayNeedsSASLModules(t *testing.T) {
	b := newFakeBox(t)
	b.env.Secrets = hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!", "mail_relay": relayPW}
	if _, _, err := b.svc.Plan(context.Background(), relaySite(587, "office"), b.env); err == nil || !strings.Contains(err.Error(), "libsasl2-modules") {
		t.Errorf("plan without libsasl2-modules: %v", err)
	}
	if _, _, err := b.svc.Plan(context.Background(), relaySite(587, ""), b.env); err != nil {
		t.Errorf("a relay without a login needs no SASL modules: %v", err)
	}
}

// saslDeferred is a postqueue -j line of a message the relay refused to
// take because the login failed, and an older one deferred for another
// reason.
const saslDeferred = `{"queue_name": "deferred", "queue_id": "OLD1", "arrival_time": 1700000000, "recipients": [{"address": "a@outside.example", "delay_reason": "connect to 192.0.2.7[192.0.2.7]:587: Connection refused"}]}
{"queue_name": "deferred", "queue_id": "NEW2", "arrival_time": 1700000100, "recipients": [{"address": "b@outside.example", "delay_reason": "SASL authentication failed; server 192.0.2.7[192.0.2.7] said: 535 5.7.8 Error: authentication failed:\nUGFzc3dvcmQ6"}]}
{"queue_name": "active", "queue_id": "ACT3", "arrival_time": 1700000200, "recipients": [{"address": "c@outside.example"}]}
`

// TestQueueDeferReason: the newest deferred message's reason, on one line.
func TestQueueDeferReason(t *testing.T) {
	r, err := ParseQueue([]byte(saslDeferred))
	if err != nil {
		t.Fatal(err)
	}
	want := "SASL authentication failed; server 192.0.2.7[192.0.2.7] said: 535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6"
	if r.QueueSize != 3 || r.Deferred != 2 || r.DeferReason != want {
		t.Errorf("report %+v", r)
	}
	if r, _ := ParseQueue([]byte(`{"queue_name": "deferred", "queue_id": "X", "recipients": [{"delay_reason": "` + strings.Repeat("x", 400) + `"}]}`)); len(r.DeferReason) > maxReasonLen+len("…") {
		t.Errorf("a long reason is not cut: %d bytes", len(r.DeferReason))
	}
	if r, _ := ParseQueue([]byte(`{"queue_name": "active", "queue_id": "X", "recipients": [{"delay_reason": "x"}]}`)); r.DeferReason != "" {
		t.Errorf("a message not deferred gave the reason %q", r.DeferReason)
	}
}

// TestHealthSaysTheRelayRefusedTheLogin: status names the relay and why
// mail waits.
func TestHealthSaysTheRelayRefusedTheLogin(t *testing.T) {
	b := relayBox(t, trixie)
	st := relaySite(587, "office")
	if err := b.apply(b.planSite(st)); err != nil {
		t.Fatal(err)
	}
	b.run.On([]string{"postqueue", "-j"}, host.Result{Stdout: []byte(saslDeferred)})
	got, err := b.svc.Health(context.Background(), st, b.env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "queue 3 (2 deferred); relay [smtp.provider.example]:587; deferred: relay refused login: SASL authentication failed; server 192.0.2.7[192.0.2.7] said: 535 5.7.8") {
		t.Errorf("health %q", got)
	}
	if strings.Contains(got, relayPW) {
		t.Error("health holds the password")
	}
}

// TestRelayExport: the relay comes back from main.cf and the table, the
// password as a reference only.
func TestRelayExport(t *testing.T) {
	for _, tc := range []struct {
		in, want site.Relay
	}{
		{site.Relay{Host: "smtp.provider.example", Port: 587, Username: "office", Password: site.NewSecretRef("x")},
			site.Relay{Host: "smtp.provider.example", Port: 587, Username: "office", Password: site.NewSecretRef(ExportedRelaySecret)}},
		{site.Relay{Host: "smtp.provider.example", Port: 465, Username: "office", Password: site.NewSecretRef("x")},
			site.Relay{Host: "smtp.provider.example", Port: 465, Username: "office", Password: site.NewSecretRef(ExportedRelaySecret)}},
		{site.Relay{Host: "192.0.2.7", Port: 2525, TLS: site.RelayTLSImplicit}, site.Relay{Host: "192.0.2.7", Port: 2525, TLS: site.RelayTLSImplicit}},
		{site.Relay{Host: "192.0.2.7", Port: 465, TLS: site.RelayTLSStartTLS}, site.Relay{Host: "192.0.2.7", Port: 465, TLS: site.RelayTLSStartTLS}},
	} {
		b := relayBox(t, trixie)
		b.env.Secrets = hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!", "x": relayPW}
		st := testSite()
		st.Mail.Relay = &tc.in
		if err := b.apply(b.planSite(st)); err != nil {
			t.Fatal(err)
		}
		m, err := Export(b.env)
		if err != nil {
			t.Fatal(err)
		}
		if m.Relay == nil || *m.Relay != tc.want {
			t.Errorf("export of %+v: %+v, want %+v", tc.in, m.Relay, tc.want)
		}
	}
}
