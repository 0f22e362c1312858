// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"

	"github.com/posse-project/posse/rules"
)

// Defaults live here. Parse leaves the model as written (except that it
// sets directory.password_policy.complexity to true when the key is absent),
// so services read effective values through these helpers, which also work
// on a Site built in memory.

// RealmName returns the Kerberos realm: site.realm, or "AD." + upper(domain).
func (s *Site) RealmName() string {
	if s.Site.Realm != "" {
		return s.Site.Realm
	}
	return "AD." + strings.ToUpper(s.Site.Domain)
}

// DNSDomain returns the AD DNS domain: the realm in lower case.
func (s *Site) DNSDomain() string { return strings.ToLower(s.RealmName()) }

// BaseDN returns the directory's base DN built from the realm, such as
// DC=ad,DC=mueller-partner,DC=example.
func (s *Site) BaseDN() string {
	labels := strings.Split(s.DNSDomain(), ".")
	for i, l := range labels {
		labels[i] = "DC=" + l
	}
	return strings.Join(labels, ",")
}

// UserEmail returns the user's address: email, or username@domain; ""
// for a service account, which has no mailbox.
func (s *Site) UserEmail(u User) string {
	if u.IsService() {
		return ""
	}
	if u.Email != "" {
		return u.Email
	}
	return u.Username + "@" + s.Site.Domain
}

// MustChange reports whether the user must set a new password at first
// logon; true unless must_change_password is false or the user is a
// service account.
func (u User) MustChange() bool {
	if u.IsService() {
		return false
	}
	return u.MustChangePassword == nil || *u.MustChangePassword
}

// SharePath returns the share's directory: path, or
// /srv/posse/shares/<lower-cased name>.
func (s *Site) SharePath(sh Share) string {
	if sh.Path != "" {
		return sh.Path
	}
	return DefaultSharesDir + "/" + strings.ToLower(sh.Name)
}

// RecycleRetention returns the recycle bin retention in days: recycle_days,
// or 30.
func (sh Share) RecycleRetention() int {
	if sh.RecycleDays > 0 {
		return sh.RecycleDays
	}
	return DefaultRecycleDays
}

// FindUser returns the user with the given username (a pointer into
// s.Users).
func (s *Site) FindUser(name string) (*User, bool) {
	for i := range s.Users {
		if s.Users[i].Username == name {
			return &s.Users[i], true
		}
	}
	return nil, false
}

// FindGroup returns the group with the given name (a pointer into s.Groups).
func (s *Site) FindGroup(name string) (*Group, bool) {
	for i := range s.Groups {
		if s.Groups[i].Name == name {
			return &s.Groups[i], true
		}
	}
	return nil, false
}

// GroupMembers returns the usernames of the users listing group, disabled
// users included, in template order.
func (s *Site) GroupMembers(group string) []string {
	var out []string
	for _, u := range s.Users {
		for _, g := range u.Groups {
			if g == group {
				out = append(out, u.Username)
				break
			}
		}
	}
	return out
}

// Policy returns the password policy with defaults: a policy left out
// entirely is AD's default (10 characters, complexity on, no expiry); a
// min_length left out is 10.
func (s *Site) Policy() PasswordPolicy {
	p := s.Directory.PasswordPolicy
	if p == (PasswordPolicy{}) {
		return rules.DefaultPolicy()
	}
	if p.MinLength == 0 {
		p.MinLength = DefaultMinPasswordLength
	}
	return p
}

// SecretRefs returns every secret reference in the site with its model path,
// in template order. Invalid references are included; check them with Name.
func (s *Site) SecretRefs() []NamedRef {
	var out []NamedRef
	if s.Directory.AdminPassword != "" {
		out = append(out, NamedRef{"directory.admin_password", s.Directory.AdminPassword})
	}
	for i, u := range s.Users {
		if u.Password != "" {
			out = append(out, NamedRef{joinIndex("users", i) + ".password", u.Password})
		}
	}
	if s.Mail != nil && s.Mail.Relay != nil && s.Mail.Relay.Password != "" {
		out = append(out, NamedRef{"mail.relay.password", s.Mail.Relay.Password})
	}
	if s.Mail != nil {
		for i, c := range s.Mail.Collect {
			if c.Password != "" {
				out = append(out, NamedRef{joinIndex("mail.collect", i) + ".password", c.Password})
			}
		}
	}
	if s.Backup != nil && s.Backup.Password != "" {
		out = append(out, NamedRef{"backup.password", s.Backup.Password})
	}
	return out
}

// NamedRef is a secret reference and the model path it was found at.
type NamedRef struct {
	Path string
	Ref  SecretRef
}

// PositionOf returns where the model path (such as users[3].groups[1]) was
// written in the template, or of its closest written parent. ok is false for
// a site not parsed from a file.
func (s *Site) PositionOf(path string) (p Pos, ok bool) {
	if s.pos == nil {
		return Pos{}, false
	}
	v := &validator{pos: s.pos}
	p = v.at(path)
	return p, p.Line > 0
}
