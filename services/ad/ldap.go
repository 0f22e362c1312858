// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/posse-project/posse/daemon/api"
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
	"userAccountControl", "memberOf", "isCriticalSystemObject", "objectSid", "homeDirectory", "homeDrive", "pwdLastSet", OriginAttr}

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
		DN:          e.DN,
		Username:    name,
		GivenName:   e.GetAttributeValue("givenName"),
		Surname:     e.GetAttributeValue("sn"),
		DisplayName: e.GetAttributeValue("displayName"),
		Email:       e.GetAttributeValue("mail"),
		Aliases:     aliasesFrom(e.GetAttributeValues("proxyAddresses")),
		Disabled:    uac&uacDisabled != 0,
		// DONT_EXPIRE_PASSWORD: a service account's password.
		PasswordNeverExpires: uac&uacDontExpire != 0,
		// pwdLastSet 0: the password must be changed at the next logon.
		MustChangePassword: e.GetAttributeValue("pwdLastSet") == "0",
		HomeDirectory:      e.GetAttributeValue("homeDirectory"),
		HomeDrive:          e.GetAttributeValue("homeDrive"),
		Builtin:            isBuiltin(name, e.GetAttributeValue("isCriticalSystemObject") == "TRUE", e.GetRawAttributeValue("objectSid"), e.DN),
		Managed:            inOU(e.DN, l.base),
		Origin:             originFrom(e.GetAttributeValue(OriginAttr)),
	}
	for _, g := range e.GetAttributeValues("memberOf") {
		if n, ok := groups[strings.ToLower(g)]; ok {
			u.Groups = append(u.Groups, n)
		}
	}
	slices.Sort(u.Groups)
	u.DomainAdmin = slices.Contains(u.Groups, DomainAdminsGroup)
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
		return "", api.Keyed(fmt.Errorf("no group %s in the directory: add it to the site template's groups", name), api.KeyGroupNotFound, "group", name)
	}
	return e.DN, nil
}
