// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// TestUserAddressesAreUnique: possed refuses a mail address or alias that
// another user, a template user or a site alias has, on Create, Update and
// Import, as templates do.
func TestUserAddressesAreUnique(t *testing.T) {
	ctx := context.Background()
	b, fake := newBox(t, true)
	fake.SeedGroup(ad.Group{Name: "staff"})
	fake.SeedUser(ad.User{Username: "olga", Email: "olga@example.com", Aliases: []string{"sales@example.com", "bob@example.com"}, Origin: ad.OriginAPI}, "")
	const pw = "Sommer-2026-ok"
	creates := []struct {
		name string
		u    api.User
		want string
	}{
		{"another user's mail", api.User{Username: "anna", Email: "olga@example.com"}, "already used by user olga"},
		{"another user's alias", api.User{Username: "anna", Aliases: []string{"sales@example.com"}}, "already used by user olga"},
		{"in another case", api.User{Username: "anna", Aliases: []string{"SALES@example.com"}}, "already used by user olga"},
		{"a template user's default address", api.User{Username: "anna", Email: "carla@example.com"}, "already used by user carla"},
		{"a site alias", api.User{Username: "anna", Aliases: []string{"info@example.com"}}, "already used by a site alias"},
		{"the default address is another's alias", api.User{Username: "bob"}, "already used by user olga"},
		{"own addresses twice", api.User{Username: "anna", Aliases: []string{"anna@example.com"}}, "given twice"},
		{"a group's name", api.User{Username: "staff"}, "a group of that name exists"},
		{"an existing user", api.User{Username: "olga"}, "already exists"},
	}
	for _, tt := range creates {
		err := b.CreateUser(ctx, tt.u, pw, true)
		if !errors.Is(err, daemon.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CreateUser with %s: %v, want invalid input %q", tt.name, err, tt.want)
		}
	}
	if err := b.CreateUser(ctx, api.User{Username: "anna", Aliases: []string{"anna.m@example.com"}}, pw, true); err != nil {
		t.Fatal(err)
	}

	str := func(s string) *string { return &s }
	updates := []struct {
		name string
		up   daemon.UserUpdate
		want string
	}{
		{"another user's mail", daemon.UserUpdate{Email: str("olga@example.com")}, "already used by user olga"},
		{"another user's alias", daemon.UserUpdate{Aliases: &[]string{"bob@example.com"}}, "already used by user olga"},
		{"a site alias", daemon.UserUpdate{Aliases: &[]string{"info@example.com"}}, "site alias"},
		{"a template user's address", daemon.UserUpdate{Email: str("carla@example.com")}, "already used by user carla"},
		{"own addresses", daemon.UserUpdate{Email: str("anna.m@example.com"), Aliases: &[]string{"anna@example.com"}}, ""},
		{"a new address", daemon.UserUpdate{Aliases: &[]string{"a.mueller@example.com"}}, ""},
	}
	for _, tt := range updates {
		err := b.UpdateUser(ctx, "anna", tt.up)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("UpdateUser with %s: %v", tt.name, err)
		case tt.want != "" && (!errors.Is(err, daemon.ErrInvalid) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("UpdateUser with %s: %v, want invalid input %q", tt.name, err, tt.want)
		}
	}

	res, err := b.ImportUsers(ctx, []byte("username,email,groups\nuwe,olga@example.com,\nina,info@example.com,\nstaff,,\nolga,,staff\nvera,,\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Created, []string{"vera"}) || !slices.Equal(res.Skipped, []string{"olga"}) || len(res.Problems) != 3 {
		t.Errorf("ImportUsers = %+v", res)
	}
	for i, want := range []string{"already used by user olga", "already used by a site alias", "a group of that name exists"} {
		if i >= len(res.Problems) || !strings.Contains(res.Problems[i], want) {
			t.Errorf("import problems %q, want %q", res.Problems, want)
		}
	}
	if u, _, _ := fake.User(ctx, "olga"); len(u.Groups) != 0 {
		t.Errorf("the import changed the groups of olga, whom it skipped: %v", u.Groups)
	}
}

// TestUsernamesOfSambaAndShares: a username may not be one of Samba's own
// sections, nor, with home folders, a share of the applied site.
func TestUsernamesOfSambaAndShares(t *testing.T) {
	ctx := context.Background()
	b, _ := newBox(t, true)
	state := filepath.Join(b.Root, host.DefaultStateDir, "site.yaml")
	if err := os.WriteFile(state, []byte(strings.Replace(testSite, "mail:\n", "homes: {enabled: true}\nmail:\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"data": `share "Data"`, "sysvol": "Samba's own", "global": "Samba's own"} {
		err := b.CreateUser(ctx, api.User{Username: name}, "Sommer-2026-ok", true)
		if !errors.Is(err, daemon.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("CreateUser(%s) = %v, want invalid input %q", name, err, want)
		}
	}
	res, err := b.ImportUsers(ctx, []byte("username\ndata\nnetlogon\n"), false)
	if err != nil || len(res.Created) != 0 || len(res.Problems) != 2 || !strings.Contains(res.Problems[0], `share "Data"`) {
		t.Errorf("ImportUsers = %+v, %v", res, err)
	}
}

// TestServiceAccountsAndGroups: the Groups API neither puts Posse's
// service accounts into groups nor takes them out, and a group may not
// take a user's name.
func TestServiceAccountsAndGroups(t *testing.T) {
	ctx := context.Background()
	b, fake := newBox(t, true)
	fake.SeedGroup(ad.Group{Name: "staff"})
	fake.SeedUser(ad.User{Username: "posse-mail"}, "")
	fake.SeedUser(ad.User{Username: "anna"}, "")
	for name, err := range map[string]error{
		"add":          b.SetMembers(ctx, "staff", []string{"posse-mail"}, nil),
		"remove":       b.SetMembers(ctx, "staff", nil, []string{"posse-mail"}),
		"create with":  b.CreateGroup(ctx, api.Group{Name: "mailers", Members: []string{"posse-mail"}}),
		"named a user": b.CreateGroup(ctx, api.Group{Name: "anna"}),
	} {
		if !errors.Is(err, daemon.ErrInvalid) {
			t.Errorf("%s: %v, want invalid input", name, err)
		}
	}
	if calls := fake.Calls(); len(calls) != 0 {
		t.Errorf("refused calls changed the directory: %v", calls)
	}
}
