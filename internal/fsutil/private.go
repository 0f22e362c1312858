// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// PrivateMode is the mode of files that hold secrets such as generated
// passwords.
const PrivateMode fs.FileMode = 0o600

// NotPrivateError says why an existing file is not one OpenPrivate appends
// to; Error() says what to do instead.
type NotPrivateError struct {
	Path string
	// Problem is what is wrong, such as "is a symbolic link".
	Problem string
	// Hint says what to do next.
	Hint string
}

func (e *NotPrivateError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Path, e.Problem, e.Hint)
}

// OpenPrivate opens path for appending secrets to it, such as generated
// passwords or a saved password sheet.
//
// A missing path is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
// owned by the caller (created is then true). An existing path (also a
// dangling symbolic link) is refused with an error that matches
// fs.ErrExist, unless appendExisting: then it must be a regular file,
// opened with O_NOFOLLOW, owned by the caller (the effective uid), mode
// exactly 0600 and without other hard links; anything else is a
// *NotPrivateError. So a secret never goes through a link someone planted,
// into a file someone else owns or can read, or into a file that was there
// when nobody asked to add to it.
func OpenPrivate(path string, appendExisting bool) (f *os.File, created bool, err error) {
	for range 3 {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, PrivateMode)
		if err == nil {
			// The umask may have taken bits away; 0600 is what was asked.
			if err := f.Chmod(PrivateMode); err != nil {
				f.Close()
				os.Remove(path)
				return nil, false, err
			}
			return f, true, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
		if !appendExisting {
			return nil, false, &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
		}
		f, err = openPrivateExisting(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile: create it
		}
		return f, false, err
	}
	return nil, false, err
}

// openPrivateExisting opens an existing private file for appending.
func openPrivateExisting(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if err := privateProblem(path, fi); err != nil {
		return nil, err
	}
	// O_NOFOLLOW: a link put there since the Lstat is refused (ELOOP);
	// O_NONBLOCK and O_NOCTTY: a FIFO or a terminal put there does not hang
	// or become ours before the check below refuses it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &NotPrivateError{Path: path, Problem: "is a symbolic link", Hint: "choose a new file"}
	}
	if errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EISDIR) {
		return nil, &NotPrivateError{Path: path, Problem: "is not a regular file", Hint: "choose a new file"}
	}
	if err != nil {
		return nil, err
	}
	ofi, err := f.Stat()
	if err == nil {
		err = privateProblem(path, ofi)
	}
	if err == nil && !os.SameFile(fi, ofi) {
		err = &NotPrivateError{Path: path, Problem: "was replaced while it was opened", Hint: "try again"}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// privateProblem checks an existing file's type, owner, mode and links.
func privateProblem(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return &NotPrivateError{Path: path, Problem: "is a symbolic link", Hint: "choose a new file"}
	case !fi.Mode().IsRegular():
		return &NotPrivateError{Path: path, Problem: "is not a regular file", Hint: "choose a new file"}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &NotPrivateError{Path: path, Problem: "has no owner that can be checked", Hint: "choose a new file"}
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return &NotPrivateError{Path: path, Problem: fmt.Sprintf("belongs to uid %d, not to you (uid %d)", st.Uid, uid), Hint: "choose a new file of your own"}
	}
	if m := st.Mode & 0o7777; m != uint32(PrivateMode) {
		return &NotPrivateError{Path: path, Problem: fmt.Sprintf("has mode %04o, not 0600", m), Hint: fmt.Sprintf("check who could read it, then chmod 600 %s, or choose a new file", path)}
	}
	if st.Nlink != 1 {
		return &NotPrivateError{Path: path, Problem: fmt.Sprintf("has %d hard links", st.Nlink), Hint: "choose a new file"}
	}
	return nil
}
