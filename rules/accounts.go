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

// EveryoneGroup is the built-in group a template may give a share or a
// folder to without defining it: every user of the domain. It stands for
// the AD group DomainUsersGroup, which every account is in.
const EveryoneGroup = "everyone"

// DomainUsersGroup is the AD group every user account is a member of.
const DomainUsersGroup = "Domain Users"

// ADGroup is the directory group a template's group name means: the
// everyone group is Domain Users, any other name itself.
func ADGroup(name string) string {
	if strings.EqualFold(name, EveryoneGroup) {
		return DomainUsersGroup
	}
	return name
}

// TemplateGroup is the template's name for a directory group: Domain
// Users is the everyone group, any other name itself.
func TemplateGroup(name string) string {
	if strings.EqualFold(name, DomainUsersGroup) {
		return EveryoneGroup
	}
	return name
}
