// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const relaySite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
mail:
  domains: [test.example]
  relay: {host: smtp.provider.example, port: 587, username: office@test.example, password: "${secret:mail_relay}"}
`

// TestRelayTemplate: the port and TLS default from each other, and the
// relay's password is one of the site's secret references.
func TestRelayTemplate(t *testing.T) {
	for _, tc := range []struct {
		relay, tls string
		port       int
	}{
		{`{host: smtp.provider.example, port: 587, username: u, password: "${secret:mail_relay}"}`, RelayTLSStartTLS, 587},
		{`{host: smtp.provider.example, port: 465, username: u, password: "${secret:mail_relay}"}`, RelayTLSImplicit, 465},
		{`{host: smtp.provider.example, username: u, password: "${secret:mail_relay}"}`, RelayTLSStartTLS, 587},
		{`{host: smtp.provider.example, tls: implicit, username: u, password: "${secret:mail_relay}"}`, RelayTLSImplicit, 465},
		{`{host: 192.0.2.7, port: 2525, tls: starttls, username: u, password: "${secret:mail_relay}"}`, RelayTLSStartTLS, 2525},
		{`{host: smtp.provider.example, port: 587, tls: implicit}`, RelayTLSImplicit, 587},
		{`{host: smtp.provider.example}`, RelayTLSStartTLS, 587},
	} {
		src := strings.Replace(relaySite, relaySite[strings.Index(relaySite, "relay: ")+7:len(relaySite)-1], tc.relay, 1)
		s, err := Parse("site.yaml", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", tc.relay, err)
			continue
		}
		r := s.Mail.Relay
		if r.RelayTLS() != tc.tls || r.RelayPort() != tc.port {
			t.Errorf("%s: tls %q port %d, want %q %d", tc.relay, r.RelayTLS(), r.RelayPort(), tc.tls, tc.port)
		}
	}
	s, err := Parse("site.yaml", []byte(relaySite))
	if err != nil {
		t.Fatal(err)
	}
	refs := s.SecretRefs()
	if last := refs[len(refs)-1]; last.Path != "mail.relay.password" || last.Ref != "${secret:mail_relay}" {
		t.Errorf("SecretRefs ends with %v", last)
	}
	if p, ok := s.PositionOf("mail.relay.password"); !ok || p.Line != 6 {
		t.Errorf("PositionOf(mail.relay.password) = %v, %v", p, ok)
	}
}

// TestRelayTemplateProblems: each refusal names the file, line and column
// of the key at fault.
func TestRelayTemplateProblems(t *testing.T) {
	for _, tc := range []struct{ relay, want string }{
		{`{port: 587, username: u, password: "${secret:x}"}`, `site.yaml:6:10: missing required key "host"`},
		{`{host: "", username: u, password: "${secret:x}"}`, `site.yaml:6:17: mail.relay.host must not be empty`},
		{`{host: "Smtp.Provider.example"}`, `site.yaml:6:17: relay host "Smtp.Provider.example" is not a lower-case DNS name`},
		{`{host: "2001:db8::1"}`, `site.yaml:6:17: relay host "2001:db8::1" is not`},
		{`{host: "smtp provider"}`, `site.yaml:6:17: relay host "smtp provider"`},
		{`{host: smtp.provider.example, port: 25}`, `site.yaml:6:46: relay port 25 is neither 587 (STARTTLS) nor 465 (implicit TLS), and tls does not say which`},
		{`{host: smtp.provider.example, port: 2525}`, `site.yaml:6:46: relay port 2525 is neither`},
		{`{host: smtp.provider.example, port: 0, tls: starttls}`, `site.yaml:6:46: relay port 0 is out of range`},
		{`{host: smtp.provider.example, port: 70000, tls: implicit}`, `site.yaml:6:46: relay port 70000 is out of range`},
		{`{host: smtp.provider.example, port: 25, tls: none}`, `site.yaml:6:55: relay tls "none" is refused: mail goes to a relay only over TLS`},
		{`{host: smtp.provider.example, tls: "off"}`, `site.yaml:6:45: relay tls "off" is refused`},
		{`{host: smtp.provider.example, tls: false}`, `site.yaml:6:45: `},
		{`{host: smtp.provider.example, username: office}`, `site.yaml:6:50: relay username is set but password is not`},
		{`{host: smtp.provider.example, password: "${secret:mail_relay}"}`, `site.yaml:6:50: relay password is set but username is not`},
		{`{host: smtp.provider.example, username: "a b", password: "${secret:x}"}`, `site.yaml:6:50: relay username "a b" has spaces`},
		{`{host: smtp.provider.example, username: "a:b", password: "${secret:x}"}`, `site.yaml:6:50: relay username "a:b" has spaces, ':'`},
		{`{host: smtp.provider.example, username: u, password: "hunter2hunter2"}`, `site.yaml:6:63: inline passwords are refused`},
		{`{host: smtp.provider.example, username: u, password: 12345}`, `site.yaml:6:63: inline passwords are refused`},
		{`{host: smtp.provider.example, username: u, password: "${secret:Bad-Name}"}`, `site.yaml:6:63: secret reference has an invalid name`},
		{`{host: smtp.provider.example, usr: u}`, `site.yaml:6:40: unknown key "usr"`},
		{`smtp.provider.example`, `site.yaml:6:10: `},
	} {
		src := strings.Replace(relaySite, relaySite[strings.Index(relaySite, "relay: ")+7:len(relaySite)-1], tc.relay, 1)
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.relay, err, tc.want)
		}
	}
}

// TestRelayPasswordValue: the value must fit one line of Postfix's
// password table; problems name the secret, never the value.
func TestRelayPasswordValue(t *testing.T) {
	s, err := Parse("site.yaml", []byte(relaySite))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value, want string
	}{
		{"correct horse battery", ""},
		{"pa:ss#word", ""},
		{"", "it is empty"},
		{"line\nbreak", "line break"},
		{" leading", "starts or ends with a space"},
		{"trailing\t", "control character"},
		{strings.Repeat("x", MaxRelayPasswordLen+1), "longer than"},
	} {
		st := NewStore()
		st.Set("domain_admin", "Adm1n-Passw0rd!")
		st.Set("mail_relay", tc.value)
		ps := CheckSecrets(s, st)
		got := ps.Error()
		if len(ps) == 0 {
			got = ""
		}
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("value %q: got %q, want %q", tc.value, got, tc.want)
		}
		if tc.want != "" && (!strings.Contains(got, "site.yaml:6:") || !strings.Contains(got, `"mail_relay"`)) {
			t.Errorf("value %q: %q does not name the place and the secret", tc.value, got)
		}
		if len(tc.value) > 3 && strings.Contains(got, tc.value) {
			t.Errorf("the problem holds the value: %q", got)
		}
	}
	st := NewStore()
	st.Set("domain_admin", "Adm1n-Passw0rd!")
	if got := CheckSecrets(s, st).Error(); !strings.Contains(got, "mail_relay") {
		t.Errorf("a missing relay secret: %q", got)
	}
}
