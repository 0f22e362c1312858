// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"slices"
	"testing"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/ad"
)

// TestCreateGroupMarksAPI: a group created through possed is marked
// posse:api (prune never deletes it) and gets its members.
func TestCreateGroupMarksAPI(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		group   api.Group
		members []string
	}{
		{"empty", api.Group{Name: "projects", Description: "Projects"}, nil},
		{"with members", api.Group{Name: "projects", Members: []string{"anna"}}, []string{"anna"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, fake := newBox(t, true)
			fake.SeedUser(ad.User{Username: "anna"}, "")
			if err := b.CreateGroup(ctx, tt.group); err != nil {
				t.Fatal(err)
			}
			gs, err := fake.Groups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(gs, func(g ad.Group) bool { return g.Name == tt.group.Name })
			if i < 0 {
				t.Fatalf("group %s not created: %+v", tt.group.Name, gs)
			}
			if g := gs[i]; g.Origin != ad.OriginAPI || !g.Managed || g.Description != tt.group.Description {
				t.Errorf("group = %+v, want origin %q in OU=Posse (prune must never delete it)", g, ad.OriginAPI)
			}
			list, err := b.Groups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range list {
				if g.Name == tt.group.Name && !slices.Equal(g.Members, tt.members) {
					t.Errorf("members %v, want %v", g.Members, tt.members)
				}
			}
		})
	}
}
