// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// ServiceAccountPrefix starts the names of accounts other Posse services
// create for themselves (posse-mail, …). The directory plan neither reports
// nor prunes them unless the template lists them.
const ServiceAccountPrefix = site.ServiceAccountPrefix

// IsServiceAccount reports whether username belongs to a Posse service.
func IsServiceAccount(username string) bool { return site.IsServiceAccount(username) }

// desired is the directory part of a site, validated and normalised.
type desired struct {
	groups    []GroupSpec
	users     []UserSpec
	polic     site.PasswordPolicy
	hasPolicy bool
}

func (d desired) policy() (ad.Policy, bool) {
	return ad.Policy{MinLength: d.polic.MinLength, Complexity: d.polic.Complexity, MaxAgeDays: d.polic.MaxAgeDays}, d.hasPolicy
}

// desiredState validates and normalises the site's groups and users.
func desiredState(st *site.Site, in siteInfo) (desired, error) {
	var d desired
	d.polic = st.Policy()
	d.hasPolicy = true
	known := map[string]bool{}
	for _, g := range st.Groups {
		if err := site.GroupNameError(g.Name); err != nil {
			return d, err
		}
		known[g.Name] = true
		d.groups = append(d.groups, GroupSpec{Conn: in.conn, Name: g.Name, Description: g.Description})
	}
	for _, u := range st.Users {
		if err := site.UsernameError(u.Username); err != nil {
			return d, err
		}
		data := UserData{Username: u.Username, GivenName: u.GivenName, Surname: u.Surname, Email: st.UserEmail(u), Disabled: u.Disabled,
			Service: u.IsService(), Admin: st.IsAdmin(u.Username)}
		data.DisplayName = ad.DisplayName(data.user())
		home := ad.HomeDirectory(in.hostname, u.Username)
		if st.Homes.Enabled && !u.IsService() {
			data.HomeDirectory, data.HomeDrive = home, ad.HomeDrive
		}
		data.Aliases = sortedUnique(u.Aliases)
		data.Groups = sortedUnique(u.Groups)
		for _, g := range data.Groups {
			if !known[g] {
				return d, fmt.Errorf("user %s: group %s is not in the template's groups", u.Username, quote(g))
			}
		}
		spec := UserSpec{Conn: in.conn, User: data, MustChange: u.MustChange(), posseHome: home}
		if u.Password != "" {
			name, err := secretName(u.Password)
			if err != nil {
				return d, fmt.Errorf("user %s: password: %w", u.Username, err)
			}
			spec.PasswordSecret = name
		}
		d.users = append(d.users, spec)
	}
	return d, nil
}

func sortedUnique(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

// diffDirectory compares the desired groups and users with the directory's
// and returns the steps (groups first, then users, then deletions) and notes.
// users and groups nil means an empty, not yet provisioned directory.
// last holds the names of the template last applied to the box: an
// unmarked user or group is pruned only when it is listed there (see
// prunable).
func diffDirectory(c ad.ConnSpec, want desired, users []ad.User, groups []ad.Group, prune bool, last applied) ([]plan.Step, []plan.Note) {
	var steps, delUsers, delGroups []plan.Step
	var notes, extraU, extraG []plan.Note
	haveG := map[string]ad.Group{}
	for _, g := range groups {
		haveG[strings.ToLower(g.Name)] = g
	}
	wantG := map[string]bool{}
	for _, g := range want.groups {
		wantG[strings.ToLower(g.Name)] = true
		cur, ok := haveG[strings.ToLower(g.Name)]
		switch {
		case !ok:
			st := plan.NewStep(Name, plan.Create, KindGroup, "group "+g.Name, "", g)
			if g.Description != "" {
				st.Changes = []plan.Change{{Field: "description", After: g.Description}}
			}
			steps = append(steps, st)
		case cur.Builtin:
			notes = append(notes, plan.Note{Service: Name, Target: "group " + cur.Name, Message: "built-in group; Posse leaves it alone (rename the template's group)"})
		default:
			if st, ok := updateGroupStep(g, cur); ok {
				steps = append(steps, st)
			}
		}
	}
	for _, g := range groups {
		if g.Builtin || wantG[strings.ToLower(g.Name)] {
			continue
		}
		if prune && prunable(g.Managed, ad.ValidGroupName(g.Name), g.Origin, last.groups[strings.ToLower(g.Name)]) {
			delGroups = append(delGroups, plan.NewStep(Name, plan.Delete, KindGroup, "group "+g.Name, "not in the template (prune)", GroupSpec{Conn: c, Name: g.Name}))
			continue
		}
		extraG = append(extraG, groupNote(g, prune, last))
	}

	haveU := map[string]ad.User{}
	for _, u := range users {
		haveU[strings.ToLower(u.Username)] = u
	}
	wantU := map[string]bool{}
	for _, u := range want.users {
		wantU[strings.ToLower(u.User.Username)] = true
		cur, ok := haveU[strings.ToLower(u.User.Username)]
		switch {
		case !ok:
			steps = append(steps, createUserStep(u))
		case cur.Builtin:
			notes = append(notes, plan.Note{Service: Name, Target: "user " + cur.Username, Message: "built-in account; Posse leaves it alone"})
		default:
			if st, ok := updateUserStep(u, cur, wantG, last.admins[strings.ToLower(cur.Username)]); ok {
				steps = append(steps, st)
			}
		}
	}
	for _, u := range users {
		if u.Builtin || wantU[strings.ToLower(u.Username)] || IsServiceAccount(u.Username) {
			continue
		}
		if prune && prunable(u.Managed, ad.ValidUsername(u.Username), u.Origin, last.users[strings.ToLower(u.Username)]) {
			delUsers = append(delUsers, plan.NewStep(Name, plan.Delete, KindUser, "user "+u.Username, "not in the template (prune)",
				UserSpec{Conn: c, User: UserData{Username: u.Username}}))
			continue
		}
		extraU = append(extraU, userNote(u, prune, last))
	}
	notes = append(notes, summarise(extraG, "groups")...)
	notes = append(notes, summarise(extraU, "users")...)
	steps = append(steps, delUsers...)
	return append(steps, delGroups...), notes
}

// maxNotes is how many entries not in the template are reported one by
// one; beyond that, notes with the same message are folded into one.
const maxNotes = 20

// summarise folds many notes with the same message into one per message.
func summarise(notes []plan.Note, what string) []plan.Note {
	if len(notes) <= maxNotes {
		return notes
	}
	byMsg := map[string][]string{}
	var order []string
	for _, n := range notes {
		if _, ok := byMsg[n.Message]; !ok {
			order = append(order, n.Message)
		}
		_, name, _ := strings.Cut(n.Target, " ")
		byMsg[n.Message] = append(byMsg[n.Message], name)
	}
	var out []plan.Note
	for _, msg := range order {
		names := byMsg[msg]
		list := strings.Join(names[:min(5, len(names))], ", ")
		if len(names) > 5 {
			list += ", …"
		}
		out = append(out, plan.Note{Service: Name, Target: fmt.Sprintf("%d %s", len(names), what),
			Message: fmt.Sprintf("%s (%s; see possectl users list)", msg, list)})
	}
	return out
}

// prunable reports whether prune may delete a user or group in the
// directory that the template does not list: one in OU=Posse (managed)
// with a name Posse manages (valid) that an apply of a template created
// (origin posse:template), or an unmarked one that the template last
// applied to the box listed (listed: made by an apply before Posse marked
// users and groups). Entries created through possed (posse:api) and other
// unmarked ones are never pruned.
func prunable(managed, valid bool, origin string, listed bool) bool {
	if !managed || !valid {
		return false
	}
	switch origin {
	case ad.OriginTemplate:
		return true
	case "":
		return listed
	}
	return false
}

// userNote explains why a user not in the template stays.
func userNote(u ad.User, prune bool, last applied) plan.Note {
	return extraNote(entryInfo{target: "user " + u.Username, managed: u.Managed, valid: ad.ValidUsername(u.Username),
		origin: u.Origin, listed: last.users[strings.ToLower(u.Username)],
		madeBy: "users add or CSV import", deleteWith: "with possectl users delete"}, prune)
}

// groupNote explains why a group not in the template stays.
func groupNote(g ad.Group, prune bool, last applied) plan.Note {
	return extraNote(entryInfo{target: "group " + g.Name, managed: g.Managed, valid: ad.ValidGroupName(g.Name),
		origin: g.Origin, listed: last.groups[strings.ToLower(g.Name)],
		madeBy: "the Groups screen", deleteWith: "on the Groups screen"}, prune)
}

// entryInfo is what extraNote needs of a user or group not in the template.
type entryInfo struct {
	target         string // "user NAME" or "group NAME"
	managed, valid bool
	origin         string
	listed         bool   // in the template last applied
	madeBy         string // how possed creates such entries
	deleteWith     string // where an office manager deletes one ("with …", "on …")
}

// extraNote explains why a user or group not in the template stays.
func extraNote(e entryInfo, prune bool) plan.Note {
	switch {
	case !e.managed || (prune && !e.valid):
		return unmanagedNote(e.target, e.managed, prune)
	case e.origin == ad.OriginAPI:
		return plan.Note{Service: Name, Target: e.target, Message: "created through possed (" + e.madeBy + "), not by the template; prune never deletes it: add it to the template, or delete it " + e.deleteWith}
	case !prunable(e.managed, e.valid, e.origin, e.listed):
		return plan.Note{Service: Name, Target: e.target, Message: "in the directory but not in the template, and no template apply created it (no " + ad.OriginPrefix + ad.OriginTemplate + " mark); prune never deletes it: delete it " + e.deleteWith}
	}
	return unmanagedNote(e.target, true, prune)
}

// updateGroupStep compares a template group with the directory's: the
// description, and the mark of an unmarked group in OU=Posse, which
// becomes the template's (groups made by applies before the mark
// existed); groups made through possed keep their mark.
func updateGroupStep(g GroupSpec, cur ad.Group) (plan.Step, bool) {
	var ch []plan.Change
	if cur.Description != g.Description {
		ch = append(ch, plan.Change{Field: "description", Before: cur.Description, After: g.Description})
		g.Set = append(g.Set, "description")
	}
	if cur.Managed && cur.Origin == "" {
		ch = append(ch, plan.Change{Field: "origin", Before: "", After: ad.OriginPrefix + ad.OriginTemplate})
		g.Set = append(g.Set, "origin")
	}
	if len(ch) == 0 {
		return plan.Step{}, false
	}
	st := plan.NewStep(Name, plan.Update, KindGroup, "group "+g.Name, "", g)
	st.Changes = ch
	return st, true
}

func unmanagedNote(target string, managed, prune bool) plan.Note {
	msg := "in the directory but not in the template; left alone (directory.prune: true would delete)"
	if !managed {
		msg = "in the directory but not in the template, outside " + ad.OU + ", which Posse never deletes from"
	} else if prune {
		msg = "not in the template, but its name is not one Posse manages; left alone"
	}
	return plan.Note{Service: Name, Target: target, Message: msg}
}

func createUserStep(u UserSpec) plan.Step {
	st := plan.NewStep(Name, plan.Create, KindUser, "user "+u.User.Username, "", u)
	add := func(field, after string) {
		if after != "" {
			st.Changes = append(st.Changes, plan.Change{Field: field, After: after})
		}
	}
	d := u.User
	add("given_name", d.GivenName)
	add("surname", d.Surname)
	add("display_name", d.DisplayName)
	add("email", d.Email)
	add("aliases", strings.Join(d.Aliases, ", "))
	add("groups", strings.Join(d.Groups, ", "))
	add("home_directory", d.HomeDirectory)
	add("home_drive", d.HomeDrive)
	if d.Disabled {
		add("disabled", "true")
	}
	if d.Service {
		add("kind", site.KindService)
		add("password_never_expires", "true")
	}
	if d.Admin {
		add("admin", "true")
	}
	if u.PasswordSecret != "" {
		add("password", "${secret:"+u.PasswordSecret+"}")
		add("must_change_password", strconv.FormatBool(u.MustChange))
	} else {
		add("password", "(random: set one with possectl users set-password)")
	}
	return st
}

// updateUserStep compares one user; managed lists the template's groups
// (lower case), the only memberships Posse changes. wasAdmin says the
// template last applied listed the user under admins: Posse takes Domain
// Admins away only from such users, never from one an administrator made
// a domain admin by hand.
func updateUserStep(u UserSpec, cur ad.User, managed map[string]bool, wasAdmin bool) (plan.Step, bool) {
	d := u.User
	var ch []plan.Change
	var set []string
	cmp := func(field, before, after string) {
		if before != after {
			ch = append(ch, plan.Change{Field: field, Before: before, After: after})
			set = append(set, field)
		}
	}
	cmp("given_name", cur.GivenName, d.GivenName)
	cmp("surname", cur.Surname, d.Surname)
	cmp("display_name", cur.DisplayName, d.DisplayName)
	cmp("email", cur.Email, d.Email)
	cmp("aliases", strings.Join(sortedUnique(cur.Aliases), ", "), strings.Join(d.Aliases, ", "))
	cmp("disabled", strconv.FormatBool(cur.Disabled), strconv.FormatBool(d.Disabled))
	cmp("password_never_expires", strconv.FormatBool(cur.PasswordNeverExpires), strconv.FormatBool(d.Service))
	if d.Admin != cur.DomainAdmin && (d.Admin || wasAdmin) {
		cmp("admin", strconv.FormatBool(cur.DomainAdmin), strconv.FormatBool(d.Admin))
	}
	// Home attributes: set when homes are on; when off, only values Posse
	// would have set are cleared (hand-made mappings stay).
	if d.HomeDirectory != "" || (cur.HomeDirectory != "" && strings.EqualFold(cur.HomeDirectory, u.posseHome)) {
		cmp("home_directory", cur.HomeDirectory, d.HomeDirectory)
		cmp("home_drive", cur.HomeDrive, d.HomeDrive)
	}
	// An unmarked user in OU=Posse that the template lists is the
	// template's from now on (users made by applies before the mark
	// existed); users made through possed keep their mark.
	if cur.Managed && cur.Origin == "" {
		cmp("origin", "", ad.OriginPrefix+ad.OriginTemplate)
	}
	var curManaged []string
	for _, g := range cur.Groups {
		if managed[strings.ToLower(g)] {
			curManaged = append(curManaged, g)
		}
	}
	curManaged = sortedUnique(curManaged)
	for _, g := range d.Groups {
		if !slices.ContainsFunc(curManaged, func(x string) bool { return strings.EqualFold(x, g) }) {
			u.AddGroups = append(u.AddGroups, g)
		}
	}
	for _, g := range curManaged {
		if !slices.ContainsFunc(d.Groups, func(x string) bool { return strings.EqualFold(x, g) }) {
			u.RemoveGroups = append(u.RemoveGroups, g)
		}
	}
	if len(u.AddGroups)+len(u.RemoveGroups) > 0 {
		ch = append(ch, plan.Change{Field: "groups", Before: strings.Join(curManaged, ", "), After: strings.Join(d.Groups, ", ")})
	}
	if len(ch) == 0 {
		return plan.Step{}, false
	}
	u.Set = set
	u.PasswordSecret = "" // an initial password only matters at creation
	u.MustChange = false
	st := plan.NewStep(Name, plan.Update, KindUser, "user "+d.Username, "", u)
	st.Changes = ch
	return st, true
}
