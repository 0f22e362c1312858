// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRenameAtNoReplace: asked not to replace, the rename refuses a name
// that exists (EEXIST) and leaves both files as they were. It is what
// closes the window between the placer's existence check and the rename.
func TestRenameAtNoReplace(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "restored"), filepath.Join(dir, "current")
	writeFile(t, src, "from the backup", 0o600)
	writeFile(t, dst, "written meanwhile", 0o600)
	err := renameAt(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, true)
	if !errors.Is(err, unix.EEXIST) {
		t.Fatalf("rename over an existing file without replace: %v, want EEXIST", err)
	}
	if got := readFile(t, dst); got != "written meanwhile" {
		t.Errorf("the existing file now holds %q", got)
	}
	if got := readFile(t, src); got != "from the backup" {
		t.Errorf("the restored file now holds %q", got)
	}
	if err := renameAt(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, false); err != nil || readFile(t, dst) != "from the backup" {
		t.Errorf("rename with replace: %v", err)
	}
}

// TestPlaceCopyRefusesLinkAtTempName: on the copy path (another file
// system), a link planted at the temporary file's name is neither written
// through nor followed: the restore fails and the link's target keeps its
// content.
func TestPlaceCopyRefusesLinkAtTempName(t *testing.T) {
	origRename, origTemp := renameAt, tempName
	renameAt = func(olddirfd int, oldpath string, newdirfd int, newpath string, noReplace bool) error {
		if olddirfd == unix.AT_FDCWD {
			return unix.EXDEV
		}
		return origRename(olddirfd, oldpath, newdirfd, newpath, noReplace)
	}
	tempName = func() string { return ".posse-restore-planted" }
	t.Cleanup(func() { renameAt, tempName = origRename, origTemp })

	staging, box, outside := t.TempDir(), t.TempDir(), t.TempDir()
	src := filepath.Join(staging, "a.txt")
	writeFile(t, src, "restored content", 0o644)
	victim := filepath.Join(outside, "victim")
	writeFile(t, victim, "untouched", 0o644)
	if err := os.Symlink(victim, filepath.Join(box, ".posse-restore-planted")); err != nil {
		t.Fatal(err)
	}
	d, err := os.Open(box)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info, err := os.Lstat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := place(src, info, d, "a.txt", false, "/a.txt"); err == nil {
		t.Error("placing through a planted link succeeded")
	}
	if got := readFile(t, victim); got != "untouched" {
		t.Errorf("the link's target now holds %q", got)
	}
	if _, err := os.Lstat(filepath.Join(box, "a.txt")); err == nil {
		t.Error("a.txt was placed through the planted link")
	}
}
