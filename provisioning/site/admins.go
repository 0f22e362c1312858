// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
)

// Kinds of users (users[].kind).
const (
	// KindPerson is a person's account: mailbox, home folder (with
	// homes), the domain's password policy. The default.
	KindPerson = "person"
	// KindService is an account for a device or program (a scanner, backup
	// software): no mailbox, no home folder, a password that never
	// expires and is not changed at first logon.
	KindService = "service"
)

// IsService reports whether u is a service account (kind: service).
func (u User) IsService() bool { return u.Kind == KindService }

// KindName returns the user's kind with the default filled in.
func (u User) KindName() string {
	if u.Kind == "" {
		return KindPerson
	}
	return u.Kind
}

// IsAdmin reports whether username is listed under admins.
func (s *Site) IsAdmin(username string) bool {
	for _, a := range s.Admins {
		if a == username {
			return true
		}
	}
	return false
}

const (
	errKindInvalid        = "user kind %q is not one Posse knows"
	hintKindInvalid       = "write kind: person (the default) or kind: service (a scanner or backup software)"
	errServiceEmail       = "service account %s has no mailbox, so it takes no email"
	hintServiceEmail      = "remove email, or make the user a person (remove kind: service)"
	errServiceAliases     = "service account %s has no mailbox, so it takes no aliases"
	hintServiceAliases    = "remove the aliases, or make the user a person (remove kind: service)"
	errServiceMustChange  = "service account %s never changes its password at logon"
	hintServiceMustChange = "remove must_change_password (a service account keeps the password from the secrets file)"
	errAliasToService     = "alias target %q is a service account, which has no mailbox"
	hintAliasToService    = "deliver to a person's username or a full address"
	errAdminUnknown       = "admin %q is not a user of the template"
	hintAdminUnknown      = "list usernames defined under users"
	errAdminService       = "admin %q is a service account"
	hintAdminService      = "admins are people: give the rights to a person's account (remove kind: service)"
)

// kinds checks users[].kind and what a service account may not have.
func (v *validator) kinds() {
	for i, u := range v.s.Users {
		p := joinIndex("users", i)
		switch u.Kind {
		case "", KindPerson:
			continue
		case KindService:
		default:
			v.add(p+".kind", fmt.Sprintf(errKindInvalid, clipName(u.Kind)), hintKindInvalid)
			continue
		}
		if u.Email != "" {
			v.add(p+".email", fmt.Sprintf(errServiceEmail, quote(u.Username)), hintServiceEmail)
		}
		if len(u.Aliases) > 0 {
			v.add(p+".aliases", fmt.Sprintf(errServiceAliases, quote(u.Username)), hintServiceAliases)
		}
		if u.MustChangePassword != nil && *u.MustChangePassword {
			v.add(p+".must_change_password", fmt.Sprintf(errServiceMustChange, quote(u.Username)), hintServiceMustChange)
		}
	}
	if v.s.Mail == nil {
		return
	}
	for i, a := range v.s.Mail.Aliases {
		for j, t := range a.To {
			if u, ok := v.s.FindUser(t); ok && u.IsService() && !strings.Contains(t, "@") {
				v.add(joinIndex(joinIndex("mail.aliases", i)+".to", j), fmt.Sprintf(errAliasToService, t), hintAliasToService)
			}
		}
	}
}

// admins checks the admins list: users of the template, people, once each.
func (v *validator) admins() {
	names := make([]string, 0, len(v.s.Users))
	for _, u := range v.s.Users {
		names = append(names, u.Username)
	}
	listed := seen{}
	for i, a := range v.s.Admins {
		p := joinIndex("admins", i)
		u, ok := v.s.FindUser(a)
		if !ok {
			hint := hintAdminUnknown
			if s := suggest(a, names); s != "" {
				hint = hintDidYouMean(s)
			}
			v.add(p, fmt.Sprintf(errAdminUnknown, clipName(a)), hint)
			continue
		}
		if v.dup(listed, a, p, "admin", a) {
			continue
		}
		if u.IsService() {
			v.add(p, fmt.Sprintf(errAdminService, a), hintAdminService)
		}
	}
}
