// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const dkimSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
mail:
  domains: [test.example]
  dkim: {selector: "posse2026"}
`

// TestDKIMTemplate: signing is on by default, the selector defaults to
// DefaultDKIMSelector, and enabled: false turns it off.
func TestDKIMTemplate(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		on       bool
		sel      string
	}{
		{"", "", true, "posse2026"},
		{`  dkim: {selector: "posse2026"}` + "\n", "", true, DefaultDKIMSelector},
		{`{selector: "posse2026"}`, "{}", true, DefaultDKIMSelector},
		{`{selector: "posse2026"}`, "{enabled: true}", true, DefaultDKIMSelector},
		{`{selector: "posse2026"}`, "{enabled: false}", false, DefaultDKIMSelector},
		{`{selector: "posse2026"}`, "{enabled: true, selector: s-1}", true, "s-1"},
		{`{selector: "posse2026"}`, "false", false, DefaultDKIMSelector},
		{`{selector: "posse2026"}`, "true", true, DefaultDKIMSelector},
	} {
		src := dkimSite
		if tc.from != "" || tc.to != "" {
			src = strings.Replace(dkimSite, tc.from, tc.to, 1)
		}
		s, err := Parse("site.yaml", []byte(src))
		if err != nil {
			t.Errorf("%q → %q: %v", tc.from, tc.to, err)
			continue
		}
		if got := s.Mail.DKIMOn(); got != tc.on {
			t.Errorf("%q → %q: DKIMOn = %v, want %v", tc.from, tc.to, got, tc.on)
		}
		if got := s.Mail.DKIMSelector(); got != tc.sel {
			t.Errorf("%q → %q: DKIMSelector = %q, want %q", tc.from, tc.to, got, tc.sel)
		}
	}
	var none *Mail
	if none.DKIMOn() {
		t.Error("DKIMOn without a mail section")
	}
}

// TestDKIMTemplateProblems: each broken key is reported at its line and
// column.
func TestDKIMTemplateProblems(t *testing.T) {
	for _, tc := range []struct{ to, want string }{
		{`dkim: "no"`, `site.yaml:6:9: expected true, false or a mapping of keys to values, got a string`},
		{`dkim: {selector: "Posse"}`, `site.yaml:6:20: dkim selector "Posse" is not one lower-case DNS label`},
		{`dkim: {selector: "a.b"}`, `site.yaml:6:20: dkim selector "a.b" is not one lower-case DNS label`},
		{`dkim: {selector: "-x"}`, `site.yaml:6:20: dkim selector "-x" is not one lower-case DNS label`},
		{`dkim: {selector: "` + strings.Repeat("a", 64) + `"}`, `site.yaml:6:20: dkim selector`},
		{`dkim: {enabled: false, selector: x}`, `site.yaml:6:36: dkim selector "x" is set but signing is off`},
		{`dkim: {enabled: no}`, `site.yaml:6:19: `},
		{`dkim: {selectr: x}`, `site.yaml:6:10: unknown key "selectr"`},
	} {
		src := strings.Replace(dkimSite, `dkim: {selector: "posse2026"}`, tc.to, 1)
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.to, err, tc.want)
		}
	}
}

// Any section with an enabled key takes true or false alone.
func TestEnabledShorthand(t *testing.T) {
	src := strings.Replace(dkimSite, `dkim: {selector: "posse2026"}`, "dkim: false\nhomes: true", 1)
	s, err := Parse("site.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Mail.DKIMOn() || !s.Homes.Enabled {
		t.Errorf("dkim on %v, homes %v", s.Mail.DKIMOn(), s.Homes.Enabled)
	}
	if p, ok := s.pos["homes.enabled"]; !ok || p.Line != 7 {
		t.Errorf("homes.enabled at %+v %v", p, ok)
	}
}
