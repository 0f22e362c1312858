// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// CreateUser implements Directory.
func (l *LDAP) CreateUser(ctx context.Context, u User, password string, mustChange bool) error {
	req, err := userAddRequest(l.base, l.realm, u, password, mustChange)
	if err != nil {
		return err
	}
	if err := l.conn.Add(req); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return fmt.Errorf("creating user %s: %w", u.Username, ErrExists)
		}
		if ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation) || ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) {
			return fmt.Errorf("creating user %s: the password does not meet the domain's password policy (%v)", u.Username, ldapMessage(err))
		}
		return fmt.Errorf("creating user %s: %v", u.Username, ldapMessage(err))
	}
	return nil
}

// ErrBadCredentials is returned (wrapped) when the server refuses the bind
// password.
var ErrBadCredentials = errors.New("wrong password")

// ErrExists is returned (wrapped) when an entry to create already exists.
var ErrExists = errors.New("already exists")

// UpdateUser implements Directory.
func (l *LDAP) UpdateUser(ctx context.Context, username string, up UserUpdate) error {
	dn, uac, err := l.userEntry(username)
	if err != nil {
		return err
	}
	if up.DomainAdmin != nil {
		if err := l.domainAdmin(dn, username, *up.DomainAdmin); err != nil {
			return err
		}
	}
	req := userModifyRequest(dn, up, uac)
	if len(req.Changes) == 0 {
		return nil
	}
	if err := l.conn.Modify(req); err != nil {
		return fmt.Errorf("updating user %s: %v", username, ldapMessage(err))
	}
	return nil
}

// SetPassword implements Directory.
func (l *LDAP) SetPassword(ctx context.Context, username, password string, mustChange bool) error {
	dn, _, err := l.userEntry(username)
	if err != nil {
		return err
	}
	req, err := passwordModifyRequest(dn, password, mustChange)
	if err != nil {
		return err
	}
	if err := l.conn.Modify(req); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation) || ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform) {
			return fmt.Errorf("setting the password of %s: the password does not meet the domain's password policy", username)
		}
		return fmt.Errorf("setting the password of %s: %v", username, ldapMessage(err))
	}
	return nil
}

// DeleteUser implements Directory.
func (l *LDAP) DeleteUser(ctx context.Context, username string) error {
	dn, _, err := l.userEntry(username)
	if err != nil {
		return err
	}
	if err := l.conn.Del(ldap.NewDelRequest(dn, nil)); err != nil {
		return fmt.Errorf("deleting user %s: %v", username, ldapMessage(err))
	}
	return nil
}

// CreateGroup implements Directory.
func (l *LDAP) CreateGroup(ctx context.Context, g Group) error {
	req, err := groupAddRequest(l.base, g)
	if err != nil {
		return err
	}
	if err := l.conn.Add(req); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return fmt.Errorf("creating group %s: %w", g.Name, ErrExists)
		}
		return fmt.Errorf("creating group %s: %v", g.Name, ldapMessage(err))
	}
	return nil
}

// SetGroupDescription implements Directory.
func (l *LDAP) SetGroupDescription(ctx context.Context, name, description string) error {
	dn, err := l.groupEntryDN(name)
	if err != nil {
		return err
	}
	req := ldap.NewModifyRequest(dn, nil)
	if description == "" {
		req.Replace("description", nil)
	} else {
		req.Replace("description", []string{description})
	}
	if err := l.conn.Modify(req); err != nil {
		return fmt.Errorf("updating group %s: %v", name, ldapMessage(err))
	}
	return nil
}

// SetGroupOrigin implements Directory.
func (l *LDAP) SetGroupOrigin(ctx context.Context, name, origin string) error {
	dn, err := l.groupEntryDN(name)
	if err != nil {
		return err
	}
	if err := l.conn.Modify(originModifyRequest(dn, origin)); err != nil {
		return fmt.Errorf("marking group %s: %v", name, ldapMessage(err))
	}
	return nil
}

// DeleteGroup implements Directory.
func (l *LDAP) DeleteGroup(ctx context.Context, name string) error {
	dn, err := l.groupEntryDN(name)
	if err != nil {
		return err
	}
	if err := l.conn.Del(ldap.NewDelRequest(dn, nil)); err != nil {
		return fmt.Errorf("deleting group %s: %v", name, ldapMessage(err))
	}
	return nil
}

// member changes one membership.
func (l *LDAP) member(group, username string, add bool) error {
	gdn, err := l.groupEntryDN(group)
	if err != nil {
		return err
	}
	udn, _, err := l.userEntry(username)
	if err != nil {
		return err
	}
	req := ldap.NewModifyRequest(gdn, nil)
	if add {
		req.Add("member", []string{udn})
	} else {
		req.Delete("member", []string{udn})
	}
	err = l.conn.Modify(req)
	switch {
	case err == nil:
		return nil
	case add && ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists),
		add && ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists),
		!add && ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute),
		!add && ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform):
		return nil // already in the wanted state
	}
	return fmt.Errorf("changing members of group %s: %v", group, ldapMessage(err))
}

// AddMembers implements Directory.
func (l *LDAP) AddMembers(ctx context.Context, group string, usernames []string) error {
	gdn, err := l.groupEntryDN(group)
	if err != nil {
		return err
	}
	current := map[string]bool{}
	req := ldap.NewSearchRequest(gdn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=group)", []string{"member"}, nil)
	if res, err := l.conn.Search(req); err == nil && len(res.Entries) == 1 {
		for _, m := range res.Entries[0].GetAttributeValues("member") {
			current[strings.ToLower(m)] = true
		}
	}
	const chunk = 200
	for start := 0; start < len(usernames); start += chunk {
		batch := usernames[start:min(start+chunk, len(usernames))]
		var terms strings.Builder
		for _, u := range batch {
			if err := checkUsername(u); err != nil {
				return err
			}
			terms.WriteString("(sAMAccountName=" + EscapeFilter(u) + ")")
		}
		es, err := l.search("(&(sAMAccountType=805306368)(|"+terms.String()+"))", []string{"sAMAccountName"})
		if err != nil {
			return err
		}
		if len(es) != len(batch) {
			return fmt.Errorf("adding members to group %s: %d of %d users are not in the directory", group, len(batch)-len(es), len(batch))
		}
		var dns []string
		for _, e := range es {
			if !current[strings.ToLower(e.DN)] {
				dns = append(dns, e.DN)
			}
		}
		if len(dns) == 0 {
			continue
		}
		mod := ldap.NewModifyRequest(gdn, nil)
		mod.Add("member", dns)
		if err := l.conn.Modify(mod); err != nil {
			return fmt.Errorf("adding members to group %s: %v", group, ldapMessage(err))
		}
	}
	return nil
}

// AddMember implements Directory.
func (l *LDAP) AddMember(ctx context.Context, group, username string) error {
	return l.member(group, username, true)
}

// RemoveMember implements Directory.
func (l *LDAP) RemoveMember(ctx context.Context, group, username string) error {
	return l.member(group, username, false)
}

// domainAdmin adds the user with DN udn to Domain Admins or removes them;
// the group is found by its fixed name (no user input reaches the filter).
func (l *LDAP) domainAdmin(udn, username string, add bool) error {
	e, ok, err := l.entry(groupFilter(DomainAdminsGroup), []string{"sAMAccountName"})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the directory has no group %s: check the domain with samba-tool group list", DomainAdminsGroup)
	}
	req := ldap.NewModifyRequest(e.DN, nil)
	if add {
		req.Add("member", []string{udn})
	} else {
		req.Delete("member", []string{udn})
	}
	err = l.conn.Modify(req)
	switch {
	case err == nil,
		add && ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists),
		add && ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists),
		!add && ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute),
		!add && ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform):
		return nil
	}
	return fmt.Errorf("changing the Domain Admins membership of %s: %v", username, ldapMessage(err))
}
