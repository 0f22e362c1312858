// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// DialConfig says how to reach and bind to the domain's LDAP server.
type DialConfig struct {
	// Addr is host:port of the LDAPS listener, e.g. 127.0.0.1:636.
	Addr string
	// ServerName is the name checked against the server certificate
	// (the DC's FQDN); default: the host part of Addr.
	ServerName string
	// RootCAs holds the site CA, the only trusted root.
	RootCAs *x509.CertPool
	// Realm is the Kerberos realm (AD.EXAMPLE.COM).
	Realm string
	// BindUser is the sAMAccountName to bind as, default Administrator.
	BindUser string
	// Password is the bind password; never logged or put in errors.
	Password string
	// Timeout bounds dialing and each request; default 30 s.
	Timeout time.Duration
}

// LDAP is the Directory of a live Samba AD DC, reached over LDAPS.
type LDAP struct {
	conn  *ldap.Conn
	base  string
	realm string
}

var _ Directory = (*LDAP)(nil)

// Dial connects over LDAPS, verifying the server against cfg.RootCAs, and
// binds as cfg.BindUser@realm.
func Dial(ctx context.Context, cfg DialConfig) (*LDAP, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.BindUser == "" {
		cfg.BindUser = "Administrator"
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("ldap address %s: %w", quote(cfg.Addr), err)
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	d := &net.Dialer{Timeout: cfg.Timeout}
	tc := &tls.Config{RootCAs: cfg.RootCAs, ServerName: cfg.ServerName, MinVersion: tls.VersionTLS12}
	raw, err := (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to the domain controller over LDAPS at %s: %w (is samba-ad-dc running? run 'possectl users ca' to see the trusted CA)", cfg.Addr, err)
	}
	conn := ldap.NewConn(raw, true)
	conn.Start()
	conn.SetTimeout(cfg.Timeout)
	bindName := cfg.BindUser + "@" + DNSDomain(cfg.Realm)
	if err := conn.Bind(bindName, cfg.Password); err != nil {
		conn.Close()
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return nil, fmt.Errorf("binding to the directory as %s: %w (check the admin password secret)", bindName, ErrBadCredentials)
		}
		return nil, fmt.Errorf("binding to the directory as %s: %v", bindName, ldapMessage(err))
	}
	return &LDAP{conn: conn, base: BaseDN(cfg.Realm), realm: strings.ToUpper(cfg.Realm)}, nil
}

// ldapMessage is an LDAP error without any request data.
func ldapMessage(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		msg := ldap.LDAPResultCodeMap[le.ResultCode]
		if le.Err != nil {
			msg += ": " + le.Err.Error()
		}
		return msg
	}
	return err.Error()
}

// BaseDN implements Directory.
func (l *LDAP) BaseDN() string { return l.base }

// Close implements Directory.
func (l *LDAP) Close() error { return l.conn.Close() }

// EnsureOU implements Directory.
func (l *LDAP) EnsureOU(ctx context.Context) error {
	req := ldap.NewSearchRequest(ouDN(l.base), ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=organizationalUnit)", []string{"dn"}, nil)
	_, err := l.conn.Search(req)
	if err == nil {
		return nil
	}
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return fmt.Errorf("looking up %s: %v", ouDN(l.base), ldapMessage(err))
	}
	add := ldap.NewAddRequest(ouDN(l.base), nil)
	add.Attribute("objectClass", []string{"top", "organizationalUnit"})
	add.Attribute("description", []string{"Users and groups managed by Posse"})
	if err := l.conn.Add(add); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return fmt.Errorf("creating %s: %v", ouDN(l.base), ldapMessage(err))
	}
	return nil
}

var userAttrs = []string{"sAMAccountName", "givenName", "sn", "displayName", "mail", "proxyAddresses",
	"userAccountControl", "memberOf", "isCriticalSystemObject", "objectSid", "homeDirectory", "homeDrive", OriginAttr}

// search runs a paged subtree search under the base DN.
func (l *LDAP) search(filter string, attrs []string) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	res, err := l.conn.SearchWithPaging(req, 1000)
	if err != nil {
		return nil, fmt.Errorf("searching the directory: %v", ldapMessage(err))
	}
	return res.Entries, nil
}

// Groups implements Directory.
func (l *LDAP) Groups(ctx context.Context) ([]Group, error) {
	es, err := l.search("(objectClass=group)", []string{"sAMAccountName", "description", "isCriticalSystemObject", "objectSid", OriginAttr})
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(es))
	for _, e := range es {
		out = append(out, l.groupFrom(e))
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (l *LDAP) groupFrom(e *ldap.Entry) Group {
	name := e.GetAttributeValue("sAMAccountName")
	return Group{
		DN:          e.DN,
		Name:        name,
		Description: e.GetAttributeValue("description"),
		Builtin:     isBuiltin(name, e.GetAttributeValue("isCriticalSystemObject") == "TRUE", e.GetRawAttributeValue("objectSid"), e.DN),
		Managed:     inOU(e.DN, l.base),
		Origin:      originFrom(e.GetAttributeValue(OriginAttr)),
	}
}

// inOU reports whether dn sits directly in OU=Posse.
func inOU(dn, base string) bool {
	p, err := ldap.ParseDN(dn)
	if err != nil || len(p.RDNs) < 2 {
		return false
	}
	parent := &ldap.DN{RDNs: p.RDNs[1:]}
	ou, err := ldap.ParseDN(ouDN(base))
	return err == nil && parent.EqualFold(ou)
}

// Users implements Directory.
func (l *LDAP) Users(ctx context.Context) ([]User, error) {
	groups, err := l.Groups(ctx)
	if err != nil {
		return nil, err
	}
	es, err := l.search("(sAMAccountType=805306368)", userAttrs)
	if err != nil {
		return nil, err
	}
	names := groupNames(groups)
	out := make([]User, 0, len(es))
	for _, e := range es {
		out = append(out, l.userFrom(e, names))
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// groupNames maps lower-cased group DNs to names.
func groupNames(groups []Group) map[string]string {
	m := make(map[string]string, len(groups))
	for _, g := range groups {
		m[strings.ToLower(g.DN)] = g.Name
	}
	return m
}

func (l *LDAP) userFrom(e *ldap.Entry, groups map[string]string) User {
	name := e.GetAttributeValue("sAMAccountName")
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	u := User{
		DN:            e.DN,
		Username:      name,
		GivenName:     e.GetAttributeValue("givenName"),
		Surname:       e.GetAttributeValue("sn"),
		DisplayName:   e.GetAttributeValue("displayName"),
		Email:         e.GetAttributeValue("mail"),
		Aliases:       aliasesFrom(e.GetAttributeValues("proxyAddresses")),
		Disabled:      uac&uacDisabled != 0,
		HomeDirectory: e.GetAttributeValue("homeDirectory"),
		HomeDrive:     e.GetAttributeValue("homeDrive"),
		Builtin:       isBuiltin(name, e.GetAttributeValue("isCriticalSystemObject") == "TRUE", e.GetRawAttributeValue("objectSid"), e.DN),
		Managed:       inOU(e.DN, l.base),
		Origin:        originFrom(e.GetAttributeValue(OriginAttr)),
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		if n, ok := groups[strings.ToLower(g)]; ok {
			u.Groups = append(u.Groups, n)
		}
	}
	slices.Sort(u.Groups)
	return u
}

// entry looks up one entry by filter; ok is false when there is none.
func (l *LDAP) entry(filter string, attrs []string) (*ldap.Entry, bool, error) {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil)
	res, err := l.conn.Search(req)
	if err != nil {
		return nil, false, fmt.Errorf("searching the directory: %v", ldapMessage(err))
	}
	switch len(res.Entries) {
	case 0:
		return nil, false, nil
	case 1:
		return res.Entries[0], true, nil
	}
	return nil, false, errors.New("more than one entry matches; fix the directory by hand")
}

// User implements Directory.
func (l *LDAP) User(ctx context.Context, username string) (User, bool, error) {
	if err := checkUsername(username); err != nil {
		return User{}, false, err
	}
	e, ok, err := l.entry(userFilter(username), userAttrs)
	if err != nil || !ok {
		return User{}, ok, err
	}
	groups, err := l.Groups(ctx)
	if err != nil {
		return User{}, false, err
	}
	return l.userFrom(e, groupNames(groups)), true, nil
}

// userEntry finds a user's DN and userAccountControl, or says which user is missing.
func (l *LDAP) userEntry(username string) (string, int, error) {
	if err := checkUsername(username); err != nil {
		return "", 0, err
	}
	e, ok, err := l.entry(userFilter(username), []string{"userAccountControl", "sAMAccountName", "isCriticalSystemObject", "objectSid"})
	if err != nil {
		return "", 0, err
	}
	if !ok {
		return "", 0, fmt.Errorf("no user %s in the directory: run 'possectl users list'", username)
	}
	if isBuiltin(username, e.GetAttributeValue("isCriticalSystemObject") == "TRUE", e.GetRawAttributeValue("objectSid"), e.DN) {
		return "", 0, fmt.Errorf("user %s is a built-in account; Posse does not change it", username)
	}
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	return e.DN, uac, nil
}

// groupEntryDN finds a group's DN.
func (l *LDAP) groupEntryDN(name string) (string, error) {
	if err := checkGroupName(name); err != nil {
		return "", err
	}
	e, ok, err := l.entry(groupFilter(name), []string{"sAMAccountName"})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no group %s in the directory: add it to the site template's groups", name)
	}
	return e.DN, nil
}

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

// ticksPerDay is maxPwdAge's unit (100 ns) per day.
const ticksPerDay = 24 * 60 * 60 * 10_000_000

// Policy implements Directory.
func (l *LDAP) Policy(ctx context.Context) (Policy, error) {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"minPwdLength", "pwdProperties", "maxPwdAge"}, nil)
	res, err := l.conn.Search(req)
	if err != nil {
		return Policy{}, fmt.Errorf("reading the password policy: %v", ldapMessage(err))
	}
	if len(res.Entries) != 1 {
		return Policy{}, errors.New("reading the password policy: the domain object is missing")
	}
	return parsePolicy(res.Entries[0].GetAttributeValue("minPwdLength"),
		res.Entries[0].GetAttributeValue("pwdProperties"), res.Entries[0].GetAttributeValue("maxPwdAge"))
}

// parsePolicy reads the domain object's policy attributes.
func parsePolicy(minLen, props, maxAge string) (Policy, error) {
	var p Policy
	var err error
	if p.MinLength, err = strconv.Atoi(minLen); err != nil {
		return p, fmt.Errorf("reading the password policy: bad minPwdLength %s", quote(minLen))
	}
	pp, err := strconv.Atoi(props)
	if err != nil {
		return p, fmt.Errorf("reading the password policy: bad pwdProperties %s", quote(props))
	}
	p.Complexity = pp&1 != 0
	age, err := strconv.ParseInt(maxAge, 10, 64)
	if err != nil {
		return p, fmt.Errorf("reading the password policy: bad maxPwdAge %s", quote(maxAge))
	}
	if age != 0 && age != math.MinInt64 {
		if age < 0 {
			age = -age
		}
		p.MaxAgeDays = int(age / ticksPerDay)
	}
	return p, nil
}

// maxPwdAgeValue encodes days as maxPwdAge; 0 means never expire.
func maxPwdAgeValue(days int) string {
	if days <= 0 {
		return strconv.FormatInt(math.MinInt64, 10)
	}
	return strconv.FormatInt(-int64(days)*ticksPerDay, 10)
}

// SetPolicy implements Directory.
func (l *LDAP) SetPolicy(ctx context.Context, p Policy) error {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"pwdProperties"}, nil)
	res, err := l.conn.Search(req)
	if err != nil || len(res.Entries) != 1 {
		return fmt.Errorf("reading the password policy: %v", err)
	}
	props, _ := strconv.Atoi(res.Entries[0].GetAttributeValue("pwdProperties"))
	if p.Complexity {
		props |= 1
	} else {
		props &^= 1
	}
	mod := ldap.NewModifyRequest(l.base, nil)
	mod.Replace("minPwdLength", []string{strconv.Itoa(p.MinLength)})
	mod.Replace("pwdProperties", []string{strconv.Itoa(props)})
	mod.Replace("maxPwdAge", []string{maxPwdAgeValue(p.MaxAgeDays)})
	if err := l.conn.Modify(mod); err != nil {
		return fmt.Errorf("setting the password policy: %v", ldapMessage(err))
	}
	return nil
}
