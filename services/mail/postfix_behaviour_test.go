// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"net/netip"
	"strings"
	"testing"
)

// These checks evaluate the rendered main.cf and master.cf the way smtpd
// applies its restriction lists at RCPT TO, so a golden file rewritten with
// -update cannot bless an open relay.

// parseMainCf reads "key = value" lines.
func parseMainCf(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range lines(s) {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("main.cf line %q is not a setting", l)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// smtpdSettings is main.cf with the -o overrides of one master.cf service
// ("submission inet") applied.
func smtpdSettings(t *testing.T, mainCf, masterCf, service string) map[string]string {
	t.Helper()
	s := parseMainCf(t, mainCf)
	cur := ""
	for _, l := range strings.Split(masterCf, "\n") {
		if o, ok := strings.CutPrefix(l, "  -o "); ok {
			if cur == service {
				k, v, _ := strings.Cut(o, "=")
				s[k] = strings.ReplaceAll(v, ",", ", ")
			}
			continue
		}
		if f := strings.Fields(l); len(f) > 1 && !strings.HasPrefix(l, "#") {
			cur = f[0] + " " + f[1]
		}
	}
	return s
}

// smtpClient is who talks to smtpd and where the mail goes.
type smtpClient struct {
	addr          netip.Addr
	authenticated bool
	rcptDomain    string
}

// inNetworks reports whether a is in a mynetworks value of CIDR blocks.
func inNetworks(t *testing.T, mynetworks string, a netip.Addr) bool {
	t.Helper()
	for _, n := range strings.FieldsFunc(mynetworks, func(r rune) bool { return r == ' ' || r == ',' }) {
		n = strings.NewReplacer("[", "", "]", "").Replace(n)
		p, err := netip.ParsePrefix(n)
		if err != nil {
			t.Fatalf("mynetworks entry %q is not a CIDR block this test understands", n)
		}
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// relays reports whether smtpd would accept RCPT TO for cl: no restriction
// list rejects it. Restrictions this test does not know fail the test.
func relays(t *testing.T, s map[string]string, cl smtpClient) bool {
	t.Helper()
	local := map[string]bool{}
	for _, k := range []string{"virtual_mailbox_domains", "mydestination", "relay_domains"} {
		for _, d := range strings.FieldsFunc(s[k], func(r rune) bool { return r == ' ' || r == ',' }) {
			local[d] = true
		}
	}
	if s["smtpd_relay_restrictions"] == "" {
		t.Fatal("smtpd_relay_restrictions is empty: Postfix would use its default")
	}
	for _, list := range []string{"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions", "smtpd_relay_restrictions", "smtpd_recipient_restrictions"} {
		words := strings.FieldsFunc(s[list], func(r rune) bool { return r == ' ' || r == ',' })
	restrictions:
		for i := 0; i < len(words); i++ {
			switch words[i] {
			case "permit_mynetworks":
				if inNetworks(t, s["mynetworks"], cl.addr) {
					break restrictions
				}
			case "permit_sasl_authenticated":
				if cl.authenticated {
					break restrictions
				}
			case "reject_unauth_destination":
				if !local[cl.rcptDomain] {
					return false
				}
			case "reject":
				return false
			case "permit":
				break restrictions
			case "check_policy_service":
				i++ // its argument; the quota policy answers DUNNO or rejects
			case "reject_non_fqdn_recipient", "reject_unlisted_recipient", "reject_sender_login_mismatch":
				// do not permit anything
			default:
				t.Fatalf("%s: restriction %q is unknown to this test: teach it what the restriction does", list, words[i])
			}
		}
	}
	return true
}

func TestPostfixIsNoOpenRelay(t *testing.T) {
	c := testConfig(t)
	for _, quota := range []int{2048, 0} {
		c.QuotaMB = quota
		mainCf, masterCf := RenderMainCf(c), RenderMasterCf()
		port25 := smtpdSettings(t, mainCf, masterCf, "smtp inet")
		submission := smtpdSettings(t, mainCf, masterCf, "submission inet")
		for _, tc := range []struct {
			name     string
			settings map[string]string
			cl       smtpClient
			want     bool
		}{
			{"port 25 from 127.0.0.1 (an SSH port forward) to outside", port25, smtpClient{netip.MustParseAddr("127.0.0.1"), false, "elsewhere.example"}, false},
			{"port 25 from ::1 to outside", port25, smtpClient{netip.MustParseAddr("::1"), false, "elsewhere.example"}, false},
			{"port 25 from the box's own address to outside", port25, smtpClient{netip.MustParseAddr("10.0.0.2"), false, "elsewhere.example"}, false},
			{"port 25 from the internet to outside", port25, smtpClient{netip.MustParseAddr("203.0.113.9"), false, "elsewhere.example"}, false},
			{"port 25 from the internet to a mail domain", port25, smtpClient{netip.MustParseAddr("203.0.113.9"), false, "mueller-partner.example"}, true},
			{"submission from 127.0.0.1 without authentication to outside", submission, smtpClient{netip.MustParseAddr("127.0.0.1"), false, "elsewhere.example"}, false},
			{"submission from 127.0.0.1 without authentication to a mail domain", submission, smtpClient{netip.MustParseAddr("127.0.0.1"), false, "mueller-partner.example"}, false},
			{"submission authenticated to outside", submission, smtpClient{netip.MustParseAddr("203.0.113.9"), true, "elsewhere.example"}, true},
		} {
			if got := relays(t, tc.settings, tc.cl); got != tc.want {
				t.Errorf("quota %d: %s: accepted %v, want %v", quota, tc.name, got, tc.want)
			}
		}
		for _, s := range []map[string]string{port25, submission} {
			if s["smtpd_sasl_auth_enable"] == "yes" && s["smtpd_tls_auth_only"] != "yes" {
				t.Errorf("quota %d: SASL offered before TLS", quota)
			}
		}
		if port25["smtpd_sasl_auth_enable"] != "no" || submission["smtpd_tls_security_level"] != "encrypt" {
			t.Errorf("quota %d: port 25 offers AUTH or submission does not require TLS", quota)
		}
	}
}
