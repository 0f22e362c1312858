// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/posse-project/posse/provisioning/site"
)

// The name grammars are the site template's (provisioning/site). Every name
// is checked against them before it reaches an LDAP filter or DN.

// ValidUsername reports whether name fits the site's username grammar
// [a-z][a-z0-9._-]{0,19} and is not reserved (Administrator, Guest, …).
func ValidUsername(name string) bool { return site.ValidUsername(name) }

// ValidGroupName reports whether name fits the site's group name grammar
// and is not a built-in group.
func ValidGroupName(name string) bool { return site.ValidGroupName(name) }

// ValidEmail reports whether addr is an e-mail address Posse accepts.
func ValidEmail(addr string) bool { return site.ValidEmail(addr) }

// checkUsername returns the site's error for a bad username.
func checkUsername(name string) error { return site.UsernameError(name) }

// checkGroupName returns the site's error for a bad group name.
func checkGroupName(name string) error { return site.GroupNameError(name) }

// quote prints a possibly hostile name safely in messages.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return fmt.Sprintf("%q", s)
}

// DNSDomain is the AD DNS domain: the realm in lower case.
func DNSDomain(realm string) string { return strings.ToLower(realm) }

// BaseDN is the domain's naming context, DC=ad,DC=example,DC=com.
func BaseDN(realm string) string {
	labels := strings.Split(strings.ToLower(realm), ".")
	for i, l := range labels {
		labels[i] = "DC=" + EscapeDN(l)
	}
	return strings.Join(labels, ",")
}
