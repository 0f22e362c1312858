// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/ad/adtest"
	"github.com/posse-project/posse/services/directory"
)

// TestTaken: a new user is checked against the directory's users and
// groups and the applied site's shares and addresses; a user keeps its
// own addresses.
func TestTaken(t *testing.T) {
	d := adtest.New()
	d.SeedGroup(ad.Group{Name: "staff"})
	d.SeedUser(ad.User{Username: "olga", Email: "olga@example.com", Aliases: []string{"sales@example.com"}}, "")
	st := &site.Site{
		Site:   site.Info{Domain: "example.com"},
		Users:  []site.User{{Username: "tina", Aliases: []string{"t@example.com"}}},
		Shares: []site.Share{{Name: "Scans"}},
		Homes:  site.Homes{Enabled: true},
		Mail:   &site.Mail{Domains: []string{"example.com"}, Aliases: []site.Alias{{Address: "info@example.com", To: []string{"tina"}}}},
	}
	tk, err := directory.ReadTaken(context.Background(), d, st)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		u     ad.User
		want  string
		taken bool
	}{
		{ad.User{Username: "anna", Email: "anna@example.com"}, "", false},
		{ad.User{Username: "olga"}, "already exists", true},
		{ad.User{Username: "staff"}, "a group of that name exists", true},
		{ad.User{Username: "scans"}, `share "Scans"`, false},
		{ad.User{Username: "sysvol"}, "Samba's own", false},
		{ad.User{Username: "posse-mail"}, "reserved for the accounts of Posse's services", false},
		{ad.User{Username: "anna", Email: "sales@example.com"}, "already used by user olga", true},
		{ad.User{Username: "anna", Email: "anna@example.com", Aliases: []string{"info@example.com"}}, "site alias", true},
		{ad.User{Username: "anna", Aliases: []string{"T@example.com"}}, "already used by user tina", true},
	}
	for _, tt := range tests {
		err := tk.CheckNewUser(tt.u)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckNewUser(%+v) = %v", tt.u, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckNewUser(%+v) = %v, want %q", tt.u, err, tt.want)
		case err != nil && errors.Is(err, directory.ErrTaken) != tt.taken:
			t.Errorf("CheckNewUser(%+v) = %v: errors.Is(ErrTaken) = %v", tt.u, err, !tt.taken)
		}
	}
	if err := tk.CheckAddresses("olga", "sales@example.com", "olga@example.com"); err != nil {
		t.Errorf("olga's own addresses: %v", err)
	}
	if err := tk.CheckAddresses("olga", "t@example.com"); err == nil {
		t.Error("olga may take tina's alias")
	}
	// Without an applied site only the directory counts.
	tk2 := directory.NewTaken(nil, nil, nil)
	if err := tk2.CheckNewUser(ad.User{Username: "scans", Email: "info@example.com"}); err != nil {
		t.Errorf("without a site: %v", err)
	}
}
