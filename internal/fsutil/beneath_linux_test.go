// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// bothResolvers runs f with openat2 and with the component walk that
// stands in for it on kernels without openat2.
func bothResolvers(t *testing.T, f func(t *testing.T)) {
	t.Run("openat2", func(t *testing.T) {
		noOpenat2.Store(false)
		f(t)
		if noOpenat2.Load() {
			t.Log("this kernel has no openat2: the walk was tested twice")
		}
	})
	t.Run("walk", func(t *testing.T) {
		noOpenat2.Store(true)
		t.Cleanup(func() { noOpenat2.Store(false) })
		f(t)
	})
}

func openRoot(t *testing.T, dir string) *os.File {
	t.Helper()
	root, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// TestOpenDirBeneath: real directories open; a symbolic link in any
// component is refused by name, also one that stays inside the root.
func TestOpenDirBeneath(t *testing.T) {
	bothResolvers(t, func(t *testing.T) {
		dir := t.TempDir()
		outside := t.TempDir()
		for _, d := range []string{"srv/share/sub", "srv/other"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(dir, "srv/file"), nil, 0o644)
		os.Symlink(outside, filepath.Join(dir, "srv/out"))
		os.Symlink("other", filepath.Join(dir, "srv/in"))
		os.Symlink("/etc", filepath.Join(dir, "srv/share/etc"))
		root := openRoot(t, dir)

		for _, rel := range []string{"", ".", "srv", "srv/share/sub", "srv/share/sub/"} {
			d, err := OpenDirBeneath(root, rel)
			if err != nil {
				t.Errorf("OpenDirBeneath(%q): %v", rel, err)
				continue
			}
			d.Close()
		}
		for rel, link := range map[string]string{
			"srv/out":              "srv/out",
			"srv/out/x":            "srv/out",
			"srv/in":               "srv/in",
			"srv/in/x":             "srv/in",
			"srv/share/etc":        "srv/share/etc",
			"srv/share/etc/cron.d": "srv/share/etc",
		} {
			_, err := OpenDirBeneath(root, rel)
			var se *SymlinkError
			if !errors.As(err, &se) || se.Path != link {
				t.Errorf("OpenDirBeneath(%q) = %v, want the link %s named", rel, err, link)
			}
		}
		for _, rel := range []string{"srv/file", "srv/file/x"} {
			_, err := OpenDirBeneath(root, rel)
			var se *SymlinkError
			if err == nil || errors.As(err, &se) || !errors.Is(err, syscall.ENOTDIR) {
				t.Errorf("OpenDirBeneath(%q) = %v, want ENOTDIR", rel, err)
			}
		}
		for _, rel := range []string{"..", "srv/../..", "srv/..", "/etc"} {
			if _, err := OpenDirBeneath(root, rel); err == nil {
				t.Errorf("OpenDirBeneath(%q) accepted", rel)
			}
		}
		if _, err := OpenDirBeneath(root, "srv/missing"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing: %v", err)
		}
	})
}

// TestMkdirAllBeneath creates what is missing (0755 under any umask) and
// never anything through a link.
func TestMkdirAllBeneath(t *testing.T) {
	bothResolvers(t, func(t *testing.T) {
		old := syscall.Umask(0o077)
		defer syscall.Umask(old)
		dir := t.TempDir()
		outside := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "srv"), 0o755)
		os.Symlink(outside, filepath.Join(dir, "srv/link"))
		root := openRoot(t, dir)

		d, err := MkdirAllBeneath(root, "srv/restored/a/b", 0o755)
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		for _, p := range []string{"srv/restored", "srv/restored/a", "srv/restored/a/b"} {
			if st, err := os.Lstat(filepath.Join(dir, p)); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
				t.Errorf("%s: %v %v, want a 0755 directory", p, st.Mode(), err)
			}
		}
		_, err = MkdirAllBeneath(root, "srv/link/a/b", 0o755)
		var se *SymlinkError
		if !errors.As(err, &se) || se.Path != "srv/link" {
			t.Errorf("through a link: %v", err)
		}
		if ents, _ := os.ReadDir(outside); len(ents) != 0 {
			t.Errorf("made %v outside the root", ents)
		}
	})
}
