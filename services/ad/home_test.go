// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import "testing"

func TestHomeDirectory(t *testing.T) {
	for _, tt := range []struct{ host, user, want string }{
		{"dc1", "alice", `\\DC1\alice`},
		{"dc1.ad.example.com", "bob", `\\DC1\bob`},
	} {
		if got := HomeDirectory(tt.host, tt.user); got != tt.want {
			t.Errorf("HomeDirectory(%q, %q) = %q, want %q", tt.host, tt.user, got, tt.want)
		}
	}
}
