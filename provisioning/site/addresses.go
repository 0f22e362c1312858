// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"github.com/posse-project/posse/rules"
	"strings"
)

// serviceLocalParts are the local parts that reach whoever runs a mail
// domain: RFC 5321's postmaster and the bounce sender, RFC 2142's role
// addresses, and the addresses certificate authorities mail to when someone
// asks for a certificate for the domain (admin, administrator, hostmaster,
// postmaster, webmaster). In every domain they belong to the site: only
// mail.aliases may define them, never a user's email or alias, so that an
// office manager cannot give them to anybody.
var serviceLocalParts = setOf("postmaster", "mailer-daemon", "abuse", "hostmaster", "webmaster", "admin", "administrator", "root")

// IsServiceAddress reports whether addr is a service address: its local
// part, ignoring case and a "+tag", is one of postmaster, mailer-daemon,
// abuse, hostmaster, webmaster, admin, administrator or root.
func IsServiceAddress(addr string) bool {
	local, _, ok := strings.Cut(strings.ToLower(addr), "@")
	local, _, _ = strings.Cut(local, "+")
	return ok && serviceLocalParts[local]
}

// UserAddressError says what is wrong with a mail address for a user (an
// email or an alias; what says which), or returns nil: it must be a valid
// lower-case address (ValidEmail) and not a service address.
func UserAddressError(what, addr string) error {
	switch {
	case !ValidEmail(addr):
		return nameErr(fmt.Sprintf(errAddressInvalid, what, clipName(addr)), addressHint(addr))
	case IsServiceAddress(addr):
		return nameErr(fmt.Sprintf(errServiceAddress, what, addr), hintServiceAddress)
	}
	return nil
}

// addressHint says how to mend an address ValidEmail refused: write it in
// lower case, or spell its umlauts and accents in ASCII (büro@ → buero@),
// or the general rule.
func addressHint(addr string) string {
	if lower := strings.ToLower(addr); lower != addr && ValidEmail(lower) {
		return hintLowerCase
	}
	for _, r := range addr {
		if r >= 0x80 {
			if ascii := rules.Transliterate(addr); ValidEmail(ascii) {
				return fmt.Sprintf(hintASCIIAddress, ascii)
			}
			return hintAddress
		}
	}
	return hintAddress
}

// Addresses records who holds each mail address, so that every address has
// exactly one holder across the template's users and site aliases and the
// users made through possed or the CSV import. Addresses are compared in
// lower case. The zero value is not usable: use NewAddresses or
// (*Site).Addresses.
type Addresses struct {
	holder map[string]string
}

// NewAddresses returns an empty record.
func NewAddresses() *Addresses { return &Addresses{holder: map[string]string{}} }

// UserHolder names a user as the holder of addresses.
func UserHolder(username string) string { return "user " + strings.ToLower(username) }

// SiteAliasHolder names the site alias holding an address.
const SiteAliasHolder = "a site alias (mail.aliases)"

// Add records that holder holds addr; an empty address is ignored and the
// first holder of an address stays.
func (a *Addresses) Add(holder string, addrs ...string) {
	for _, addr := range addrs {
		k := strings.ToLower(addr)
		if _, taken := a.holder[k]; !taken && k != "" {
			a.holder[k] = holder
		}
	}
}

// Holder returns who holds addr.
func (a *Addresses) Holder(addr string) (string, bool) {
	h, ok := a.holder[strings.ToLower(addr)]
	return h, ok
}

// Check returns an error for every address of addrs that someone other
// than holder holds, or that appears twice in addrs; nil when all are free.
func (a *Addresses) Check(holder string, addrs ...string) error {
	var errs []error
	seen := map[string]bool{}
	for _, addr := range addrs {
		k := strings.ToLower(addr)
		if k == "" {
			continue
		}
		if seen[k] {
			errs = append(errs, nameErr(fmt.Sprintf(errAddressTwice, addr), hintRemoveOrRename))
			continue
		}
		seen[k] = true
		if h, ok := a.holder[k]; ok && h != holder {
			errs = append(errs, nameErr(fmt.Sprintf(errAddressTaken, addr, h), hintAddressTaken))
		}
	}
	return errors.Join(errs...)
}

// Addresses returns the addresses the site hands out: each user's email
// (the default username@domain included), the users' aliases and the site
// aliases, the site aliases and the groups' addresses, with their holders
// (UserHolder, SiteAliasHolder, GroupHolder).
func (s *Site) Addresses() *Addresses {
	a := NewAddresses()
	for _, u := range s.Users {
		a.Add(UserHolder(u.Username), s.UserEmail(u))
		a.Add(UserHolder(u.Username), u.Aliases...)
	}
	if s.Mail != nil {
		for _, al := range s.Mail.Aliases {
			a.Add(SiteAliasHolder, al.Address)
		}
	}
	for _, g := range s.Groups {
		a.Add(GroupHolder(g.Name), g.Mail)
	}
	return a
}
