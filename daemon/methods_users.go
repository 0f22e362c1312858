// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

// users is the object on api.UsersInterface.
type users struct{ s *Server }

// List3 returns users whose username, name or mail contains query
// (case-insensitive); "" lists all.
func (o *users) List3(sender dbus.Sender, msg dbus.Message, query string) ([]api.User, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, api.MethodUsersList)
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	if len(query) > maxQuery || site.HasControl(query) {
		return nil, c.invalid(fmt.Errorf("search text must be at most %d printable characters", maxQuery))
	}
	r, err := o.s.backend.Users(c.ctx, query)
	return nonNil(r), c.done(err)
}

// Get3 returns one user.
func (o *users) Get3(sender dbus.Sender, msg dbus.Message, username string) (api.User, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, api.MethodUsersGet)
	if derr != nil {
		return api.User{}, derr
	}
	defer c.end()
	if err := checkUsername(username); err != nil {
		return api.User{}, c.invalid(err)
	}
	u, err := o.s.backend.User(c.ctx, username)
	u.Aliases, u.Groups = nonNil(u.Aliases), nonNil(u.Groups)
	return u, c.done(err)
}

// Logon3 says how a user logs on and which shares their groups reach (the
// password sheet).
func (o *users) Logon3(sender dbus.Sender, msg dbus.Message, username string) (api.LogonInfo, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, api.MethodUsersLogon)
	if derr != nil {
		return api.LogonInfo{}, derr
	}
	defer c.end()
	if err := checkUsername(username); err != nil {
		return api.LogonInfo{}, c.invalid(err)
	}
	r, err := o.s.backend.Logon(c.ctx, username)
	r.Shares = nonNil(r.Shares)
	return r, c.done(err)
}

// Create adds a user with an initial password; mustChange forces a new
// password at the first logon.
func (o *users) Create(sender dbus.Sender, msg dbus.Message, u api.User, password string, mustChange bool) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, "Create")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkUser(u), checkPassword(password)); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.CreateUser(ctx, u, password, mustChange) })
}

// Update replaces the attributes named in changes: GivenName, Surname,
// DisplayName, Email (s) and Aliases (as). Other keys are refused.
func (o *users) Update(sender dbus.Sender, msg dbus.Message, username string, changes map[string]dbus.Variant) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, "Update")
	if derr != nil {
		return derr
	}
	defer c.end()
	up, err := decodeUpdate(username, changes)
	if err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.UpdateUser(ctx, username, up) })
}

// decodeUpdate checks an Update call's arguments.
func decodeUpdate(username string, changes map[string]dbus.Variant) (UserUpdate, error) {
	var up UserUpdate
	if err := firstErr(checkUsername(username), checkChangeable(username)); err != nil {
		return up, err
	}
	if len(changes) == 0 {
		return up, fmt.Errorf("no changes given")
	}
	for k, v := range changes {
		switch k {
		case "GivenName", "Surname", "DisplayName", "Email":
			s, ok := v.Value().(string)
			if !ok {
				return up, fmt.Errorf("%s must be a string (s), not %s", k, v.Signature())
			}
			var err error
			switch k {
			case "Email":
				if s != "" {
					err = checkUserEmail(s)
				}
			case "GivenName":
				err = checkName("given name", s)
			case "Surname":
				err = checkName("surname", s)
			default:
				err = checkText("display name", s)
			}
			if err != nil {
				return up, err
			}
			switch k {
			case "GivenName":
				up.GivenName = &s
			case "Surname":
				up.Surname = &s
			case "DisplayName":
				up.DisplayName = &s
			case "Email":
				up.Email = &s
			}
		case "MustChangePassword":
			b, ok := v.Value().(bool)
			if !ok {
				return up, fmt.Errorf("MustChangePassword must be a boolean (b), not %s", v.Signature())
			}
			up.MustChangePassword = &b
		case "Aliases":
			a, ok := v.Value().([]string)
			if !ok {
				return up, fmt.Errorf("Aliases must be a list of strings (as), not %s", v.Signature())
			}
			if err := checkList("aliases", a, checkUserAlias); err != nil {
				return up, err
			}
			up.Aliases = &a
		default:
			return up, fmt.Errorf("unknown attribute %q: use GivenName, Surname, DisplayName, Email, Aliases or MustChangePassword", clip(k))
		}
	}
	return up, nil
}

// SetPassword resets a user's password.
func (o *users) SetPassword(sender dbus.Sender, msg dbus.Message, username, password string, mustChange bool) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, "SetPassword")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkUsername(username), checkChangeable(username), checkPassword(password)); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.SetPassword(ctx, username, password, mustChange) })
}

// Disable locks an account without deleting it.
func (o *users) Disable(sender dbus.Sender, msg dbus.Message, username string) *dbus.Error {
	return o.setDisabled(sender, msg, "Disable", username, true)
}

// Enable unlocks a disabled account.
func (o *users) Enable(sender dbus.Sender, msg dbus.Message, username string) *dbus.Error {
	return o.setDisabled(sender, msg, "Enable", username, false)
}

func (o *users) setDisabled(sender dbus.Sender, msg dbus.Message, method, username string, disabled bool) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, method)
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkUsername(username), checkChangeable(username)); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.SetDisabled(ctx, username, disabled) })
}

// Delete removes a user.
func (o *users) Delete(sender dbus.Sender, msg dbus.Message, username string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, "Delete")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkUsername(username), checkChangeable(username)); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.DeleteUser(ctx, username) })
}

// Import creates and updates users from CSV; with dryRun it only reports.
func (o *users) Import(sender dbus.Sender, msg dbus.Message, csv []byte, dryRun bool) (api.ImportResult, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.UsersInterface, "Import")
	if derr != nil {
		return api.ImportResult{}, derr
	}
	defer c.end()
	if len(csv) == 0 || len(csv) > maxCSV {
		return api.ImportResult{}, c.invalid(fmt.Errorf("the CSV file must hold 1 to %d bytes", maxCSV))
	}
	var r api.ImportResult
	derr = c.change(func(ctx context.Context) error {
		var err error
		r, err = o.s.backend.ImportUsers(ctx, csv, dryRun)
		return err
	})
	r.Created, r.Skipped, r.Problems, r.Passwords = nonNil(r.Created), nonNil(r.Skipped), nonNil(r.Problems), nonNil(r.Passwords)
	return r, derr
}

// groups is the object on api.GroupsInterface.
type groups struct{ s *Server }

// List returns every group with its members.
func (o *groups) List(sender dbus.Sender, msg dbus.Message) ([]api.Group, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.GroupsInterface, "List")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	r, err := o.s.backend.Groups(c.ctx)
	for i := range r {
		r[i].Members = nonNil(r[i].Members)
	}
	return nonNil(r), c.done(err)
}

// Create adds a group (Members are added too).
func (o *groups) Create(sender dbus.Sender, msg dbus.Message, g api.Group) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.GroupsInterface, "Create")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkGroupName(g.Name), site.TextError("description", g.Description, site.MaxDescriptionLen), checkList("members", g.Members, checkMember)); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.CreateGroup(ctx, g) })
}

// Delete removes a group.
func (o *groups) Delete(sender dbus.Sender, msg dbus.Message, name string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.GroupsInterface, "Delete")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := checkGroupName(name); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.DeleteGroup(ctx, name) })
}

// SetMembers adds and removes direct members of a group.
func (o *groups) SetMembers(sender dbus.Sender, msg dbus.Message, name string, add, remove []string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.GroupsInterface, "SetMembers")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := firstErr(checkGroupName(name), checkList("add", add, checkMember), checkList("remove", remove, checkMember)); err != nil {
		return c.invalid(err)
	}
	if len(add)+len(remove) == 0 {
		return c.invalid(fmt.Errorf("nothing to add or remove"))
	}
	for _, a := range add {
		for _, r := range remove {
			if strings.EqualFold(a, r) {
				return c.invalid(fmt.Errorf("%s is both added and removed", a))
			}
		}
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.SetMembers(ctx, name, add, remove) })
}
