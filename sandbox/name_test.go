// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import "testing"

func TestValidateName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"demo", true},
		{"a", true},
		{"dc-1", true},
		{"abcdefghijklmno", true}, // 15: the NetBIOS limit
		{"abcdefghijklmnop", false},
		{"", false},
		{"1box", false},
		{"-box", false},
		{"Box", false},
		{"box_1", false},
		{"box.lan", false},
		{"../etc", false},
		{"box/x", false},
		{"box\n", false},
		{"bøx", false},
	} {
		err := ValidateName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"demo", "a-b", "", "../x", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateName(s) != nil {
			return
		}
		if len(s) > 15 || s[0] < 'a' || s[0] > 'z' {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
