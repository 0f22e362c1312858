// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EscapeDN escapes an attribute value for use in a distinguished name as
// RFC 4514 section 2.4 requires: the special characters " + , ; < > \ and
// NUL always, '#' and space at the start, and space at the end. Bytes that
// are not valid UTF-8 and control characters are hex-escaped as well, so the
// result is printable.
func EscapeDN(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' || c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
		case (c == '#' || c == ' ') && i == 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ' ' && i == len(v)-1:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f || c >= 0x80:
			// Hex-escape control characters and every non-ASCII byte:
			// valid UTF-8 round-trips through the DN parser as the same
			// bytes, invalid UTF-8 is kept visible instead of smuggled.
			fmt.Fprintf(&b, "\\%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// EscapeFilter escapes a value for an LDAP search filter (RFC 4515).
func EscapeFilter(v string) string { return ldap.EscapeFilter(v) }

// userDN is the DN of a Posse-managed user, after validation.
func userDN(base, username string) (string, error) {
	if err := checkUsername(username); err != nil {
		return "", err
	}
	return "CN=" + EscapeDN(username) + "," + ouDN(base), nil
}

// groupDN is the DN of a Posse-managed group, after validation.
func groupDN(base, name string) (string, error) {
	if err := checkGroupName(name); err != nil {
		return "", err
	}
	return "CN=" + EscapeDN(name) + "," + ouDN(base), nil
}

// OU is the RDN of the organisational unit that holds every user and group
// Posse creates.
const OU = "OU=Posse"

// ouDN is the DN of Posse's organisational unit.
func ouDN(base string) string { return OU + "," + base }

// userFilter selects one normal user account by sAMAccountName.
func userFilter(username string) string {
	return "(&(sAMAccountType=805306368)(sAMAccountName=" + EscapeFilter(username) + "))"
}

// groupFilter selects one group by sAMAccountName.
func groupFilter(name string) string {
	return "(&(objectClass=group)(sAMAccountName=" + EscapeFilter(name) + "))"
}
