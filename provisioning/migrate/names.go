// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
)

// adOwnGroups are groups a domain's DNS server makes for itself: like the
// built-in groups they come with the join and no template manages them.
var adOwnGroups = map[string]bool{"dnsadmins": true, "dnsupdateproxy": true}

// RefusedNames lists the users and groups whose names Posse's rules
// refuse, each with a suggested name and the fix, sorted by kind and
// name. The domain's own accounts (System) are left out: they come with
// the join as they are.
func RefusedNames(accounts []Account) []Refused {
	taken := map[string]bool{}
	for _, a := range accounts {
		taken[strings.ToLower(a.Name)] = true
	}
	var out []Refused
	for _, a := range accounts {
		if a.System {
			continue
		}
		var problem string
		var suggest string
		switch a.Kind {
		case "user":
			if err := rules.UsernameError(a.Name); err != nil {
				problem = err.Error()
				suggest = suggestName(a.Name, 20, taken)
			} else if err := site.TextError("display name", a.DisplayName, site.MaxNameFieldLen); err != nil {
				out = append(out, Refused{Kind: a.Kind, Name: a.Name, Problem: err.Error(),
					Fix: "correct the display name on the old domain controller before the join"})
				continue
			}
		case "group":
			if adOwnGroups[strings.ToLower(a.Name)] {
				continue
			}
			if err := site.GroupNameError(a.Name); err != nil {
				problem = err.Error()
				suggest = suggestName(a.Name, 64, taken)
			}
		default:
			continue
		}
		if problem == "" {
			continue
		}
		r := Refused{Kind: a.Kind, Name: a.Name, Problem: problem, Suggest: suggest}
		stays := "the SID and the members stay"
		if a.Kind == "user" {
			stays = "the SID, the password and the memberships stay"
		}
		switch {
		case suggest == "":
			r.Fix = "rename the " + a.Kind + " on the old domain controller to a name Posse accepts before the join (" + stays + ")"
		case strings.EqualFold(suggest, a.Name):
			r.Fix = "rename the " + a.Kind + " to " + suggest + " on the old domain controller before the join (only the case changes; " + stays + ")"
		case a.Kind == "user":
			r.Fix = "rename the user to " + suggest + " on the old domain controller before the join (" + stays + "; the user logs in with the new name from then on)"
		default:
			r.Fix = "rename the group to " + suggest + " on the old domain controller before the join (" + stays + ")"
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind > out[j].Kind // users first
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// suggestName makes a name of at most max characters that Posse accepts
// for the kind whose limit max is (20: user, else group) and that no
// other account has: lower case, umlauts spelt out, other characters
// replaced by '-' (see rules.Transliterate), starting with a letter; a digit is appended to a
// reserved or taken name. It returns "" when no such name can be made.
func suggestName(name string, max int, taken map[string]bool) string {
	var b strings.Builder
	for _, r := range rules.Transliterate(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	s = strings.Trim(s, "-._")
	s = strings.TrimLeft(s, "0123456789-._")
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) > max {
		s = strings.TrimRight(s[:max], "-._")
	}
	ok := func(c string) bool {
		if taken[c] && c != strings.ToLower(name) {
			return false
		}
		if max == 20 {
			return rules.UsernameError(c) == nil
		}
		return site.GroupNameError(c) == nil
	}
	if ok(s) {
		return s
	}
	for i := 1; i <= 9; i++ {
		c := s
		if len(c) >= max {
			c = c[:max-1]
		}
		c += string(rune('0' + i))
		if ok(c) {
			return c
		}
	}
	return ""
}
