// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// SymlinkError says a component of a path is a symbolic link, which the
// no-follow openers below refuse.
type SymlinkError struct {
	// Path is the first component that is a link, relative to the root
	// directory the path was opened beneath.
	Path string
}

func (e *SymlinkError) Error() string {
	return e.Path + " is a symbolic link"
}

// noOpenat2 is set once openat2(2) turned out to be missing (Linux before
// 5.6, or a seccomp filter that refuses it); tests set it to take the
// component walk.
var noOpenat2 atomic.Bool

// dirFlags open a directory for the *at calls, never following a link.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// OpenDirBeneath opens the directory rel, a relative path below the open
// directory root ("" or "." is root itself), without following a symbolic
// link in any component: with openat2(2) and RESOLVE_NO_SYMLINKS |
// RESOLVE_BENEATH, or where openat2 is missing by opening one component at a
// time with O_NOFOLLOW | O_DIRECTORY. A link anywhere on the way is a
// *SymlinkError; ".." and absolute paths are refused. What the caller then
// does relative to the returned directory (the *at calls) stays in that
// directory even if the path is changed meanwhile.
func OpenDirBeneath(root *os.File, rel string) (*os.File, error) {
	comps, err := splitRel(rel)
	if err != nil {
		return nil, err
	}
	return openComps(root, comps, false, 0)
}

// MkdirAllBeneath is OpenDirBeneath that first creates the missing
// directories of rel with mode perm (the umask does not count, as with
// MkdirAll), owned by the caller.
func MkdirAllBeneath(root *os.File, rel string, perm fs.FileMode) (*os.File, error) {
	comps, err := splitRel(rel)
	if err != nil {
		return nil, err
	}
	return openComps(root, comps, true, uint32(perm.Perm()))
}

// splitRel splits a relative path into its components, refusing absolute
// paths and "..".
func splitRel(rel string) ([]string, error) {
	if strings.HasPrefix(rel, "/") {
		return nil, fmt.Errorf("%s: not a relative path", rel)
	}
	var comps []string
	for _, c := range strings.Split(rel, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			return nil, fmt.Errorf("%s: leads up with \"..\"", rel)
		}
		comps = append(comps, c)
	}
	return comps, nil
}

func openComps(root *os.File, comps []string, create bool, perm uint32) (*os.File, error) {
	defer runtime.KeepAlive(root)
	rootFd := int(root.Fd())
	name := path.Join(append([]string{root.Name()}, comps...)...)
	if len(comps) == 0 {
		fd, err := unix.Openat(rootFd, ".", dirFlags, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: root.Name(), Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
	if !noOpenat2.Load() {
		fd, err := openat2Beneath(rootFd, strings.Join(comps, "/"))
		switch {
		case err == nil:
			return os.NewFile(uintptr(fd), name), nil
		case errors.Is(err, unix.ENOSYS):
			noOpenat2.Store(true) // Linux before 5.6: walk from now on
		case errors.Is(err, unix.EPERM):
			// A seccomp filter that refuses openat2: walk this time.
		case errors.Is(err, unix.ENOENT) && create:
			// Make what is missing below.
		case errors.Is(err, unix.ELOOP), errors.Is(err, unix.EXDEV), errors.Is(err, unix.ENOTDIR):
			// The walk names the link (or the file) in the way.
		default:
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	return walkComps(rootFd, root.Name(), comps, create, perm)
}

// openat2Beneath opens the directory rel below dirfd with openat2, retrying
// when a concurrent rename made the kernel give up (EAGAIN).
func openat2Beneath(dirfd int, rel string) (int, error) {
	how := unix.OpenHow{
		Flags:   dirFlags,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(dirfd, rel, &how)
		if (err == unix.EAGAIN && try < 16) || err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// walkComps opens one component at a time with O_NOFOLLOW, creating missing
// ones when create.
func walkComps(rootFd int, rootName string, comps []string, create bool, perm uint32) (*os.File, error) {
	fd, err := unix.Openat(rootFd, ".", dirFlags, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: rootName, Err: err}
	}
	for i, c := range comps {
		next, err := unix.Openat(fd, c, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			made := false
			if err = unix.Mkdirat(fd, c, perm); err == nil {
				made = true
			}
			if err == nil || errors.Is(err, unix.EEXIST) {
				next, err = unix.Openat(fd, c, dirFlags, 0)
			}
			if err == nil && made {
				err = unix.Fchmod(next, perm) // the umask (possed's is 0077) does not count
				if err != nil {
					unix.Close(next)
				}
			}
		}
		if err != nil {
			rel := strings.Join(comps[:i+1], "/")
			if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
				var st unix.Stat_t
				if unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
					unix.Close(fd)
					return nil, &SymlinkError{Path: rel}
				}
			}
			unix.Close(fd)
			return nil, &fs.PathError{Op: "open", Path: path.Join(rootName, rel), Err: err}
		}
		unix.Close(fd)
		fd = next
	}
	return os.NewFile(uintptr(fd), path.Join(append([]string{rootName}, comps...)...)), nil
}
