// SPDX-License-Identifier: GPL-3.0-or-later

package files

import "slices"

// accountName is how a SID is shown to people: the name the directory
// gave it in names, else its well-known name, else the SID itself.
func accountName(names map[string]string, sid string) string {
	if n, ok := names[sid]; ok {
		return n
	}
	if n, ok := wellKnownSIDs[sid]; ok {
		return n
	}
	return sid
}

// unnamedSIDs lists, once each and in order, the SIDs among sids that
// have no name yet: neither in names nor well known. Empty SIDs are left
// out. These are the ones to ask the directory about.
func unnamedSIDs(names map[string]string, sids ...string) []string {
	var out []string
	for _, s := range sids {
		if _, ok := names[s]; ok || s == "" || wellKnownSIDs[s] != "" || slices.Contains(out, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}
