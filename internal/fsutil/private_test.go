// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenPrivateCreates(t *testing.T) {
	old := syscall.Umask(0o277) // even a umask that takes the write bit does not change 0600
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "pw.csv")
	f, created, err := OpenPrivate(p, false)
	if err != nil || !created {
		t.Fatalf("OpenPrivate = %v, %v", created, err)
	}
	f.WriteString("a,b\n")
	f.Close()
	st, err := os.Lstat(p)
	if err != nil || st.Mode() != 0o600 || int(st.Sys().(*syscall.Stat_t).Uid) != os.Geteuid() {
		t.Errorf("new file: %v, %v", st.Mode(), err)
	}
	// A missing file is created with --append too.
	q := filepath.Join(t.TempDir(), "new.csv")
	f, created, err = OpenPrivate(q, true)
	if err != nil || !created {
		t.Fatalf("OpenPrivate(append) of a missing file = %v, %v", created, err)
	}
	f.Close()
}

func TestOpenPrivateExisting(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.csv")
	os.WriteFile(own, []byte("first,pw\n"), 0o600)

	// Without append an existing file is refused and left alone.
	if _, _, err := OpenPrivate(own, false); !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing without append: %v", err)
	}
	// With append it grows.
	f, created, err := OpenPrivate(own, true)
	if err != nil || created {
		t.Fatalf("append: %v, %v", created, err)
	}
	f.WriteString("second,pw\n")
	f.Close()
	if b, _ := os.ReadFile(own); string(b) != "first,pw\nsecond,pw\n" {
		t.Errorf("content %q", b)
	}

	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link.csv")
	os.Symlink(victim, link)
	dangling := filepath.Join(dir, "dangling.csv")
	throughLink := filepath.Join(t.TempDir(), "created-through-link")
	os.Symlink(throughLink, dangling)
	wide := filepath.Join(dir, "wide.csv")
	os.WriteFile(wide, nil, 0o644)
	os.Chmod(wide, 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.csv")
	os.WriteFile(hard, nil, 0o600)
	os.Link(hard, filepath.Join(dir, "hard2.csv"))
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)

	for _, tc := range []struct {
		path   string
		append bool
		want   string
	}{
		{link, false, "exists"},
		{dangling, false, "exists"},
		{link, true, "is a symbolic link: choose a new file"},
		{dangling, true, "is a symbolic link"},
		{wide, true, "has mode 0644, not 0600: check who could read it, then chmod 600 " + wide},
		{fifo, true, "is not a regular file"},
		{hard, true, "has 2 hard links"},
		{sub, true, "is not a regular file"},
		{sub, false, "exists"},
	} {
		done := make(chan error, 1)
		go func() {
			_, _, err := OpenPrivate(tc.path, tc.append)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("OpenPrivate(%s, %v) = %v, want %q", filepath.Base(tc.path), tc.append, err, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("OpenPrivate(%s) hangs", filepath.Base(tc.path))
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the link's target was written: %q", b)
	}
	if _, err := os.Lstat(throughLink); err == nil {
		t.Error("a file was created through the dangling link")
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(victim), "*")); len(m) != 1 {
		t.Errorf("files next to the victim: %v", m)
	}
}

// fakeInfo is a regular file with the given owner, mode and links.
type fakeInfo struct {
	mode fs.FileMode
	st   syscall.Stat_t
}

func (f fakeInfo) Name() string       { return "x" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return false }
func (f fakeInfo) Sys() any           { return &f.st }

// TestPrivateProblemOwner: a file of another user is refused (the real
// case needs root to set up).
func TestPrivateProblemOwner(t *testing.T) {
	me := uint32(os.Geteuid())
	ok := fakeInfo{mode: 0o600, st: syscall.Stat_t{Uid: me, Mode: syscall.S_IFREG | 0o600, Nlink: 1}}
	if err := privateProblem("/x", ok); err != nil {
		t.Errorf("own 0600 file: %v", err)
	}
	other := ok
	other.st.Uid = me + 1
	var npe *NotPrivateError
	if err := privateProblem("/x", other); !errors.As(err, &npe) || !strings.Contains(err.Error(), "not to you") {
		t.Errorf("file of another user: %v", err)
	}
	setuid := ok
	setuid.st.Mode |= syscall.S_ISUID
	if err := privateProblem("/x", setuid); err == nil || !strings.Contains(err.Error(), "mode 4600") {
		t.Errorf("setuid file: %v", err)
	}
}
