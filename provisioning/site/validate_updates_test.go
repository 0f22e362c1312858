// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const updatesSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
updates:
  automatic: security
  reboot: "Sun 03:00"
`

func TestUpdatesTemplate(t *testing.T) {
	s, err := Parse("site.yaml", []byte(updatesSite))
	if err != nil {
		t.Fatal(err)
	}
	if s.Updates == nil || *s.Updates != (Updates{Automatic: UpdatesSecurity, Reboot: "Sun 03:00"}) || !s.AutomaticUpdates() {
		t.Errorf("updates = %+v", s.Updates)
	}
	for _, src := range []string{
		strings.Replace(updatesSite, `reboot: "Sun 03:00"`, `reboot: "23:59"`, 1),
		strings.Replace(updatesSite, `  reboot: "Sun 03:00"`+"\n", "", 1),
		strings.Replace(strings.Replace(updatesSite, "security", "off", 1), `  reboot: "Sun 03:00"`+"\n", "", 1),
	} {
		if _, err := Parse("site.yaml", []byte(src)); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

func TestUpdatesTemplateProblems(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"automatic: security", "automatic: weekly", `site.yaml:5:14: updates automatic "weekly" is not security, all or off`},
		{"automatic: security\n", "", `site.yaml:5:5: missing required key "automatic"`},
		{`reboot: "Sun 03:00"`, `reboot: "Sunday 03:00"`, `site.yaml:6:11: updates reboot "Sunday 03:00" is not a reboot window`},
		{`reboot: "Sun 03:00"`, `reboot: "Sun 24:00"`, `is not a reboot window`},
		{`reboot: "Sun 03:00"`, `reboot: "3:00"`, `is not a reboot window`},
		{`reboot: "Sun 03:00"`, `reboot: "Sun 03:00; rm -rf /"`, `is not a reboot window`},
		{"automatic: security", "automatic: off", "site.yaml:6:11: updates reboot is set but automatic updates are off"},
		{"  reboot:", "  when: daily\n  reboot:", "when"},
	} {
		src := strings.Replace(updatesSite, tc.from, tc.to, 1)
		if src == updatesSite {
			t.Fatalf("%q not in the template", tc.from)
		}
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestBeforeWindow(t *testing.T) {
	for _, tc := range []struct{ day, at, wantDay, wantAt string }{
		{"Sun", "03:00", "Sun", "02:00"},
		{"Sun", "00:30", "Sat", "23:30"},
		{"Mon", "00:00", "Sun", "23:00"},
		{"Sat", "23:59", "Sat", "22:59"},
	} {
		if d, a := BeforeWindow(tc.day, tc.at); d != tc.wantDay || a != tc.wantAt {
			t.Errorf("%s %s: %s %s, want %s %s", tc.day, tc.at, d, a, tc.wantDay, tc.wantAt)
		}
	}
}
