// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// TestDKIMKeyGeneratedOnceAndKept: the apply generates a 2048-bit RSA key
// with mode 0600; the plan never holds it; a second plan is empty and a
// second apply keeps the key's bytes; a wrong mode is repaired without
// a new key.
func TestDKIMKeyGeneratedOnceAndKept(t *testing.T) {
	b := newFakeBox(t)
	steps := b.plan()
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	kp := DKIMKeyPath("mueller-partner.example", site.DefaultDKIMSelector)
	data, err := os.ReadFile(b.env.Path(kp))
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseDKIMKey(data)
	if err != nil || k.N.BitLen() != DKIMKeyBits {
		t.Fatalf("key: %v", err)
	}
	if fi, _ := os.Stat(b.env.Path(kp)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(b.env.Path(DKIMDir)); fi.Mode().Perm() != 0o700 {
		t.Errorf("%s mode %o, want 0700", DKIMDir, fi.Mode().Perm())
	}
	js, _ := json.Marshal(steps)
	der := x509.MarshalPKCS1PrivateKey(k)
	if bytes.Contains(js, []byte("PRIVATE KEY")) || bytes.Contains(js, []byte(base64.StdEncoding.EncodeToString(der)[:40])) {
		t.Error("the plan holds the private key")
	}
	if again := b.plan(); len(again) != 0 {
		t.Fatalf("second plan: %q", stepLines(again))
	}
	os.Chmod(b.env.Path(kp), 0o644)
	again := b.plan()
	if got := stepLines(again); len(got) < 1 || got[0] != "update mail.dkim-key "+kp {
		t.Fatalf("plan after chmod: %q", got)
	}
	if c := again[0].Changes; len(c) != 1 || c[0].Field != "mode" || c[0].After != "0600" {
		t.Errorf("changes %+v", c)
	}
	if err := b.apply(again); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(b.env.Path(kp))
	if !bytes.Equal(after, data) {
		t.Error("the key changed on the second apply")
	}
	if fi, _ := os.Stat(b.env.Path(kp)); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o after repair", fi.Mode().Perm())
	}
}

// TestDKIMKeyRolledBack: when rspamadm configtest refuses the new
// configuration, the apply rolls back and the key it generated is gone
// (it was never published); the next plan generates one again.
func TestDKIMKeyRolledBack(t *testing.T) {
	b := newFakeBox(t)
	b.run.On([]string{"rspamadm", "configtest"}, host.Result{ExitCode: 1, Stderr: []byte("syntax error")})
	if err := b.apply(b.plan()); err == nil {
		t.Fatal("apply passed a failing rspamadm configtest")
	}
	kp := DKIMKeyPath("mueller-partner.example", site.DefaultDKIMSelector)
	if _, err := os.Stat(b.env.Path(kp)); !os.IsNotExist(err) {
		t.Errorf("the generated key is still there after the rollback: %v", err)
	}
	if _, err := os.Stat(b.env.Path(DKIMDir)); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the rollback: %v", DKIMDir, err)
	}
	if got := stepLines(b.plan()); !slices.Contains(got, "create mail.dkim-key "+kp) {
		t.Errorf("the plan after the rollback does not generate the key: %q", got)
	}
}

// TestDKIMKeyNotOurs: a file that is not an RSA key is refused, never
// replaced, and the error does not quote it.
func TestDKIMKeyNotOurs(t *testing.T) {
	b := newFakeBox(t)
	os.MkdirAll(b.env.Path(DKIMDir), 0o700)
	kp := DKIMKeyPath("mueller-partner.example", site.DefaultDKIMSelector)
	writeFile(t, b.env.Path(kp), "secret-looking garbage")
	_, _, err := b.svc.Plan(context.Background(), testSite(), b.env)
	if err == nil || !strings.Contains(err.Error(), "move it away") || strings.Contains(err.Error(), "garbage") {
		t.Fatalf("plan: %v", err)
	}
	if err := ensureDKIMKey(b.env, DKIMKeySpec{Path: "/etc/passwd", Domain: "x.example", Selector: "posse"}); err == nil {
		t.Error("ensureDKIMKey wrote outside the key directory")
	}
}

// TestDKIMOff: enabled: false plans no Rspamd step and no milter.
func TestDKIMOff(t *testing.T) {
	b := newFakeBox(t)
	st := testSite()
	off := false
	st.Mail.DKIM = &site.DKIM{Enabled: &off}
	steps, _, err := b.svc.Plan(context.Background(), st, b.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if strings.Contains(s.Target, "rspamd") || strings.Contains(s.Target, "dkim") {
			t.Errorf("step %s %s with DKIM off", s.Kind, s.Target)
		}
		if s.Target == MainCfPath && strings.Contains(s.Diff, "milter") {
			t.Error("main.cf has a milter with DKIM off")
		}
	}
	os.Remove(b.env.Path(rspamdBinary))
	if _, _, err := b.svc.Plan(context.Background(), st, b.env); err != nil {
		t.Errorf("DKIM off needs rspamd: %v", err)
	}
	if _, _, err := b.svc.Plan(context.Background(), testSite(), b.env); err == nil || !strings.Contains(err.Error(), "apt-get install rspamd") {
		t.Errorf("DKIM on without rspamd: %v", err)
	}
}

// TestRenderDKIMSigning: every mail domain gets its key and selector, and
// nothing else is signed.
func TestRenderDKIMSigning(t *testing.T) {
	c := Config{Domains: []string{"a.example", "b.example"}, DKIM: true, DKIMSelector: "posse2026"}
	out := RenderDKIMSigning(c)
	for _, want := range []string{
		`path = "/var/lib/rspamd/dkim/a.example.posse2026.key";`,
		`path = "/var/lib/rspamd/dkim/b.example.posse2026.key";`,
		`selector = "posse2026";`,
		"try_fallback = false;",
		"sign_local = false;",
		"sign_authenticated = true;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dkim_signing.conf lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(RenderWorkerProxy(), `bind_socket = "127.0.0.1:11332";`) {
		t.Error("worker-proxy.inc does not bind the milter to the loopback address")
	}
	c.DKIMSelector = "bad selector"
	c.FQDN, c.Domain, c.SearchBase, c.BindDN, c.TLSDir = "dc.ad.a.example", "a.example", "OU=Posse,DC=a", "CN=x,DC=a", "/var/lib/posse/tls"
	if err := c.Validate(); err == nil {
		t.Error("Validate accepts a selector with a space")
	}
}

// fakeResolver answers from maps.
type fakeResolver struct {
	mx  map[string][]*net.MX
	txt map[string][]string
}

func (f fakeResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if v, ok := f.mx[name]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f fakeResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := f.txt[name]; ok {
		return v, nil
	}
	if name == "_dmarc.broken.example" {
		return nil, errors.New("i/o timeout")
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// TestMailDNS: the records come from the site and the key on the box;
// each is ok, missing or different as DNS answers.
func TestMailDNS(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	pub, err := DKIMPublicKey(b.env, "mueller-partner.example", site.DefaultDKIMSelector)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKIXPublicKey(mustB64(t, pub)); err != nil {
		t.Fatalf("public key: %v", err)
	}
	d := "mueller-partner.example"
	b.svc.Resolver = fakeResolver{
		mx: map[string][]*net.MX{d: {{Host: "DC.ad.mueller-partner.example.", Pref: 20}}},
		txt: map[string][]string{
			d: {"google-site-verification=x", "v=spf1 a -all"},
			// split into two strings and joined by the resolver, with spaces
			"posse._domainkey." + d: {"v=DKIM1; k=rsa; p=" + pub[:100] + " " + pub[100:]},
		},
	}
	v, err := b.svc.MailDNS(context.Background(), testSite(), b.env)
	if err != nil {
		t.Fatal(err)
	}
	recs := v.([]DNSRecord)
	got := map[string]DNSRecord{}
	for _, r := range recs {
		got[r.Purpose] = r
	}
	if len(recs) != 4 {
		t.Fatalf("records %+v", recs)
	}
	if r := got[PurposeMX]; r.Status != StatusOK || r.Value != "10 dc.ad.mueller-partner.example." {
		t.Errorf("MX %+v", r)
	}
	if r := got[PurposeSPF]; r.Status != StatusDifferent || len(r.Found) != 1 || r.Found[0] != "v=spf1 a -all" || r.Value != SPFValue {
		t.Errorf("SPF %+v", r)
	}
	if r := got[PurposeDKIM]; r.Status != StatusOK || r.Name != "posse._domainkey."+d || r.Value != "v=DKIM1; k=rsa; p="+pub {
		t.Errorf("DKIM %+v", r)
	}
	if r := got[PurposeDMARC]; r.Status != StatusMissing || r.Name != "_dmarc."+d || r.Error != "" {
		t.Errorf("DMARC %+v", r)
	}
	// Another key in DNS is different.
	b.svc.Resolver = fakeResolver{txt: map[string][]string{"posse._domainkey." + d: {"v=DKIM1; k=rsa; p=AAAA"}}}
	v, _ = b.svc.MailDNS(context.Background(), testSite(), b.env)
	for _, r := range v.([]DNSRecord) {
		if r.Purpose == PurposeDKIM && r.Status != StatusDifferent {
			t.Errorf("DKIM with another key: %+v", r)
		}
	}
	// A failed lookup is missing, with the error.
	rec := []DNSRecord{{Purpose: PurposeDMARC, Name: "_dmarc.broken.example", Type: "TXT", Value: DMARCValue}}
	CheckDNS(context.Background(), fakeResolver{}, rec)
	if rec[0].Status != StatusMissing || !strings.Contains(rec[0].Error, "timeout") {
		t.Errorf("failed lookup: %+v", rec[0])
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// planFor plans st on b's box.
func planFor(t *testing.T, b *fakeBox, st *site.Site) []plan.Step {
	t.Helper()
	steps, _, err := b.svc.Plan(context.Background(), st, b.env)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return steps
}
