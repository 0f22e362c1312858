// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMkdirAllIgnoresUmask: parents are 0755 also under possed's
// UMask=0077, so share and home directories below them stay reachable.
func TestMkdirAllIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	created, err := MkdirAll(filepath.Join(dir, "srv", "posse", "shares"))
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 3 {
		t.Fatalf("created %v, want 3 directories", created)
	}
	for _, d := range created {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, %v; want 0755", d, st.Mode().Perm(), err)
		}
	}
}
