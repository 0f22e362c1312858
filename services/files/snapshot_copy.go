// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// statT is what the copier needs of a directory entry.
type statT struct{ unix.Stat_t }

func (s statT) isDir() bool  { return s.Mode&unix.S_IFMT == unix.S_IFDIR }
func (s statT) isReg() bool  { return s.Mode&unix.S_IFMT == unix.S_IFREG }
func (s statT) isLink() bool { return s.Mode&unix.S_IFMT == unix.S_IFLNK }

// lstatAt stats name in d without following a link; ok is false when
// there is nothing of that name.
func lstatAt(d *os.File, name string) (statT, bool, error) {
	var st statT
	err := unix.Fstatat(int(d.Fd()), name, &st.Stat_t, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return st, false, nil
	}
	if err != nil {
		return st, false, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	return st, true, nil
}

// copier copies entries between two open directories with the *at calls
// only, never following a link, and counts what it wrote.
type copier struct {
	files int
	bytes int64
}

// dirOpenFlags open a directory entry for the *at calls, refusing a link.
const dirOpenFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// copy copies the entry name of src (stat st) to target in dst: a file
// through a temporary name and a rename over target, a folder merged
// into an existing folder or made new, a link as a link.
func (c *copier) copy(src *os.File, name string, dst *os.File, target string, st statT) error {
	switch {
	case st.isReg():
		return c.copyFile(src, name, dst, target, st)
	case st.isDir():
		return c.copyDir(src, name, dst, target, st)
	case st.isLink():
		return c.copyLink(src, name, dst, target, st)
	default:
		return nil // devices, sockets and fifos have no place in a share
	}
}

func (c *copier) copyDir(src *os.File, name string, dst *os.File, target string, st statT) error {
	cur, exists, err := lstatAt(dst, target)
	if err != nil {
		return err
	}
	if exists && !cur.isDir() {
		return fmt.Errorf("%s is a file now, not a folder: restore the folder alongside", target)
	}
	if !exists {
		if err := unix.Mkdirat(int(dst.Fd()), target, 0o700); err != nil {
			return &os.PathError{Op: "mkdir", Path: target, Err: err}
		}
	}
	sfd, err := unix.Openat(int(src.Fd()), name, dirOpenFlags, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	from := os.NewFile(uintptr(sfd), name)
	defer from.Close()
	dfd, err := unix.Openat(int(dst.Fd()), target, dirOpenFlags, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: target, Err: err}
	}
	to := os.NewFile(uintptr(dfd), target)
	defer to.Close()
	if !exists {
		// A folder made new gets the snapshot's owner, mode, ACLs and
		// times; one that is there keeps its own.
		if err := setMeta(sfd, dfd, st); err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
	}
	names, err := from.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, n := range names {
		est, ok, err := lstatAt(from, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := c.copy(from, n, to, n, est); err != nil {
			return fmt.Errorf("%s/%w", target, err)
		}
	}
	if !exists {
		return setTimes(dst, target, st)
	}
	return nil
}

func (c *copier) copyFile(src *os.File, name string, dst *os.File, target string, st statT) error {
	cur, exists, err := lstatAt(dst, target)
	if err != nil {
		return err
	}
	if exists && cur.isDir() {
		return fmt.Errorf("%s is a folder now, not a file: restore the file alongside", target)
	}
	sfd, err := unix.Openat(int(src.Fd()), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	in := os.NewFile(uintptr(sfd), name)
	defer in.Close()
	tmp, err := tempName()
	if err != nil {
		return err
	}
	dfd, err := unix.Openat(int(dst.Fd()), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return &os.PathError{Op: "create", Path: tmp, Err: err}
	}
	out := os.NewFile(uintptr(dfd), tmp)
	ok := false
	defer func() {
		out.Close()
		if !ok {
			unix.Unlinkat(int(dst.Fd()), tmp, 0)
		}
	}()
	n, err := io.Copy(out, in)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if err := setMeta(sfd, dfd, st); err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := setTimes(dst, tmp, st); err != nil {
		return err
	}
	if err := unix.Renameat(int(dst.Fd()), tmp, int(dst.Fd()), target); err != nil {
		return &os.PathError{Op: "rename", Path: target, Err: err}
	}
	ok = true
	c.files++
	c.bytes += n
	return nil
}

func (c *copier) copyLink(src *os.File, name string, dst *os.File, target string, st statT) error {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(int(src.Fd()), name, buf)
	if err != nil {
		return &os.PathError{Op: "readlink", Path: name, Err: err}
	}
	tmp, err := tempName()
	if err != nil {
		return err
	}
	if err := unix.Symlinkat(string(buf[:n]), int(dst.Fd()), tmp); err != nil {
		return &os.PathError{Op: "symlink", Path: tmp, Err: err}
	}
	if err := unix.Fchownat(int(dst.Fd()), tmp, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err == nil {
		err = unix.Renameat(int(dst.Fd()), tmp, int(dst.Fd()), target)
		if err == nil {
			c.files++
			return nil
		}
	}
	unix.Unlinkat(int(dst.Fd()), tmp, 0)
	return fmt.Errorf("%s: could not put the link back", target)
}

// tempName is a name no file of a share has: a dot file with random hex.
func tempName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return ".posse-restore-" + hex.EncodeToString(b[:]), nil
}

// setMeta gives the open file dfd the owner, mode and extended attributes
// of the open file sfd (stat st): the NT ACL, POSIX ACLs and DOS
// attributes Samba keeps there. The owner goes first: chown clears the
// set-id bits.
func setMeta(sfd, dfd int, st statT) error {
	if err := unix.Fchown(dfd, int(st.Uid), int(st.Gid)); err != nil {
		return &os.PathError{Op: "chown", Path: "", Err: err}
	}
	if err := unix.Fchmod(dfd, st.Mode&0o7777); err != nil {
		return &os.PathError{Op: "chmod", Path: "", Err: err}
	}
	return copyXattrs(sfd, dfd)
}

// copyXattrs copies every extended attribute of sfd to dfd.
func copyXattrs(sfd, dfd int) error {
	size, err := unix.Flistxattr(sfd, nil)
	if err != nil || size == 0 {
		if errors.Is(err, unix.ENOTSUP) {
			return nil
		}
		return err
	}
	buf := make([]byte, size)
	size, err = unix.Flistxattr(sfd, buf)
	if err != nil {
		return err
	}
	for _, attr := range strings.Split(strings.TrimRight(string(buf[:size]), "\x00"), "\x00") {
		if attr == "" {
			continue
		}
		vsize, err := unix.Fgetxattr(sfd, attr, nil)
		if err != nil {
			return fmt.Errorf("read attribute %s: %w", attr, err)
		}
		val := make([]byte, vsize)
		if vsize, err = unix.Fgetxattr(sfd, attr, val); err != nil {
			return fmt.Errorf("read attribute %s: %w", attr, err)
		}
		if err := unix.Fsetxattr(dfd, attr, val[:vsize], 0); err != nil {
			return fmt.Errorf("write attribute %s: %w", attr, err)
		}
	}
	return nil
}

// setTimes gives name in d the access and modification times of st.
func setTimes(d *os.File, name string, st statT) error {
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(int(d.Fd()), name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "set times", Path: name, Err: err}
	}
	return nil
}
