// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import "testing"

func TestShareAccess(t *testing.T) {
	for _, c := range []struct {
		member, write, read []string
		want                Access
	}{
		{[]string{"staff"}, []string{"partners"}, []string{"staff"}, ReadAccess},
		{[]string{"Staff", "partners"}, []string{"PARTNERS"}, []string{"staff"}, WriteAccess},
		{[]string{"extern"}, []string{"partners"}, []string{"staff"}, NoAccess},
		{nil, []string{"partners"}, nil, NoAccess},
	} {
		if got := ShareAccess(c.member, c.write, c.read); got != c.want {
			t.Errorf("ShareAccess(%q, %q, %q) = %d, want %d", c.member, c.write, c.read, got, c.want)
		}
	}
}

func TestShareAccessEveryone(t *testing.T) {
	if got := ShareAccess(nil, []string{"partner"}, []string{"everyone"}); got != ReadAccess {
		t.Errorf("read: everyone = %v, want read for a person in no group", got)
	}
	if got := ShareAccess([]string{"partner"}, []string{"Domain Users"}, nil); got != WriteAccess {
		t.Errorf("write: Domain Users = %v, want write", got)
	}
}
