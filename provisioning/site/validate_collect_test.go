// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const collectSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
users: [{username: anna, password: "${secret:anna}"}]
mail:
  domains: [test.example]
  collect: [{user: anna, server: pop.provider.example, protocol: pop3, username: anna@provider.example, password: "${secret:collect_anna}"}]
`

// TestCollectTemplate: a collect entry parses, keep defaults to false,
// its password is a secret reference, and a missing secret is named with
// the file, line and column of the reference.
func TestCollectTemplate(t *testing.T) {
	s, err := Parse("site.yaml", []byte(collectSite))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Mail.Collect[0]
	if c.User != "anna" || c.Protocol != CollectPOP3 || c.Keep {
		t.Errorf("collect %+v", c)
	}
	refs := s.SecretRefs()
	if last := refs[len(refs)-1]; last.Path != "mail.collect[0].password" || last.Ref != "${secret:collect_anna}" {
		t.Errorf("SecretRefs ends with %v", last)
	}
	st := NewStore()
	st.Set("domain_admin", "Correct-Horse-9")
	st.Set("anna", "Battery-Staple-7")
	ps := CheckSecrets(s, st)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].Error(), "site.yaml:7:") || !strings.Contains(ps[0].Error(), "collect_anna") {
		t.Errorf("missing collect secret: %v", ps)
	}
	st.Set("collect_anna", "Hidden\nValue")
	if ps := CheckSecrets(s, st); len(ps) != 1 || strings.Contains(ps[0].Error(), "Hidden") {
		t.Errorf("collect secret with a line break: %v", ps)
	}
}

// TestCollectTemplateProblems: each refusal names the key at fault.
func TestCollectTemplateProblems(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{`{user: carla, server: pop.provider.example, protocol: pop3, username: u, password: "${secret:x}"}`, `site.yaml:7:20: collect user "carla" is not a user of the site`},
		{`{user: anna, server: pop.provider.example, protocol: pop, username: u, password: "${secret:x}"}`, `collect protocol "pop" is not pop3 or imap`},
		{`{user: anna, server: pop.provider.example, protocol: imap, username: u}`, `missing required key "password"`},
		{`{user: anna, server: pop.provider.example, protocol: imap, username: u, password: secret}`, `inline passwords are refused`},
	} {
		src := strings.Replace(collectSite, collectSite[strings.Index(collectSite, "collect: [")+10:len(collectSite)-2], tc.entry, 1)
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.entry, err, tc.want)
		}
	}
	dup := strings.Replace(collectSite, "collect: [{", "collect: [{user: anna, server: pop.provider.example, protocol: imap, username: anna@provider.example, password: \"${secret:y}\"}, {", 1)
	if _, err := Parse("site.yaml", []byte(dup)); err == nil || !strings.Contains(err.Error(), "is collected twice") {
		t.Errorf("duplicate collect: %v", err)
	}
}
