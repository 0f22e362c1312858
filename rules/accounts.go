// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import "strings"

// ServiceAccountPrefix starts the names of the directory accounts Posse's
// own services create for themselves (posse-mail, …). They are not people:
// user management leaves them to the services that own them.
const ServiceAccountPrefix = "posse-"

// IsServiceAccount reports whether username belongs to a Posse service.
func IsServiceAccount(username string) bool {
	return strings.HasPrefix(strings.ToLower(username), ServiceAccountPrefix)
}
