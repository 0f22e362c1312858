// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"fmt"
	"regexp"
)

// BindError is the old DC's refusal of the admin's login, as a sentence.
// It never holds the password.
type BindError struct {
	User string
	// Reason says why in words.
	Reason string
}

func (e *BindError) Error() string {
	return fmt.Sprintf("the old domain controller refused the login of %s: %s", e.User, e.Reason)
}

// adDataRE finds the sub-code Active Directory puts in a bind error's
// diagnostic message ("… data 52e, v4563").
var adDataRE = regexp.MustCompile(`data ([0-9a-fA-F]{3,8})\b`)

// hintSecrets names the secrets to fix.
const hintSecrets = "check legacy_admin_user and legacy_admin in the secrets file"

// BindReason turns an LDAP bind failure (result code and diagnostic
// message) into a sentence.
func BindReason(code uint16, diagnostic string) string {
	if m := adDataRE.FindStringSubmatch(diagnostic); m != nil {
		switch m[1] {
		case "52e":
			return "wrong user name or password: " + hintSecrets
		case "525":
			return "no such user in the old domain: " + hintSecrets
		case "530", "531":
			return "the account may not log in at this time or from this machine: use a domain admin without logon restrictions"
		case "532":
			return "the account's password has expired: set a new one on the old domain controller and put it in legacy_admin"
		case "533":
			return "the account is disabled: enable it on the old domain controller or use another domain admin"
		case "701":
			return "the account has expired: extend it on the old domain controller or use another domain admin"
		case "773":
			return "the account must change its password first: log in once on a Windows PC, change it, and put the new one in legacy_admin"
		case "775":
			return "the account is locked out: wait or unlock it on the old domain controller"
		}
	}
	switch code {
	case 49:
		return "wrong user name or password: " + hintSecrets
	case 8:
		return "the server wants a stronger authentication than a TLS simple bind"
	case 53:
		return "the server is unwilling to let this account log in"
	}
	return fmt.Sprintf("LDAP result %d", code)
}
