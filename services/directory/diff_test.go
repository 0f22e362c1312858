// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"github.com/posse-project/posse/services/ad"
	"strings"
	"testing"
)

// TestExtraNotes checks why users and groups that are not in the template
// stay, for each kind of entry.
func TestExtraNotes(t *testing.T) {
	last := applied{users: map[string]bool{"listed": true}, groups: map[string]bool{"listed": true}}
	cases := []struct {
		name  string
		user  ad.User
		group ad.Group
		prune bool
		want  string // in both messages
		wantU string // only in the user's
		wantG string // only in the group's
	}{
		{name: "outside OU", user: ad.User{Username: "alice"}, group: ad.Group{Name: "alice"},
			want: "outside " + ad.OU},
		{name: "api", user: ad.User{Username: "alice", Managed: true, Origin: ad.OriginAPI}, group: ad.Group{Name: "alice", Managed: true, Origin: ad.OriginAPI},
			want: "prune never deletes it", wantU: "(users add or CSV import)", wantG: "delete it on the Groups screen"},
		{name: "unmarked unlisted", user: ad.User{Username: "alice", Managed: true}, group: ad.Group{Name: "alice", Managed: true},
			want: "no template apply created it", wantU: "delete it with possectl users delete", wantG: "delete it on the Groups screen"},
		{name: "template without prune", user: ad.User{Username: "alice", Managed: true, Origin: ad.OriginTemplate}, group: ad.Group{Name: "alice", Managed: true, Origin: ad.OriginTemplate},
			want: "directory.prune: true would delete"},
		{name: "unmarked listed without prune", user: ad.User{Username: "listed", Managed: true}, group: ad.Group{Name: "listed", Managed: true},
			want: "directory.prune: true would delete"},
		{name: "invalid name with prune", user: ad.User{Username: "bad name", Managed: true, Origin: ad.OriginTemplate}, group: ad.Group{Name: "bad/name", Managed: true, Origin: ad.OriginTemplate},
			prune: true, want: "not one Posse manages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, g := userNote(c.user, c.prune, last), groupNote(c.group, c.prune, last)
			if u.Target != "user "+c.user.Username || g.Target != "group "+c.group.Name {
				t.Errorf("targets %q, %q", u.Target, g.Target)
			}
			for _, m := range []string{u.Message, g.Message} {
				if !strings.Contains(m, c.want) {
					t.Errorf("%q does not say %q", m, c.want)
				}
			}
			if c.wantU != "" && !strings.Contains(u.Message, c.wantU) {
				t.Errorf("user: %q does not say %q", u.Message, c.wantU)
			}
			if c.wantG != "" && !strings.Contains(g.Message, c.wantG) {
				t.Errorf("group: %q does not say %q", g.Message, c.wantG)
			}
		})
	}
}
