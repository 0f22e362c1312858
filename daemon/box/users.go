// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
)

// connSpec says how to reach the site's domain as its admin.
func (b *Box) connSpec(s *site.Site) ad.ConnSpec {
	c := ad.ConnSpec{Realm: strings.ToUpper(s.RealmName())}
	if name, ok := s.Directory.AdminPassword.Name(); ok {
		c.AdminSecret = name
	}
	h, _, _ := strings.Cut(strings.ToLower(b.hostname()), ".")
	c.FQDN = h + "." + ad.DNSDomain(c.Realm)
	return c
}

// directory returns a session to the domain as its admin, kept between
// calls; with the applied site for its policy and domain.
func (b *Box) directory(ctx context.Context) (ad.Directory, *site.Site, error) {
	s, kept, err := b.applied()
	if err != nil {
		return nil, nil, err
	}
	c := b.connSpec(s)
	key := fmt.Sprintf("%+v", c)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir != nil && b.key == key {
		return b.dir, s, nil
	}
	if b.dir != nil {
		b.dir.Close()
		b.dir = nil
	}
	open := b.OpenDirectory
	if open == nil {
		open = ad.OpenEnv
	}
	d, err := open(ctx, b.env(kept), c)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the domain controller: %w", err)
	}
	b.dir, b.key = d, key
	return d, s, nil
}

// drop forgets the session after a failure so the next call redials.
func (b *Box) drop(d ad.Directory) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir == d && d != nil {
		d.Close()
		b.dir = nil
	}
}

// withDir runs fn on the directory session, dropping it if fn fails.
func (b *Box) withDir(ctx context.Context, fn func(d ad.Directory, s *site.Site) error) error {
	d, s, err := b.directory(ctx)
	if err != nil {
		return err
	}
	if err := fn(d, s); err != nil {
		if !errors.Is(err, daemon.ErrInvalid) && !errors.Is(err, daemon.ErrNotFound) {
			b.drop(d)
		}
		return err
	}
	return nil
}

func toAPI(u ad.User) api.User {
	out := api.User{Username: u.Username, GivenName: u.GivenName, Surname: u.Surname, DisplayName: u.DisplayName,
		Email: u.Email, Aliases: u.Aliases, Groups: u.Groups, Disabled: u.Disabled, MustChangePassword: u.MustChangePassword,
		Kind: site.KindPerson, Admin: u.DomainAdmin}
	if u.PasswordNeverExpires {
		out.Kind = site.KindService
	}
	return out
}

// Users implements daemon.Backend: non-built-in users whose username,
// names or mail contain query, sorted by username.
func (b *Box) Users(ctx context.Context, query string) ([]api.User, error) {
	var out []api.User
	q := strings.ToLower(query)
	err := b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		us, err := d.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Builtin || directory.IsServiceAccount(u.Username) {
				continue // not people: Posse and Samba manage them
			}
			hay := strings.ToLower(strings.Join([]string{u.Username, u.GivenName, u.Surname, u.DisplayName, u.Email}, " "))
			if q == "" || strings.Contains(hay, q) {
				out = append(out, toAPI(u))
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, err
}

// user looks one up, with ErrNotFound when it does not exist.
func user(ctx context.Context, d ad.Directory, name string) (ad.User, error) {
	u, ok, err := d.User(ctx, name)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, api.Keyed(fmt.Errorf("there is no user %s: %w", name, daemon.ErrNotFound), api.KeyUserNotFound, "user", name)
	}
	return u, nil
}

// User implements daemon.Backend.
func (b *Box) User(ctx context.Context, name string) (api.User, error) {
	var out api.User
	err := b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		u, err := user(ctx, d, name)
		out = toAPI(u)
		return err
	})
	return out, err
}

// checkPolicy checks a password against the applied site's policy.
func checkPolicy(s *site.Site, username, pw string) error {
	return invalid(daemon.KeyPassword(site.CheckPassword(s.Policy(), username, pw)))
}

// CreateUser implements daemon.Backend. The user goes into OU=Posse with
// the site's default mail address when none is given, and into its groups.
// It is checked like a template's user and a CSV row (directory.Taken):
// the site's name rules, no user or group of that name, and addresses
// (mail and aliases) that no other user, template user or site alias has.
// When the site shares home folders, the user gets homeDirectory and
// homeDrive, and a background sync of the files service (requestHomeSync)
// makes its folder and share section shortly after the call returns.
func (b *Box) CreateUser(ctx context.Context, u api.User, pw string, mustChange bool) error {
	var created, homes bool
	defer func() {
		if created && homes {
			b.requestHomeSync()
		}
	}()
	return b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		if err := checkPolicy(s, u.Username, pw); err != nil {
			return err
		}
		du := ad.User{Username: u.Username, GivenName: u.GivenName, Surname: u.Surname, DisplayName: u.DisplayName,
			Email: s.UserEmail(site.User{Username: u.Username, Email: u.Email}), Aliases: u.Aliases, Disabled: u.Disabled,
			Origin: ad.OriginAPI} // not the template's: prune never deletes it
		taken, err := directory.ReadTaken(ctx, d, s)
		if err != nil {
			return err
		}
		if err := taken.CheckNewUser(du); err != nil {
			return invalid(err)
		}
		if homes = homesEnabled(s); homes {
			du.HomeDirectory, du.HomeDrive = ad.HomeDirectory(b.hostname(), u.Username), ad.HomeDrive
		}
		if err := d.EnsureOU(ctx); err != nil {
			return err
		}
		if err := d.CreateUser(ctx, du, pw, mustChange); err != nil {
			return err
		}
		created = true // a failure below leaves the user, who needs a folder
		for _, g := range u.Groups {
			if err := d.AddMember(ctx, g, u.Username); err != nil {
				return fmt.Errorf("user %s was created, but adding it to group %s failed: %w", u.Username, g, err)
			}
		}
		return nil
	})
}

// UpdateUser implements daemon.Backend. A new mail address or alias must
// not be another user's, a template user's or a site alias's.
func (b *Box) UpdateUser(ctx context.Context, name string, up daemon.UserUpdate) error {
	return b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		if _, err := user(ctx, d, name); err != nil {
			return err
		}
		if up.Email != nil || up.Aliases != nil {
			var addrs []string
			if up.Email != nil {
				addrs = append(addrs, *up.Email)
			}
			if up.Aliases != nil {
				addrs = append(addrs, *up.Aliases...)
			}
			taken, err := directory.ReadTaken(ctx, d, s)
			if err != nil {
				return err
			}
			if err := taken.CheckAddresses(name, addrs...); err != nil {
				return invalid(err)
			}
		}
		return d.UpdateUser(ctx, name, ad.UserUpdate{GivenName: up.GivenName, Surname: up.Surname,
			DisplayName: up.DisplayName, Email: up.Email, Aliases: up.Aliases, MustChangePassword: up.MustChangePassword})
	})
}

// SetPassword implements daemon.Backend.
func (b *Box) SetPassword(ctx context.Context, name, pw string, mustChange bool) error {
	return b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		if err := checkPolicy(s, name, pw); err != nil {
			return err
		}
		if _, err := user(ctx, d, name); err != nil {
			return err
		}
		return d.SetPassword(ctx, name, pw, mustChange)
	})
}

// SetDisabled implements daemon.Backend.
func (b *Box) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		u, err := user(ctx, d, name)
		if err != nil {
			return err
		}
		if u.Builtin {
			return invalid(api.Keyed(fmt.Errorf("%s is a built-in account; Posse does not change it", name), api.KeyBuiltinAccount, "user", name))
		}
		return d.UpdateUser(ctx, name, ad.UserUpdate{Disabled: &disabled})
	})
}

// DeleteUser implements daemon.Backend; built-in accounts are refused.
// When the site shares home folders, a sync of the files service removes
// the user's share section afterwards; the folder and its data stay.
func (b *Box) DeleteUser(ctx context.Context, name string) error {
	return b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		u, err := user(ctx, d, name)
		if err != nil {
			return err
		}
		if u.Builtin {
			return invalid(api.Keyed(fmt.Errorf("%s is a built-in account; Posse does not delete it", name), api.KeyBuiltinAccount, "user", name))
		}
		if err := d.DeleteUser(ctx, name); err != nil {
			return err
		}
		if homesEnabled(s) {
			b.requestHomeSync()
		}
		return nil
	})
}

// ImportUsers implements daemon.Backend with directory.Import; the
// generated passwords come back in the result, nowhere else. With home
// folders, like CreateUser: the attributes, then one background sync for
// the whole import.
func (b *Box) ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error) {
	var r api.ImportResult
	err := b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		var pw bytes.Buffer
		p := s.Policy()
		opts := directory.ImportOptions{
			Domain: s.Site.Domain, Policy: ad.Policy{MinLength: p.MinLength, Complexity: p.Complexity, MaxAgeDays: p.MaxAgeDays},
			MustChange: true, Passwords: &pw, DryRun: dryRun, Site: s,
		}
		if homesEnabled(s) {
			host := b.hostname()
			opts.Home = func(name string) (string, string) { return ad.HomeDirectory(host, name), ad.HomeDrive }
		}
		rep, err := directory.Import(ctx, d, bytes.NewReader(csv), opts)
		if homesEnabled(s) && !dryRun && len(rep.Created) > 0 {
			b.requestHomeSync() // also after a failure: the users created need folders
		}
		r.Created, r.Skipped = rep.Created, rep.Skipped
		for _, e := range rep.Bad {
			r.Problems = append(r.Problems, e.String())
		}
		for _, l := range strings.Split(pw.String(), "\n") {
			if l != "" {
				r.Passwords = append(r.Passwords, l)
			}
		}
		pw.Reset()
		return err
	})
	return r, err
}

// Groups implements daemon.Backend: non-built-in groups with their direct
// members.
func (b *Box) Groups(ctx context.Context) ([]api.Group, error) {
	var out []api.Group
	err := b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		gs, err := d.Groups(ctx)
		if err != nil {
			return err
		}
		us, err := d.Users(ctx)
		if err != nil {
			return err
		}
		members := map[string][]string{}
		for _, u := range us {
			for _, g := range u.Groups {
				members[strings.ToLower(g)] = append(members[strings.ToLower(g)], u.Username)
			}
		}
		for _, g := range gs {
			if g.Builtin {
				continue
			}
			m := members[strings.ToLower(g.Name)]
			sort.Strings(m)
			out = append(out, api.Group{Name: g.Name, Description: g.Description, Members: m})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// CreateGroup implements daemon.Backend. The group goes into OU=Posse,
// marked as created through possed (posse:api), with its members. A user
// of that name (account names are unique across users and groups) and
// Posse's service accounts as members are refused.
func (b *Box) CreateGroup(ctx context.Context, g api.Group) error {
	return b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		if err := checkMembers(g.Members); err != nil {
			return err
		}
		taken, err := directory.ReadTaken(ctx, d, nil)
		if err != nil {
			return err
		}
		if taken.UserExists(g.Name) {
			return invalid(api.Keyed(fmt.Errorf("a user of that name exists (account names are unique across users and groups): choose another group name than %s", g.Name), api.KeyNameIsUser, "name", g.Name))
		}
		if err := d.EnsureOU(ctx); err != nil {
			return err
		}
		// Marked posse:api, not the template's: prune never deletes it.
		if err := d.CreateGroup(ctx, ad.Group{Name: g.Name, Description: g.Description, Origin: ad.OriginAPI}); err != nil {
			if errors.Is(err, ad.ErrExists) {
				return invalid(api.Keyed(err, api.KeyGroupExists, "group", g.Name))
			}
			return err
		}
		for _, m := range g.Members {
			if err := d.AddMember(ctx, g.Name, m); err != nil {
				return fmt.Errorf("group %s was created, but adding %s failed: %w", g.Name, m, err)
			}
		}
		return nil
	})
}

// DeleteGroup implements daemon.Backend.
func (b *Box) DeleteGroup(ctx context.Context, name string) error {
	return b.withDir(ctx, func(d ad.Directory, _ *site.Site) error { return d.DeleteGroup(ctx, name) })
}

// checkMembers refuses Posse's service accounts as members to add or
// remove: their groups are their services' business.
func checkMembers(names ...[]string) error {
	for _, l := range names {
		for _, n := range l {
			if site.IsServiceAccount(n) {
				return invalid(api.Keyed(fmt.Errorf("%s is the directory account of one of Posse's services; Posse manages it, so its groups cannot be changed here", n), api.KeyServiceAccount, "user", n))
			}
		}
	}
	return nil
}

// SetMembers implements daemon.Backend; service accounts are refused.
func (b *Box) SetMembers(ctx context.Context, group string, add, remove []string) error {
	return b.withDir(ctx, func(d ad.Directory, _ *site.Site) error {
		if err := checkMembers(add, remove); err != nil {
			return err
		}
		for _, u := range add {
			if err := d.AddMember(ctx, group, u); err != nil {
				return err
			}
		}
		for _, u := range remove {
			if err := d.RemoveMember(ctx, group, u); err != nil {
				return err
			}
		}
		return nil
	})
}
