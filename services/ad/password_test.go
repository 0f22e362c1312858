// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

// TestPolicyPasswordPolicy: the directory's policy reaches the site's
// checker unchanged, so a three-letter username inside a password is
// refused as Samba refuses it.
func TestPolicyPasswordPolicy(t *testing.T) {
	p := Policy{MinLength: 12, Complexity: true, MaxAgeDays: 42}
	if got := p.PasswordPolicy(); got != (site.PasswordPolicy{MinLength: 12, Complexity: true, MaxAgeDays: 42}) {
		t.Errorf("PasswordPolicy() = %+v", got)
	}
	if err := site.CheckPassword(p.PasswordPolicy(), "bob", "Xx-bob-2026-ok"); err == nil {
		t.Error("a password containing the three-letter username bob was accepted")
	}
}
