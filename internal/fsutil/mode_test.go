// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"io/fs"
	"testing"
)

// TestUnixModes: plans store modes as unix bits (0o2770); the set-id and
// sticky bits must survive the round trip, or a share directory loses its
// set-gid.
func TestUnixModes(t *testing.T) {
	for _, tc := range []struct {
		unix uint32
		mode fs.FileMode
	}{
		{0o644, 0o644},
		{0o2770, 0o770 | fs.ModeSetgid},
		{0o4755, 0o755 | fs.ModeSetuid},
		{0o1777, 0o777 | fs.ModeSticky},
		{0o7000, fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky},
	} {
		if got := FromUnix(tc.unix); got != tc.mode {
			t.Errorf("FromUnix(%#o) = %v, want %v", tc.unix, got, tc.mode)
		}
		if got := ToUnix(tc.mode); got != tc.unix {
			t.Errorf("ToUnix(%v) = %#o, want %#o", tc.mode, got, tc.unix)
		}
	}
	if got := FromUnix(0o10644); got != 0o644 {
		t.Errorf("FromUnix keeps bits above the mode: %v", got)
	}
}
