// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
)

// DefaultEveryone is the name of the group every user of a staff list is
// in. The template model has no built-in everyone group, so Build makes
// this one.
const DefaultEveryone = "staff"

// maxUsernameLen is the longest username site.UsernamePattern allows;
// maxLocalLen the longest local part of a mail address.
const (
	maxUsernameLen = 20
	maxLocalLen    = 64
)

// User is a person of the staff list as the template gets them.
type User struct {
	// Line is the person's line in the staff list.
	Line      int      `json:"line"`
	Username  string   `json:"username"`
	GivenName string   `json:"given_name"`
	Surname   string   `json:"surname"`
	Email     string   `json:"email"`
	Groups    []string `json:"groups"`
	// Secret names the initial password in the secrets file.
	Secret string `json:"secret"`
}

// Group is a group of the template: the everyone group or a department.
type Group struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Department is the department as first written; empty for the
	// everyone group.
	Department string `json:"department,omitempty"`
	Members    int    `json:"members"`
}

// Share is a share of the starting template: one per group, written to by
// that group.
type Share struct {
	Name        string `json:"name"`
	Path        string `json:"path"`
	Description string `json:"description"`
	Group       string `json:"group"`
}

// Staff is what a staff list gives a site: users, groups and shares.
type Staff struct {
	Domain string `json:"domain"`
	// Everyone is the group every user is in.
	Everyone string  `json:"everyone"`
	Users    []User  `json:"users"`
	Groups   []Group `json:"groups"`
	Shares   []Share `json:"shares"`
}

// Build derives the users, groups and shares of a staff list for domain.
// The rule (docs/staff-list.md):
//
//   - a user's mail address is first.last@domain and the username
//     first.last, cut to 20 characters, both transliterated (see
//     Transliterate and namePart); a username or email column, where
//     filled in, is taken as it is (in lower case);
//   - when a username or an address is taken, by an earlier row or by a
//     username or email written in the list, the person gets the lowest
//     number from 2 on that frees both: anna.mueller, anna.mueller2;
//   - every department is a group named like the department, transliterated
//     and with every run of other characters one hyphen
//     ("Buchhaltung & Lohn" → buchhaltung-lohn); every user is in the
//     everyone group and in the groups of their departments;
//   - every group gets a share named like its department, which the group
//     may write to; the everyone group's is "Shared".
//
// It returns every problem, each with the list's file and line: an
// invalid or duplicate username or address in the list, a name or
// department that gives no usable name. People with problems are left out.
func Build(file string, people []Person, domain, everyone string) (*Staff, site.Problems) {
	if everyone == "" {
		everyone = DefaultEveryone
	}
	b := &builder{
		file:     file,
		domain:   domain,
		st:       &Staff{Domain: domain, Everyone: everyone},
		users:    map[string]int{},
		addrs:    map[string]int{},
		groups:   map[string]int{},
		secrets:  map[string]bool{"domain_admin": true, "backup": true},
		badLines: map[int]bool{},
	}
	b.addGroup(everyone, "", 0)
	// First what the list writes itself, so that a derived name never takes
	// a username or address someone has in the list, even further down.
	for _, p := range people {
		b.given(p)
	}
	for _, p := range people {
		if !b.badLines[p.Line] {
			b.derive(p)
		}
	}
	// Departments of rows left out may have nobody in them.
	groups := b.st.Groups[:0]
	for _, g := range b.st.Groups {
		if g.Members > 0 {
			groups = append(groups, g)
		}
	}
	b.st.Groups = groups
	b.shares()
	b.probs.Sort()
	return b.st, b.probs
}

type builder struct {
	file   string
	domain string
	st     *Staff
	// users, addrs and groups hold the names taken, with the line that
	// took them (0 for the everyone group).
	users, addrs, groups map[string]int
	secrets              map[string]bool
	badLines             map[int]bool
	probs                site.Problems
}

func (b *builder) bad(line int, msg, hint string) {
	b.badLines[line] = true
	b.probs = append(b.probs, site.Problem{File: b.file, Line: line, Message: msg, Hint: hint})
}

func (b *builder) at(line int) string { return fmt.Sprintf("%s:%d", b.file, line) }

// given checks and records a row's written username and email and its
// departments.
func (b *builder) given(p Person) {
	if u := strings.ToLower(p.Username); u != "" {
		switch first, dup := b.users[u]; {
		case site.UsernameError(u) != nil:
			b.bad(p.Line, site.UsernameError(u).Error(), "")
		case site.IsServiceAccount(u):
			b.bad(p.Line, fmt.Sprintf("username %q starts with %s, which is reserved for Posse's own services", u, site.ServiceAccountPrefix), "choose another username")
		case dup:
			b.bad(p.Line, fmt.Sprintf("username %q is also given at %s", u, b.at(first)), "every person needs their own username")
		default:
			b.users[u] = p.Line
		}
	}
	if e := strings.ToLower(p.Email); e != "" {
		_, dom, _ := strings.Cut(e, "@")
		switch first, dup := b.addrs[e]; {
		case site.UserAddressError("email", e) != nil:
			b.bad(p.Line, site.UserAddressError("email", e).Error(), "")
		case dom != b.domain:
			b.bad(p.Line, fmt.Sprintf("email %q is not in the domain %s", e, b.domain),
				"use an address in "+b.domain+", or leave the cell empty for first.last@"+b.domain)
		case dup:
			b.bad(p.Line, fmt.Sprintf("email %q is also given at %s", e, b.at(first)), "every person needs their own address")
		default:
			b.addrs[e] = p.Line
		}
	}
	for _, d := range p.Departments {
		g := groupName(d)
		if err := site.GroupNameError(g); err != nil {
			b.bad(p.Line, fmt.Sprintf("department %q cannot be a group: %v", d, err), "rename the department in the staff list")
			continue
		}
		b.addGroup(g, d, p.Line)
	}
}

// groupName makes a group name of a department, cut to the grammar's 64
// characters.
func groupName(dept string) string {
	g := slug(dept)
	if len(g) > 64 {
		g = strings.TrimRight(g[:64], "-")
	}
	return g
}

func (b *builder) addGroup(name, dept string, line int) {
	if _, ok := b.groups[name]; ok {
		return
	}
	b.groups[name] = line
	desc := "Everybody on the staff list"
	if dept != "" {
		desc = dept
	}
	b.st.Groups = append(b.st.Groups, Group{Name: name, Description: desc, Department: dept})
}

// derive makes the user of a row whose written names are fine.
func (b *builder) derive(p Person) {
	given, sur := namePart(p.GivenName), namePart(p.Surname)
	base := given + "." + sur
	fixedUser, fixedAddr := strings.ToLower(p.Username), strings.ToLower(p.Email)
	if fixedUser == "" || fixedAddr == "" {
		var msg string
		switch {
		case given == "" && sur == "":
			msg = fmt.Sprintf("neither the first name %q nor the last name %q has letters that can be written in ASCII", p.GivenName, p.Surname)
		case given == "":
			msg = fmt.Sprintf("the first name %q has no letters that can be written in ASCII", p.GivenName)
		case sur == "":
			msg = fmt.Sprintf("the last name %q has no letters that can be written in ASCII", p.Surname)
		}
		if msg != "" {
			b.bad(p.Line, msg, "fill in the username and email columns for this person")
			return
		}
	}
	if fixedUser != "" {
		if first, ok := b.groups[fixedUser]; ok {
			b.bad(p.Line, fmt.Sprintf("username %q is also a group (%s)", fixedUser, b.groupOrigin(fixedUser, first)), "AD names are unique across users and groups: choose another username")
			return
		}
	}
	user, addr := fixedUser, fixedAddr
	for n := 1; ; n++ {
		suffix := ""
		if n > 1 {
			suffix = strconv.Itoa(n)
		}
		if fixedUser == "" {
			user = cut(base, maxUsernameLen-len(suffix)) + suffix
		}
		if fixedAddr == "" {
			addr = cut(base, maxLocalLen-len(suffix)) + suffix + "@" + b.domain
		}
		if (fixedUser != "" || b.userFree(user)) && (fixedAddr != "" || b.addrFree(addr)) {
			break
		}
	}
	if fixedUser == "" {
		if err := site.UsernameError(user); err != nil {
			b.bad(p.Line, fmt.Sprintf("the name gives the username %q, which is not valid: %v", user, err), "fill in the username column for this person")
			return
		}
		if site.IsServiceAccount(user) {
			b.bad(p.Line, fmt.Sprintf("the name gives the username %q, which starts with %s, reserved for Posse's own services", user, site.ServiceAccountPrefix), "fill in the username column for this person")
			return
		}
	}
	if fixedAddr == "" {
		if err := site.UserAddressError("email", addr); err != nil {
			b.bad(p.Line, fmt.Sprintf("the name gives the address %q, which is not valid: %v", addr, err), "fill in the email column for this person")
			return
		}
	}
	b.users[user], b.addrs[addr] = p.Line, p.Line
	u := User{Line: p.Line, Username: user, GivenName: p.GivenName, Surname: p.Surname, Email: addr,
		Groups: []string{b.st.Everyone}, Secret: b.secretName(user)}
	for _, d := range p.Departments {
		if g := groupName(d); !contains(u.Groups, g) {
			u.Groups = append(u.Groups, g)
		}
	}
	for _, g := range u.Groups {
		for i := range b.st.Groups {
			if b.st.Groups[i].Name == g {
				b.st.Groups[i].Members++
			}
		}
	}
	b.st.Users = append(b.st.Users, u)
}

func (b *builder) groupOrigin(name string, line int) string {
	if line == 0 {
		return "the group everyone is in"
	}
	return "a department at " + b.at(line)
}

// userFree reports whether a derived username is free: no user or group
// has it.
func (b *builder) userFree(u string) bool {
	_, user := b.users[u]
	_, group := b.groups[u]
	return !user && !group
}

func (b *builder) addrFree(a string) bool {
	_, taken := b.addrs[a]
	return !taken
}

// secretName names a user's password in the secrets file: the username
// with '.' and '-' as '_', numbered if taken.
func (b *builder) secretName(user string) string {
	base := strings.NewReplacer(".", "_", "-", "_").Replace(user)
	name := base
	for n := 2; b.secrets[name]; n++ {
		name = base + "_" + strconv.Itoa(n)
	}
	b.secrets[name] = true
	return name
}

// shares gives every group a share: named like the department (or the
// group when the department is no valid share name), "Shared" for the
// everyone group, at /srv/posse/shares/GROUP. Names are unique ignoring
// case, also against usernames (home folders are shares named after
// their users).
func (b *builder) shares() {
	taken := map[string]bool{}
	for u := range b.users {
		taken[u] = true
	}
	for _, g := range b.st.Groups {
		if g.Members == 0 {
			continue
		}
		name, desc := g.Department, "Files of "+g.Department
		if g.Department == "" {
			name, desc = "Shared", "Files for everybody"
		}
		for _, c := range []string{name, g.Name, g.Name + "-files"} {
			if site.ShareNameError(c) == nil {
				name = c
				break
			}
		}
		unique := name
		for n := 2; taken[strings.ToLower(unique)] || site.ShareNameError(unique) != nil; n++ {
			unique = name + " " + strconv.Itoa(n)
		}
		taken[strings.ToLower(unique)] = true
		b.st.Shares = append(b.st.Shares, Share{Name: unique, Path: site.DefaultSharesDir + "/" + g.Name, Description: desc, Group: g.Name})
	}
}

// cut shortens a name to n bytes (it is ASCII) without a '.', '-' or '_'
// at its end.
func cut(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, ".-_")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
