// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import "strings"

// HomeDrive is the drive letter Windows maps a user's home share to (the
// attribute homeDrive).
const HomeDrive = "H:"

// HomeDirectory is a user's home share as Windows maps it (the attribute
// homeDirectory): \\HOST\user, HOST the upper-case short host name. The
// files service's [homes] share on this host answers it; the directory
// service sets it.
func HomeDirectory(hostname, username string) string {
	h, _, _ := strings.Cut(hostname, ".")
	return `\\` + strings.ToUpper(h) + `\` + username
}
