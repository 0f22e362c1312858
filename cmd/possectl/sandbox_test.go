// SPDX-License-Identifier: GPL-3.0-or-later

package main

import "testing"

func TestSplitBoxPath(t *testing.T) {
	for _, tc := range []struct {
		in, name, path string
		inBox          bool
	}{
		{"demo:/etc/hosts", "demo", "/etc/hosts", true},
		{"/etc/hosts", "", "/etc/hosts", false},
		{"./a:b", "", "./a:b", false},
		{"dir/x:y", "", "dir/x:y", false},
		{":/x", "", ":/x", false},
		{"file.txt", "", "file.txt", false},
	} {
		name, path, inBox := splitBoxPath(tc.in)
		if name != tc.name || path != tc.path || inBox != tc.inBox {
			t.Errorf("splitBoxPath(%q) = %q %q %v", tc.in, name, path, inBox)
		}
	}
}
