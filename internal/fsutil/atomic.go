// SPDX-License-Identifier: GPL-3.0-or-later

// Package fsutil writes files and directories atomically and idempotently,
// looks up owners under a root, and renders unified diffs. It is the only
// place in Posse that replaces configuration files.
package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
)

// NoID leaves a file's owner or group as it is (or as the process's for a
// new file).
const NoID = -1

// WriteFileAtomic replaces path with data: it writes a temporary file in the
// same directory, fsyncs it, sets mode and owner (uid or gid NoID leaves that
// id alone), renames it over path and fsyncs the directory. Readers see the
// old or the new content, never a mix. The directory must exist.
//
// Between the temporary file's fsync and the rename it calls the hook set
// with SetBeforeRename, if any: the state a crash there leaves is the old
// path untouched and a complete temporary file ".NAME.posse-*" next to it.
func WriteFileAtomic(path string, data []byte, mode fs.FileMode, uid, gid int) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".posse-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600, so nothing readable leaks before chmod.
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if uid != NoID || gid != NoID {
		if err = f.Chown(uid, gid); err != nil {
			return fmt.Errorf("set owner of %s to %d:%d: %w", path, uid, gid, err)
		}
	}
	// chmod after chown: chown clears set-id bits.
	if err = f.Chmod(mode.Perm() | mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return fmt.Errorf("set mode of %s: %w", path, err)
	}
	if err = osCalls.fsync(f); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if h := beforeRename.Load(); h != nil {
		if err = (*h)(path, tmp); err != nil {
			return err
		}
	}
	if err = osCalls.rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return SyncDir(dir)
}

// osCalls are the calls of WriteFileAtomic and SyncDir whose effect and
// order cannot be seen on disk afterwards (an fsync shows only after a
// power cut); tests replace them to record them.
var osCalls = struct {
	fsync  func(f *os.File) error
	rename func(from, to string) error
}{
	fsync:  (*os.File).Sync,
	rename: os.Rename,
}

// BeforeRename is a hook inside WriteFileAtomic: it gets the target path
// and the temporary file's name once that file holds the new bytes with
// their owner and mode, fsynced and closed, before the rename. An error
// makes WriteFileAtomic remove the temporary file and return that error;
// path is untouched.
type BeforeRename func(path, tmp string) error

var beforeRename atomic.Pointer[BeforeRename]

// SetBeforeRename installs h (nil removes it) for every WriteFileAtomic of
// the process and returns a function that puts back the previous hook. It
// is for fault injection (the apply engine's in-step failpoints, built
// with -tags failpoints) and tests; Posse's normal code never sets one. A
// hook should act only on the path it is about: other writes go on at the
// same time.
func SetBeforeRename(h BeforeRename) (restore func()) {
	var p *BeforeRename
	if h != nil {
		p = &h
	}
	old := beforeRename.Swap(p)
	return func() { beforeRename.Store(old) }
}

// SyncDir fsyncs a directory so that a rename or unlink in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := osCalls.fsync(d); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// State is what is on disk at a path: whether it exists, its bytes (for
// regular files), mode and owner.
type State struct {
	Exists bool
	Dir    bool
	Data   []byte
	Mode   fs.FileMode
	UID    int
	GID    int
}

// ReadState reads the state of a regular file or directory. A missing path
// is not an error (Exists is false). A symlink or other special file is an
// error: Posse never writes through links.
func ReadState(path string) (State, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	st := State{Exists: true, Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), UID: NoID, GID: NoID}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.UID, st.GID = int(sys.Uid), int(sys.Gid)
	}
	switch {
	case fi.IsDir():
		st.Dir = true
	case fi.Mode().IsRegular():
		if st.Data, err = os.ReadFile(path); err != nil {
			return State{}, err
		}
	default:
		return State{}, fmt.Errorf("%s is a %s, not a regular file; move it away and apply again", path, kindOf(fi.Mode()))
	}
	return st, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// Same reports whether st already is a regular file with data, mode and
// owner (NoID ids are not compared).
func (st State) Same(data []byte, mode fs.FileMode, uid, gid int) bool {
	return st.Exists && !st.Dir && bytes.Equal(st.Data, data) && st.Mode == mode &&
		(uid == NoID || uid == st.UID) && (gid == NoID || gid == st.GID)
}

// EnsureFile makes path a regular file with data, mode and owner, writing
// atomically only when something differs. It reports whether it changed
// anything.
func EnsureFile(path string, data []byte, mode fs.FileMode, uid, gid int) (bool, error) {
	st, err := ReadState(path)
	if err != nil {
		return false, err
	}
	if st.Dir {
		return false, fmt.Errorf("%s is a directory, expected a file; move it away and apply again", path)
	}
	if st.Same(data, mode, uid, gid) {
		return false, nil
	}
	if st.Exists && bytes.Equal(st.Data, data) {
		// Only metadata differs: change it in place, no rewrite needed.
		return true, chmodChown(path, mode, uid, gid)
	}
	return true, WriteFileAtomic(path, data, mode, uid, gid)
}

// EnsureDir makes path a directory with mode and owner, creating it (but
// not its parents) when missing. It reports whether it changed anything.
func EnsureDir(path string, mode fs.FileMode, uid, gid int) (bool, error) {
	st, err := ReadState(path)
	if err != nil {
		return false, err
	}
	if st.Exists && !st.Dir {
		return false, fmt.Errorf("%s is a file, expected a directory; move it away and apply again", path)
	}
	if st.Exists && st.Mode == mode && (uid == NoID || uid == st.UID) && (gid == NoID || gid == st.GID) {
		return false, nil
	}
	if !st.Exists {
		if err := os.Mkdir(path, 0o700); err != nil {
			return false, fmt.Errorf("create directory %s: %w", path, err)
		}
		if err := SyncDir(filepath.Dir(path)); err != nil {
			return true, err
		}
	}
	return true, chmodChown(path, mode, uid, gid)
}

func chmodChown(path string, mode fs.FileMode, uid, gid int) error {
	if uid != NoID || gid != NoID {
		if err := os.Lchown(path, uid, gid); err != nil {
			return fmt.Errorf("set owner of %s to %d:%d: %w", path, uid, gid, err)
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("set mode of %s: %w", path, err)
	}
	return nil
}

// MkdirAll creates dir and its missing parents with mode 0755 and returns
// the directories it created, outermost first, so a rollback can remove
// them again.
func MkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return nil, fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], 0o755)
		if errors.Is(err, fs.ErrExist) {
			created = append(created, missing[i])
			continue
		}
		if err != nil {
			return created, fmt.Errorf("create directory %s: %w", missing[i], err)
		}
		created = append(created, missing[i])
		// 0755 whatever the umask: possed runs with UMask=0077, and
		// share and home parents must stay traversable.
		if err := os.Chmod(missing[i], 0o755); err != nil {
			return created, fmt.Errorf("set mode of %s: %w", missing[i], err)
		}
	}
	return created, nil
}

// FromUnix converts unix permission bits such as 0o2770 (as plans store
// them) to an fs.FileMode.
func FromUnix(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// ToUnix converts an fs.FileMode's permission and set-id bits to unix bits.
func ToUnix(mode fs.FileMode) uint32 {
	m := uint32(mode.Perm())
	if mode&fs.ModeSetuid != 0 {
		m |= 0o4000
	}
	if mode&fs.ModeSetgid != 0 {
		m |= 0o2000
	}
	if mode&fs.ModeSticky != 0 {
		m |= 0o1000
	}
	return m
}
