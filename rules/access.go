// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import "strings"

// Access is what a person may do on a share.
type Access int

// The kinds of share access, from none to read and write.
const (
	NoAccess Access = iota
	ReadAccess
	WriteAccess
)

// ShareAccess says what a member of the groups memberOf may do on a share
// whose write and read group lists are given: write wins over read, and
// group names compare ignoring case, as the directory compares them; the
// built-in everyone group (or Domain Users) holds every person. The
// password sheet, possed's logon information and the app's demo all ask
// this one rule.
func ShareAccess(memberOf, write, read []string) Access {
	in := func(groups []string) bool {
		for _, g := range groups {
			if strings.EqualFold(g, EveryoneGroup) || strings.EqualFold(g, DomainUsersGroup) {
				return true
			}
			for _, m := range memberOf {
				if strings.EqualFold(g, m) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case in(write):
		return WriteAccess
	case in(read):
		return ReadAccess
	}
	return NoAccess
}
