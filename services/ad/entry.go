// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// userAccountControl flags.
const (
	uacDisabled      = 0x2
	uacNormalAccount = 0x200
	uacDontExpire    = 0x10000
)

// Group types: a global security group.
const groupTypeGlobalSecurity = "-2147483646"

// encodePassword returns the unicodePwd value for pw: the password in double
// quotes, encoded as UTF-16LE, as Active Directory requires.
func encodePassword(pw string) (string, error) {
	if !utf8.ValidString(pw) {
		return "", errors.New("password is not valid UTF-8")
	}
	if strings.ContainsRune(pw, 0) {
		return "", errors.New("password contains a NUL character")
	}
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return string(b), nil
}

// DisplayName is u.DisplayName, else "Given Surname", else the username.
func DisplayName(u User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.GivenName + " " + u.Surname); n != "" {
		return n
	}
	return u.Username
}

// proxyAddresses turns aliases into proxyAddresses values "smtp:<alias>".
func proxyAddresses(aliases []string) []string {
	out := make([]string, 0, len(aliases))
	for _, a := range aliases {
		out = append(out, "smtp:"+a)
	}
	return out
}

// aliasesFrom reads the secondary (smtp:) addresses of proxyAddresses.
func aliasesFrom(values []string) []string {
	var out []string
	for _, v := range values {
		if len(v) > 5 && v[:5] == "smtp:" {
			out = append(out, v[5:])
		}
	}
	slices.Sort(out)
	return out
}

// originFrom reads the creation mark from adminDescription: the part
// after "posse:", or "" for any other value (an administrator's own
// description is not a mark).
func originFrom(v string) string {
	o, ok := strings.CutPrefix(v, OriginPrefix)
	if !ok {
		return ""
	}
	return o
}

// userAddRequest builds the LDAP add for a new user in OU=Posse of base.
func userAddRequest(base, realm string, u User, password string, mustChange bool) (*ldap.AddRequest, error) {
	dn, err := userDN(base, u.Username)
	if err != nil {
		return nil, err
	}
	pwd, err := encodePassword(password)
	if err != nil {
		return nil, err
	}
	uac := uacNormalAccount
	if u.Disabled {
		uac |= uacDisabled
	}
	if u.PasswordNeverExpires {
		uac |= uacDontExpire
	}
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{u.Username})
	req.Attribute("userPrincipalName", []string{u.Username + "@" + DNSDomain(realm)})
	req.Attribute("displayName", []string{DisplayName(u)})
	if u.GivenName != "" {
		req.Attribute("givenName", []string{u.GivenName})
	}
	if u.Surname != "" {
		req.Attribute("sn", []string{u.Surname})
	}
	if u.Email != "" {
		req.Attribute("mail", []string{u.Email})
	}
	if len(u.Aliases) > 0 {
		req.Attribute("proxyAddresses", proxyAddresses(u.Aliases))
	}
	if u.HomeDirectory != "" {
		req.Attribute("homeDirectory", []string{u.HomeDirectory})
	}
	if u.HomeDrive != "" {
		req.Attribute("homeDrive", []string{u.HomeDrive})
	}
	if u.Origin != "" {
		req.Attribute(OriginAttr, []string{OriginPrefix + u.Origin})
	}
	req.Attribute("unicodePwd", []string{pwd})
	req.Attribute("userAccountControl", []string{strconv.Itoa(uac)})
	if mustChange {
		req.Attribute("pwdLastSet", []string{"0"})
	}
	return req, nil
}

// userModifyRequest builds the LDAP modify for up; uac is the current
// userAccountControl (needed to flip the disabled bit).
func userModifyRequest(dn string, up UserUpdate, uac int) *ldap.ModifyRequest {
	req := ldap.NewModifyRequest(dn, nil)
	set := func(attr string, v *string) {
		if v == nil {
			return
		}
		if *v == "" {
			req.Replace(attr, nil)
		} else {
			req.Replace(attr, []string{*v})
		}
	}
	set("givenName", up.GivenName)
	set("sn", up.Surname)
	set("displayName", up.DisplayName)
	set("mail", up.Email)
	set("homeDirectory", up.HomeDirectory)
	set("homeDrive", up.HomeDrive)
	if up.Origin != nil {
		v := ""
		if *up.Origin != "" {
			v = OriginPrefix + *up.Origin
		}
		set(OriginAttr, &v)
	}
	if up.Aliases != nil {
		req.Replace("proxyAddresses", proxyAddresses(*up.Aliases))
	}
	if up.MustChangePassword != nil {
		if *up.MustChangePassword {
			req.Replace("pwdLastSet", []string{"0"})
		} else {
			req.Replace("pwdLastSet", []string{"-1"})
		}
	}
	if up.Disabled != nil || up.PasswordNeverExpires != nil {
		uac = setBit(uac, uacDisabled, up.Disabled)
		uac = setBit(uac, uacDontExpire, up.PasswordNeverExpires)
		req.Replace("userAccountControl", []string{strconv.Itoa(uac)})
	}
	return req
}

// passwordModifyRequest builds an admin password reset.
func passwordModifyRequest(dn, password string, mustChange bool) (*ldap.ModifyRequest, error) {
	pwd, err := encodePassword(password)
	if err != nil {
		return nil, err
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace("unicodePwd", []string{pwd})
	if mustChange {
		req.Replace("pwdLastSet", []string{"0"})
	} else {
		req.Replace("pwdLastSet", []string{"-1"})
	}
	return req, nil
}

// groupAddRequest builds the LDAP add for a new global security group.
func groupAddRequest(base string, g Group) (*ldap.AddRequest, error) {
	dn, err := groupDN(base, g.Name)
	if err != nil {
		return nil, err
	}
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "group"})
	req.Attribute("sAMAccountName", []string{g.Name})
	req.Attribute("groupType", []string{groupTypeGlobalSecurity})
	if g.Description != "" {
		req.Attribute("description", []string{g.Description})
	}
	if g.Origin != "" {
		req.Attribute(OriginAttr, []string{OriginPrefix + g.Origin})
	}
	return req, nil
}

// originModifyRequest builds the LDAP modify that replaces the creation
// mark of the entry dn with "posse:<origin>", or removes it for "".
func originModifyRequest(dn, origin string) *ldap.ModifyRequest {
	req := ldap.NewModifyRequest(dn, nil)
	if origin == "" {
		req.Replace(OriginAttr, nil)
	} else {
		req.Replace(OriginAttr, []string{OriginPrefix + origin})
	}
	return req
}

// builtinNames are accounts and groups Posse never changes, whatever their
// flags say.
var builtinNames = map[string]bool{
	"administrator": true, "guest": true, "krbtgt": true,
	"dnsadmins": true, "dnsupdateproxy": true,
}

// ridOf returns the relative identifier (last sub-authority) of a binary SID.
func ridOf(sid []byte) uint32 {
	if len(sid) < 12 {
		return 0
	}
	return binary.LittleEndian.Uint32(sid[len(sid)-4:])
}

// isBuiltin decides whether an entry is one Posse must never touch.
func isBuiltin(name string, critical bool, sid []byte, dn string) bool {
	if critical || builtinNames[strings.ToLower(name)] {
		return true
	}
	if rid := ridOf(sid); rid != 0 && rid < 1000 {
		return true
	}
	return strings.Contains(strings.ToLower(dn), ",cn=builtin,")
}

// setBit sets or clears bit in uac as on says; nil leaves it.
func setBit(uac, bit int, on *bool) int {
	switch {
	case on == nil:
		return uac
	case *on:
		return uac | bit
	}
	return uac &^ bit
}
