// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
	"github.com/posse-project/posse/services/ad"
)

// ErrTaken is returned (wrapped) when a new user's name or address is in
// use already.
var ErrTaken = errors.New("already in use")

// Taken is what the directory and the applied site hold already: account
// names (users and groups: AD's sAMAccountNames are unique across both)
// and mail addresses with their holders. Every path that makes or changes
// users outside the template checks against it: possed's Users.Create and
// Users.Update, the CSV import and possectl's --direct commands.
type Taken struct {
	site   *site.Site
	users  map[string]bool // lower-case usernames
	groups map[string]bool // lower-case group names, built-in ones included
	addrs  *site.Addresses
}

// ReadTaken reads every user and group of d. st is the applied site, or nil
// when there is none: then only the directory counts.
func ReadTaken(ctx context.Context, d ad.Directory, st *site.Site) (*Taken, error) {
	users, err := d.Users(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := d.Groups(ctx)
	if err != nil {
		return nil, err
	}
	return NewTaken(st, users, groups), nil
}

// NewTaken is ReadTaken for users and groups read already.
func NewTaken(st *site.Site, users []ad.User, groups []ad.Group) *Taken {
	t := &Taken{site: st, users: map[string]bool{}, groups: map[string]bool{}, addrs: site.NewAddresses()}
	if st != nil {
		t.addrs = st.Addresses()
	}
	for _, g := range groups {
		t.groups[strings.ToLower(g.Name)] = true
	}
	for _, u := range users {
		t.Add(u)
	}
	return t
}

// Add records u as existing, with its addresses.
func (t *Taken) Add(u ad.User) {
	t.users[strings.ToLower(u.Username)] = true
	t.addrs.Add(site.UserHolder(u.Username), u.Email)
	t.addrs.Add(site.UserHolder(u.Username), u.Aliases...)
}

// UserExists reports whether a user of that name exists (any case).
func (t *Taken) UserExists(username string) bool { return t.users[strings.ToLower(username)] }

// CheckNewUser says why u cannot be made, or returns nil: the site's rules
// for usernames (site.UsernameError, and with an applied site
// (*site.Site).UsernameError), service accounts' names, a user or a group
// of that name, and addresses someone else holds. Errors for names and
// addresses in use wrap ErrTaken.
func (t *Taken) CheckNewUser(u ad.User) error {
	err := site.UsernameError(u.Username)
	if err == nil && t.site != nil {
		err = t.site.UsernameError(u.Username)
	}
	switch {
	case err != nil:
		return api.Keyed(err, api.KeyUsernameInvalid, "name", rules.ClipName(u.Username))
	case site.IsServiceAccount(u.Username):
		return api.Keyed(fmt.Errorf("names starting with %s are reserved for the accounts of Posse's services: choose another username", site.ServiceAccountPrefix), api.KeyUsernameInvalid, "name", u.Username)
	case t.UserExists(u.Username):
		return api.Keyed(taken{fmt.Errorf("user %s already exists", u.Username)}, api.KeyUserExists, "user", u.Username)
	case t.groups[strings.ToLower(u.Username)]:
		return api.Keyed(taken{errors.New("a group of that name exists (account names are unique across users and groups): choose another username")}, api.KeyNameIsGroup, "name", u.Username)
	}
	return t.CheckAddresses(u.Username, append([]string{u.Email}, u.Aliases...)...)
}

// CheckAddresses says which of addrs someone other than username holds
// (wrapping ErrTaken), or returns nil.
func (t *Taken) CheckAddresses(username string, addrs ...string) error {
	if err := t.addrs.Check(site.UserHolder(username), addrs...); err != nil {
		for _, a := range addrs {
			if h, ok := t.addrs.Holder(a); ok && h != site.UserHolder(username) {
				return api.Keyed(taken{err}, api.KeyAddressTaken, "address", a)
			}
		}
		return taken{err}
	}
	return nil
}

// taken is an error that is ErrTaken too.
type taken struct{ error }

func (e taken) Unwrap() error        { return e.error }
func (e taken) Is(target error) bool { return target == ErrTaken }
