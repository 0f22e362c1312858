// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/site"
)

// A placer puts restored files into the box without following a symbolic
// link in any component of the target path. restic writes as root, and a
// restore target is often below a folder a user owns (a home, a share): a
// link planted there (a share folder replaced by a link to /etc/profile.d)
// would otherwise make root write wherever it points. So restic restores
// into the staging directory (root's, 0700) and the placer moves each file
// into place relative to a directory opened with fsutil.OpenDirBeneath from
// the box's root: every *at call works in the directory that was checked,
// even if the path is changed meanwhile.
type placer struct {
	root *os.File
	// last is the directory opened last (siblings come one after another
	// in a walk), lastDir its box path.
	last    *os.File
	lastDir string
}

func newPlacer(rootDir string) (*placer, error) {
	root, err := os.Open(rootDir)
	if err != nil {
		return nil, err
	}
	return &placer{root: root}, nil
}

func (pl *placer) Close() {
	if pl.last != nil {
		pl.last.Close()
	}
	pl.root.Close()
}

// dir returns the box directory p, created (0755, with missing parents)
// when missing. The placer keeps it open; callers do not close it.
func (pl *placer) dir(p string) (*os.File, error) {
	if pl.last != nil && pl.lastDir == p {
		return pl.last, nil
	}
	d, err := fsutil.MkdirAllBeneath(pl.root, strings.TrimPrefix(p, "/"), 0o755)
	if err != nil {
		return nil, linkError(err)
	}
	if pl.last != nil {
		pl.last.Close()
	}
	pl.last, pl.lastDir = d, p
	return d, nil
}

// open opens the box directory p for the caller to read and close.
func (pl *placer) open(p string) (*os.File, error) {
	d, err := fsutil.OpenDirBeneath(pl.root, strings.TrimPrefix(p, "/"))
	return d, linkError(err)
}

// linkError turns a link on the way into what to do.
func linkError(err error) error {
	var se *fsutil.SymlinkError
	if errors.As(err, &se) {
		return fmt.Errorf("/%s is a symbolic link: restores never follow links, so nothing was restored through it; replace the link with a real folder and restore again, or restore into a separate folder with --to %s", se.Path, site.RestoredDir)
	}
	return err
}

// linkInTheWay refuses to restore over a symbolic link.
func linkInTheWay(p string) error {
	return fmt.Errorf("%s is a symbolic link now: restores never write through or over links, so it was not restored; move the link away and restore again, or restore into a separate folder with --to %s", p, site.RestoredDir)
}

// mkdirTarget makes the directory of a restore --to when it is missing:
// 0700 (as restic makes its target), its parents 0755.
func (pl *placer) mkdirTarget(p string) error {
	parent, name := path.Split(p)
	d, err := pl.dir(path.Clean(parent))
	if err != nil {
		return err
	}
	fd := int(d.Fd())
	if err := unix.Mkdirat(fd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return &fs.PathError{Op: "mkdir", Path: p, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "lstat", Path: p, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return nil
	case unix.S_IFLNK:
		return linkInTheWay(p)
	}
	return fmt.Errorf("%s is a file: restore into a folder", p)
}

// lstatAt is lstat of name in d; ok is false when it does not exist.
func lstatAt(d *os.File, name string) (st unix.Stat_t, ok bool, err error) {
	err = unix.Fstatat(int(d.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return st, false, nil
	}
	if err != nil {
		return st, false, &fs.PathError{Op: "lstat", Path: path.Join(d.Name(), name), Err: err}
	}
	return st, true, nil
}

func isType(st *unix.Stat_t, t uint32) bool { return st.Mode&unix.S_IFMT == t }

// sysStat is the staging file's stat.
func sysStat(info fs.FileInfo) *syscall.Stat_t {
	st, _ := info.Sys().(*syscall.Stat_t)
	if st == nil {
		st = &syscall.Stat_t{Mode: uint32(info.Mode().Perm())}
	}
	return st
}

// mkdirAt creates the directory name in d like the staging directory src
// (info): owner (as root), mode, POSIX ACLs and time. It is made 0700
// first, so nobody gets in before it has its owner and mode.
func mkdirAt(d *os.File, name, src string, info fs.FileInfo, shown string) error {
	fd := int(d.Fd())
	if err := unix.Mkdirat(fd, name, 0o700); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s appeared while it was being restored: restore again", shown)
		}
		return &fs.PathError{Op: "mkdir", Path: shown, Err: err}
	}
	cfd, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return linkInTheWay(shown)
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: shown, Err: err}
	}
	defer unix.Close(cfd)
	if err := setMeta(cfd, src, info, true); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return setTimes(fd, name, info, shown)
}

// setMeta gives the open file fd the owner (as root), mode and POSIX ACLs
// of the staging file src: chown first (it clears set-id bits), the ACLs
// last (they set the group bits' mask).
func setMeta(fd int, src string, info fs.FileInfo, dir bool) error {
	st := sysStat(info)
	if os.Geteuid() == 0 {
		if err := unix.Fchown(fd, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	if err := unix.Fchmod(fd, st.Mode&0o7777); err != nil {
		return err
	}
	attrs := []string{"system.posix_acl_access"}
	if dir {
		attrs = append(attrs, "system.posix_acl_default")
	}
	for _, a := range attrs {
		n, err := unix.Lgetxattr(src, a, nil)
		if err != nil || n == 0 {
			continue // no ACL, or none possible
		}
		buf := make([]byte, n)
		if n, err = unix.Lgetxattr(src, a, buf); err != nil {
			return fmt.Errorf("reading the restored ACL: %w", err)
		}
		if err := unix.Fsetxattr(fd, a, buf[:n], 0); err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("setting the ACL: %w", err)
		}
	}
	return nil
}

// setTimes gives name in dirfd info's modification time (not following a
// link).
func setTimes(dirfd int, name string, info fs.FileInfo, shown string) error {
	t := unix.NsecToTimespec(info.ModTime().UnixNano())
	if err := unix.UtimesNanoAt(dirfd, name, []unix.Timespec{t, t}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "set times", Path: shown, Err: err}
	}
	return nil
}

// renameAt is renameat(2), or renameat2 with RENAME_NOREPLACE when
// noReplace (plain renameat where the file system cannot, as the caller
// checked the name is free); tests replace it to take the copy path.
var renameAt = func(olddirfd int, oldpath string, newdirfd int, newpath string, noReplace bool) error {
	if noReplace {
		err := unix.Renameat2(olddirfd, oldpath, newdirfd, newpath, unix.RENAME_NOREPLACE)
		if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
			return err
		}
	}
	return unix.Renameat(olddirfd, oldpath, newdirfd, newpath)
}

// place moves the staging file src (info) to name in d: a rename, or a
// copy (owner, mode, ACLs, time) when they are on different file systems.
// Unless replace, an entry that appeared at name meanwhile is not
// replaced.
func place(src string, info fs.FileInfo, d *os.File, name string, replace bool, shown string) error {
	fd := int(d.Fd())
	err := renameAt(unix.AT_FDCWD, src, fd, name, !replace)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fmt.Errorf("%s appeared while it was being restored: restore again", shown)
	case !errors.Is(err, unix.EXDEV):
		return &fs.PathError{Op: "restore", Path: shown, Err: err}
	}
	tmp := tempName()
	if err := copyAt(src, info, fd, tmp, shown); err != nil {
		unix.Unlinkat(fd, tmp, 0)
		return err
	}
	if err := renameAt(fd, tmp, fd, name, !replace); err != nil {
		unix.Unlinkat(fd, tmp, 0)
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("%s appeared while it was being restored: restore again", shown)
		}
		return &fs.PathError{Op: "restore", Path: shown, Err: err}
	}
	return nil
}

// tempName names the copy path's temporary file; tests replace it to plant
// a link at the name.
var tempName = func() string {
	b := make([]byte, 6)
	rand.Read(b)
	return ".posse-restore-" + hex.EncodeToString(b)
}

// copyAt copies the staging file src to the new name tmp in dirfd.
func copyAt(src string, info fs.FileInfo, dirfd int, tmp, shown string) error {
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(target, dirfd, tmp); err != nil {
			return &fs.PathError{Op: "symlink", Path: shown, Err: err}
		}
		if os.Geteuid() == 0 {
			st := sysStat(info)
			if err := unix.Fchownat(dirfd, tmp, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return &fs.PathError{Op: "chown", Path: shown, Err: err}
			}
		}
		return setTimes(dirfd, tmp, info, shown)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is a special file (%s) and cannot be copied to another file system", shown, info.Mode().Type())
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	ofd, err := unix.Openat(dirfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return &fs.PathError{Op: "create", Path: shown, Err: err}
	}
	out := os.NewFile(uintptr(ofd), shown)
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return &fs.PathError{Op: "copy", Path: shown, Err: err}
	}
	if err := setMeta(ofd, src, info, false); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", shown, err)
	}
	if err := out.Close(); err != nil {
		return &fs.PathError{Op: "copy", Path: shown, Err: err}
	}
	return setTimes(dirfd, tmp, info, shown)
}

// sameAt reports whether the staging file src (info) has the same type and
// content as name in d (cur, its lstat); it never follows a link.
func sameAt(src string, info fs.FileInfo, d *os.File, name string, cur *unix.Stat_t) (bool, error) {
	fd := int(d.Fd())
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		if !isType(cur, unix.S_IFLNK) {
			return false, nil
		}
		a, err := os.Readlink(src)
		if err != nil {
			return false, err
		}
		b, err := readlinkAt(fd, name)
		return a == b, err
	case !info.Mode().IsRegular() || !isType(cur, unix.S_IFREG) || info.Size() != cur.Size:
		return false, nil
	}
	fa, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	bfd, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, &fs.PathError{Op: "open", Path: path.Join(d.Name(), name), Err: err}
	}
	fb := os.NewFile(uintptr(bfd), name)
	defer fb.Close()
	var st unix.Stat_t
	if err := unix.Fstat(bfd, &st); err != nil || st.Ino != cur.Ino || st.Dev != cur.Dev {
		return false, err // replaced meanwhile: not the same
	}
	ba, bb := make([]byte, 64*1024), make([]byte, 64*1024)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF), nil
		}
	}
}

func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
