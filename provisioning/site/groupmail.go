// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"

	"github.com/posse-project/posse/rules"
)

// A group may have a mail address (groups[].mail): mail to it reaches
// every member who has a mailbox. Service accounts have none and disabled
// users receive no mail, so both are skipped; a group address that would
// reach nobody is a problem. Site aliases may name a group, or the
// built-in everyone group, as a target, and a group's address, all
// expanded the same way. Membership is the template's: a member added in
// the app receives the group's mail from the next apply on.

// GroupMailTargets returns the addresses mail to group is delivered to:
// the address of each member with a mailbox (not a service account, not
// disabled), in template order, without repeats. For the built-in everyone
// group that is every such user. It returns nil for an unknown group.
func (s *Site) GroupMailTargets(group string) []string {
	every := group == rules.EveryoneGroup
	if _, ok := s.FindGroup(group); !ok && !every {
		return nil
	}
	var out []string
	have := map[string]bool{}
	for _, u := range s.Users {
		if u.IsService() || u.Disabled || (!every && !inList(u.Groups, group)) {
			continue
		}
		if a := strings.ToLower(s.UserEmail(u)); a != "" && !have[a] {
			have[a] = true
			out = append(out, a)
		}
	}
	return out
}

func inList(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// GroupHolder names a group as the holder of its address.
func GroupHolder(name string) string { return "group " + name }

// groupByMail maps each group address (lower case) to the group's name.
func (s *Site) groupByMail() map[string]string {
	m := map[string]string{}
	for _, g := range s.Groups {
		if k := strings.ToLower(g.Mail); k != "" {
			if _, dup := m[k]; !dup {
				m[k] = g.Name
			}
		}
	}
	return m
}

// isGroupTarget reports whether name, an alias target without @, names a
// group of the site or the built-in everyone group.
func (s *Site) isGroupTarget(name string) bool {
	if name == rules.EveryoneGroup {
		return true
	}
	_, ok := s.FindGroup(name)
	return ok
}

// groupMail checks the groups' addresses: a mail section, a valid
// lower-case address in a mail domain that is not a service address, and
// at least one member who receives mail. Uniqueness across users, aliases
// and groups is checked by addresses.
func (v *validator) groupMail() {
	for i, g := range v.s.Groups {
		if g.Mail == "" {
			continue
		}
		p := joinIndex("groups", i) + ".mail"
		if v.s.Mail == nil {
			v.add(p, errGroupMailNeedsMail, hintUserAliasesNeedMail)
			continue
		}
		v.userAddress(p, g.Mail, "group address")
		if g.Name != "" && len(v.s.GroupMailTargets(g.Name)) == 0 {
			v.add(p, fmt.Sprintf(errGroupMailNobody, g.Name), hintGroupMailNobody)
		}
	}
}
