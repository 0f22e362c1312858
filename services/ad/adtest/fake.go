// SPDX-License-Identifier: GPL-3.0-or-later

// Package adtest provides an in-memory ad.Directory for tests
// of code that reads or changes users and groups without a Samba server.
package adtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Fake is an in-memory Directory. It validates names like the LDAP
// implementation, records every change in Calls, and keeps passwords so
// tests can check them. It is safe for concurrent use.
type Fake struct {
	mu        sync.Mutex
	Base      string
	users     map[string]*entry
	groups    map[string]*ad.Group
	members   map[string]map[string]bool // group -> usernames
	policy    ad.Policy
	calls     []string
	ouCreated bool
	// FailCreate makes CreateUser fail for these usernames.
	FailCreate map[string]error
}

type entry struct {
	u          ad.User
	password   string
	mustChange bool
}

// New returns an empty fake directory with base DN DC=ad,DC=example,DC=com
// and Samba's default policy.
func New() *Fake {
	return &Fake{
		Base:    "DC=ad,DC=example,DC=com",
		users:   map[string]*entry{},
		groups:  map[string]*ad.Group{},
		members: map[string]map[string]bool{},
		policy:  ad.Policy{MinLength: 7, Complexity: true, MaxAgeDays: 42},
	}
}

var _ ad.Directory = (*Fake)(nil)

func (f *Fake) record(format string, a ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
}

// Calls returns the changes made so far, in order.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// SeedUser adds a user as if it already existed (no call recorded).
func (f *Fake) SeedUser(u ad.User, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.ToLower(u.Username)
	if u.DN == "" {
		u.DN = "CN=" + ad.EscapeDN(u.Username) + "," + ad.OU + "," + f.Base
		u.Managed = true
	}
	for _, g := range u.Groups {
		if f.members[strings.ToLower(g)] == nil {
			f.members[strings.ToLower(g)] = map[string]bool{}
		}
		f.members[strings.ToLower(g)][key] = true
	}
	u.Groups = nil
	f.users[key] = &entry{u: u, password: password}
}

// SeedGroup adds a group as if it already existed.
func (f *Fake) SeedGroup(g ad.Group) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g.DN == "" {
		g.DN = "CN=" + ad.EscapeDN(g.Name) + "," + ad.OU + "," + f.Base
		g.Managed = true
	}
	f.groups[strings.ToLower(g.Name)] = &g
}

// SetPolicyDirect sets the policy without recording a call.
func (f *Fake) SetPolicyDirect(p ad.Policy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policy = p
}

// Password returns a user's password and must-change flag.
func (f *Fake) Password(username string) (string, bool, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.users[strings.ToLower(username)]
	if !ok {
		return "", false, false
	}
	return e.password, e.mustChange, true
}

// BaseDN implements ad.Directory.
func (f *Fake) BaseDN() string { return f.Base }

// Close implements ad.Directory.
func (f *Fake) Close() error { return nil }

// EnsureOU implements ad.Directory.
func (f *Fake) EnsureOU(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ouCreated {
		f.ouCreated = true
		f.record("ensure-ou")
	}
	return nil
}

func (f *Fake) userLocked(e *entry) ad.User {
	u := e.u
	u.MustChangePassword = e.mustChange
	u.Aliases = slices.Clone(u.Aliases)
	u.Groups = nil
	key := strings.ToLower(u.Username)
	for g, m := range f.members {
		if m[key] {
			if gr, ok := f.groups[g]; ok {
				u.Groups = append(u.Groups, gr.Name)
			}
		}
	}
	slices.Sort(u.Groups)
	return u
}

// Users implements ad.Directory.
func (f *Fake) Users(context.Context) ([]ad.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ad.User
	for _, e := range f.users {
		out = append(out, f.userLocked(e))
	}
	slices.SortFunc(out, func(a, b ad.User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// Groups implements ad.Directory.
func (f *Fake) Groups(context.Context) ([]ad.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ad.Group
	for _, g := range f.groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b ad.Group) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// User implements ad.Directory.
func (f *Fake) User(_ context.Context, username string) (ad.User, bool, error) {
	if !ad.ValidUsername(username) {
		return ad.User{}, false, fmt.Errorf("invalid username %q", username)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.users[strings.ToLower(username)]
	if !ok {
		return ad.User{}, false, nil
	}
	return f.userLocked(e), true, nil
}

func (f *Fake) existing(username string) (*entry, error) {
	if !ad.ValidUsername(username) {
		return nil, fmt.Errorf("invalid username %q", username)
	}
	e, ok := f.users[strings.ToLower(username)]
	if !ok {
		return nil, fmt.Errorf("no user %s in the directory", username)
	}
	if e.u.Builtin {
		return nil, fmt.Errorf("user %s is a built-in account", username)
	}
	return e, nil
}

// CreateUser implements ad.Directory.
func (f *Fake) CreateUser(_ context.Context, u ad.User, password string, mustChange bool) error {
	if !ad.ValidUsername(u.Username) {
		return fmt.Errorf("invalid username %q", u.Username)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.FailCreate[u.Username]; err != nil {
		return err
	}
	key := strings.ToLower(u.Username)
	if _, ok := f.users[key]; ok {
		return fmt.Errorf("creating user %s: %w", u.Username, ad.ErrExists)
	}
	if err := site.CheckPassword(f.policy.PasswordPolicy(), u.Username, password); err != nil {
		return fmt.Errorf("creating user %s: the password does not meet the domain's password policy", u.Username)
	}
	u.DN = "CN=" + ad.EscapeDN(u.Username) + "," + ad.OU + "," + f.Base
	u.Managed = true
	u.Groups = nil // memberships are added with AddMember, as over LDAP
	f.users[key] = &entry{u: u, password: password, mustChange: mustChange}
	f.record("create-user %s", u.Username)
	return nil
}

// UpdateUser implements ad.Directory.
func (f *Fake) UpdateUser(_ context.Context, username string, up ad.UserUpdate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.existing(username)
	if err != nil {
		return err
	}
	var fields []string
	set := func(name string, dst *string, v *string) {
		if v != nil {
			*dst = *v
			fields = append(fields, name)
		}
	}
	set("given_name", &e.u.GivenName, up.GivenName)
	set("surname", &e.u.Surname, up.Surname)
	set("display_name", &e.u.DisplayName, up.DisplayName)
	set("email", &e.u.Email, up.Email)
	set("home_directory", &e.u.HomeDirectory, up.HomeDirectory)
	set("home_drive", &e.u.HomeDrive, up.HomeDrive)
	if up.Aliases != nil {
		e.u.Aliases = slices.Clone(*up.Aliases)
		fields = append(fields, "aliases")
	}
	if up.Disabled != nil {
		e.u.Disabled = *up.Disabled
		fields = append(fields, "disabled")
	}
	if up.MustChangePassword != nil {
		e.mustChange = *up.MustChangePassword
		fields = append(fields, "must_change_password")
	}
	if up.PasswordNeverExpires != nil {
		e.u.PasswordNeverExpires = *up.PasswordNeverExpires
		fields = append(fields, "password_never_expires")
	}
	if up.DomainAdmin != nil {
		e.u.DomainAdmin = *up.DomainAdmin
		fields = append(fields, "domain_admin")
	}
	set("origin", &e.u.Origin, up.Origin)
	f.record("update-user %s %s", username, strings.Join(fields, ","))
	return nil
}

// SetPassword implements ad.Directory.
func (f *Fake) SetPassword(_ context.Context, username, password string, mustChange bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.existing(username)
	if err != nil {
		return err
	}
	if err := site.CheckPassword(f.policy.PasswordPolicy(), username, password); err != nil {
		return fmt.Errorf("setting the password of %s: the password does not meet the domain's password policy", username)
	}
	e.password, e.mustChange = password, mustChange
	f.record("set-password %s must-change=%v", username, mustChange)
	return nil
}

// DeleteUser implements ad.Directory.
func (f *Fake) DeleteUser(_ context.Context, username string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.existing(username); err != nil {
		return err
	}
	key := strings.ToLower(username)
	delete(f.users, key)
	for _, m := range f.members {
		delete(m, key)
	}
	f.record("delete-user %s", username)
	return nil
}

// CreateGroup implements ad.Directory.
func (f *Fake) CreateGroup(_ context.Context, g ad.Group) error {
	if !ad.ValidGroupName(g.Name) {
		return fmt.Errorf("invalid group name %q", g.Name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.ToLower(g.Name)
	if _, ok := f.groups[key]; ok {
		return fmt.Errorf("creating group %s: %w", g.Name, ad.ErrExists)
	}
	g.DN = "CN=" + ad.EscapeDN(g.Name) + "," + ad.OU + "," + f.Base
	g.Managed = true
	f.groups[key] = &g
	f.record("create-group %s", g.Name)
	return nil
}

func (f *Fake) group(name string) (*ad.Group, error) {
	if !ad.ValidGroupName(name) {
		return nil, fmt.Errorf("invalid group name %q", name)
	}
	g, ok := f.groups[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("no group %s in the directory", name)
	}
	return g, nil
}

// SetGroupDescription implements ad.Directory.
func (f *Fake) SetGroupDescription(_ context.Context, name, description string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(name)
	if err != nil {
		return err
	}
	g.Description = description
	f.record("describe-group %s", name)
	return nil
}

// SetGroupOrigin implements ad.Directory.
func (f *Fake) SetGroupOrigin(_ context.Context, name, origin string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(name)
	if err != nil {
		return err
	}
	g.Origin = origin
	f.record("mark-group %s %s", name, origin)
	return nil
}

// DeleteGroup implements ad.Directory.
func (f *Fake) DeleteGroup(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.group(name); err != nil {
		return err
	}
	delete(f.groups, strings.ToLower(name))
	delete(f.members, strings.ToLower(name))
	f.record("delete-group %s", name)
	return nil
}

func (f *Fake) member(group, username string, add bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.group(group); err != nil {
		return err
	}
	if _, err := f.existing(username); err != nil {
		return err
	}
	gk := strings.ToLower(group)
	if f.members[gk] == nil {
		f.members[gk] = map[string]bool{}
	}
	if add {
		f.members[gk][strings.ToLower(username)] = true
		f.record("add-member %s %s", group, username)
	} else {
		delete(f.members[gk], strings.ToLower(username))
		f.record("remove-member %s %s", group, username)
	}
	return nil
}

// AddMembers implements ad.Directory.
func (f *Fake) AddMembers(ctx context.Context, group string, usernames []string) error {
	for _, u := range usernames {
		if err := f.member(group, u, true); err != nil {
			return err
		}
	}
	return nil
}

// AddMember implements ad.Directory.
func (f *Fake) AddMember(_ context.Context, group, username string) error {
	return f.member(group, username, true)
}

// RemoveMember implements ad.Directory.
func (f *Fake) RemoveMember(_ context.Context, group, username string) error {
	return f.member(group, username, false)
}

// Policy implements ad.Directory.
func (f *Fake) Policy(context.Context) (ad.Policy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policy, nil
}

// SetPolicy implements ad.Directory.
func (f *Fake) SetPolicy(_ context.Context, p ad.Policy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policy = p
	f.record("set-policy %d %v %d", p.MinLength, p.Complexity, p.MaxAgeDays)
	return nil
}
