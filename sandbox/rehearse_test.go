// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name   string
		r      Report
		passed bool
		want   []string
	}{
		{"all good", Report{Box: "rehearse-a", Booted: true, Services: []ServiceHealth{{"directory", "", true, "ldaps answers"}}},
			true, []string{"directory  pass", "Rehearsal PASSED."}},
		{"two units of one service", Report{Box: "rehearse-h", Booted: true, Services: []ServiceHealth{
			{"mail", "postfix@-.service", true, "active"}, {"mail", "dovecot.service", true, "active"}}},
			true, []string{"mail (postfix@-.service)  pass", "mail (dovecot.service)  pass"}},
		{"no probes yet", Report{Box: "rehearse-b", Booted: true, NoProbes: true},
			true, []string{"no status command yet", "Rehearsal PASSED."}},
		{"probe fails", Report{Box: "rehearse-c", Booted: true, Services: []ServiceHealth{{"mail", "", false, "smtp: connection\nrefused"}}},
			false, []string{"mail  FAIL  smtp: connection refused", "Rehearsal FAILED."}},
		{"apply fails", Report{Box: "rehearse-d", Booted: true, ApplyCode: 1, ApplyTail: "boom"},
			false, []string{"apply  FAIL  exit code 1", "Last lines of the apply:\nboom"}},
		{"no boot", Report{Box: "rehearse-e", ApplyCode: -1, Problem: "did not boot"},
			false, []string{"boot   FAIL", "Problem: did not boot"}},
		{"empty status", Report{Box: "rehearse-g", Booted: true},
			true, []string{"possectl status reported no services"}},
		{"kept", Report{Box: "rehearse-f", Booted: true, Kept: true, Timings: []Timing{{"boot", 3500 * time.Millisecond}}},
			true, []string{"boot 3.5s", "possectl sandbox down rehearse-f"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Passed(); got != tc.passed {
				t.Errorf("Passed = %v, want %v", got, tc.passed)
			}
			var b bytes.Buffer
			if err := tc.r.Write(&b); err != nil {
				t.Fatal(err)
			}
			norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
			for _, w := range tc.want {
				if !strings.Contains(norm(b.String()), norm(w)) {
					t.Errorf("report lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}

func TestRehearsalName(t *testing.T) {
	for range 20 {
		if n := rehearsalName(); ValidateName(n) != nil || !strings.HasPrefix(n, "rehearse-") {
			t.Fatalf("bad rehearsal name %q", n)
		}
	}
}
