// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"errors"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenat2StaysBeneath: openat2 itself, below the path checks that come
// before it, refuses paths that leave the directory (absolute, or up with
// ".."), so the two locks hold each on its own.
func TestOpenat2StaysBeneath(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mkdir(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	root := openRoot(t, filepath.Join(dir, "in"))
	fd, err := openat2Beneath(int(root.Fd()), ".")
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("openat2 is not available here (%v); the component walk stands in for it", err)
	}
	if err != nil {
		t.Fatalf("opening the root itself: %v", err)
	}
	unix.Close(fd)
	for _, rel := range []string{"..", "../in", "/", dir, "a/../../in"} {
		fd, err := openat2Beneath(int(root.Fd()), rel)
		if err == nil {
			unix.Close(fd)
			t.Errorf("openat2 opened %q, which leaves the directory", rel)
		} else if !errors.Is(err, unix.EXDEV) && !errors.Is(err, unix.ENOENT) {
			t.Errorf("openat2 %q: %v, want EXDEV", rel, err)
		}
	}
}
