// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"fmt"
	"regexp"
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,14}$`)

// ValidateName checks a box name: a lowercase letter, then up to 14
// lowercase letters, digits or dashes. The name becomes the box's hostname
// and Samba's NetBIOS name, which is limited to 15 characters.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid box name %q: use a lowercase letter followed by up to 14 of [a-z0-9-]", name)
	}
	return nil
}
