// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"slices"
	"testing"
)

func TestAccountNameAndUnnamedSIDs(t *testing.T) {
	names := map[string]string{"S-1-5-21-1-2-3-1104": "carol"}
	for sid, want := range map[string]string{
		"S-1-5-21-1-2-3-1104": "carol",
		"S-1-3-0":             CreatorOwner,
		"S-1-5-32-544":        `BUILTIN\Administrators`,
		"S-1-5-21-1-2-3-1999": "S-1-5-21-1-2-3-1999",
	} {
		if got := accountName(names, sid); got != want {
			t.Errorf("accountName(%s) = %q, want %q", sid, got, want)
		}
	}
	got := unnamedSIDs(names, "", "S-1-5-21-1-2-3-1104", "S-1-5-21-1-2-3-7", "S-1-1-0", "S-1-5-21-1-2-3-7", "S-1-5-21-1-2-3-8")
	if want := []string{"S-1-5-21-1-2-3-7", "S-1-5-21-1-2-3-8"}; !slices.Equal(got, want) {
		t.Errorf("unnamedSIDs = %q, want %q", got, want)
	}
}
