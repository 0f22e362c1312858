// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Exported is the directory part of a site template, read from the live
// directory.
type Exported struct {
	Groups []site.Group `json:"groups" yaml:"groups"`
	Users  []site.User  `json:"users" yaml:"users"`
	// Skipped lists entries that are not built-in but cannot be expressed
	// in a template (names outside the site grammar).
	Skipped []string `json:"skipped,omitempty" yaml:"-"`
}

// Export reads every non-built-in group and user. Users are exported
// without a password: the ones that exist keep theirs (a template's
// password only counts when the user is created), so the export plans on
// its own box without any secret; on a new box such users get a random
// password that possectl users set-password (or the app) replaces.
// Memberships only name exported groups. A user whose password never
// expires and who has no address is exported as kind: service.
// domain is the site's mail domain: an email equal to username@domain is
// left out, as the template's default.
func Export(ctx context.Context, d ad.Directory, domain string) (Exported, error) {
	var out Exported
	groups, err := d.Groups(ctx)
	if err != nil {
		return out, err
	}
	users, err := d.Users(ctx)
	if err != nil {
		return out, err
	}
	exported := map[string]bool{}
	for _, g := range groups {
		if g.Builtin {
			continue
		}
		if !ad.ValidGroupName(g.Name) {
			out.Skipped = append(out.Skipped, "group "+g.Name)
			continue
		}
		exported[g.Name] = true
		out.Groups = append(out.Groups, site.Group{Name: g.Name, Description: g.Description})
	}
	for _, u := range users {
		if u.Builtin || IsServiceAccount(u.Username) {
			continue
		}
		if !ad.ValidUsername(u.Username) {
			out.Skipped = append(out.Skipped, "user "+u.Username)
			continue
		}
		su := site.User{
			Username:  u.Username,
			GivenName: u.GivenName,
			Surname:   u.Surname,
			Email:     u.Email,
			Aliases:   u.Aliases,
			Disabled:  u.Disabled,
		}
		if strings.EqualFold(su.Email, u.Username+"@"+domain) {
			su.Email = ""
		}
		// A service account: the password never expires and there is
		// no address (a person's default address would be written).
		if u.PasswordNeverExpires && u.Email == "" && len(u.Aliases) == 0 {
			su.Kind = site.KindService
		}
		for _, g := range u.Groups {
			if exported[g] {
				su.Groups = append(su.Groups, g)
			}
		}
		out.Users = append(out.Users, su)
	}
	return out, nil
}
