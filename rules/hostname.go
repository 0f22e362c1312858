// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import (
	"fmt"
	"regexp"
)

// ServerNamePattern is the grammar of a Posse box's short host name: 1–15
// of a-z, 0-9 and '-', not starting or ending with '-'. A domain
// controller's host name becomes its NetBIOS name, which allows 15
// characters.
const ServerNamePattern = `^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$`

var serverNameRE = regexp.MustCompile(ServerNamePattern)

// ServerNameError says what is wrong with a box's short host name, or
// returns nil.
func ServerNameError(name string) error {
	if len(name) > 64 {
		return fmt.Errorf("a server's host name has at most 15 characters; this one has %d", len(name))
	}
	if !serverNameRE.MatchString(name) {
		return fmt.Errorf("%q is not a server's host name: use 1–15 of a-z, 0-9 and '-' (it becomes the NetBIOS name)", name)
	}
	return nil
}
