// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import "github.com/posse-project/posse/provisioning/site"

// PasswordPolicy is p as the site's password rules take it, for
// site.CheckPassword and site.GeneratePassword: the directory checks and
// generates passwords with the site's one implementation.
func (p Policy) PasswordPolicy() site.PasswordPolicy {
	return site.PasswordPolicy{MinLength: p.MinLength, Complexity: p.Complexity, MaxAgeDays: p.MaxAgeDays}
}
