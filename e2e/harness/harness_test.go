// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"strings"
	"testing"

	"github.com/posse-project/posse/sandbox"
)

func TestUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{"dc", "mail", "Very_Long-Prefix99", "", "9lives", "x"} {
		for range 50 {
			n := UniqueName(prefix)
			if err := sandbox.ValidateName(n); err != nil {
				t.Fatalf("UniqueName(%q) = %q: %v", prefix, n, err)
			}
			if !IsTestName(n) {
				t.Fatalf("UniqueName(%q) = %q is not recognised by IsTestName", prefix, n)
			}
			seen[n] = true
		}
	}
	if len(seen) < 290 {
		t.Errorf("only %d distinct names out of 300", len(seen))
	}
	if n := UniqueName("dc"); !strings.HasPrefix(n, "t-dc-") {
		t.Errorf("UniqueName(dc) = %q", n)
	}
}

func TestIsTestName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"t-dc-ab12c", true},
		{"demo", false},
		{"t-dc", false},
		{"t-dc-ab12", false},
		{"x-dc-ab12c", false},
	} {
		if got := IsTestName(tc.name); got != tc.want {
			t.Errorf("IsTestName(%q) = %v", tc.name, got)
		}
	}
}
