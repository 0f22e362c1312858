// SPDX-License-Identifier: GPL-3.0-or-later

package site

import "github.com/posse-project/posse/rules"

// ServiceAccountPrefix starts the names of the directory accounts Posse's
// own services create for themselves (rules.ServiceAccountPrefix).
const ServiceAccountPrefix = rules.ServiceAccountPrefix

// IsServiceAccount reports whether username belongs to a Posse service
// (rules.IsServiceAccount).
func IsServiceAccount(username string) bool { return rules.IsServiceAccount(username) }
