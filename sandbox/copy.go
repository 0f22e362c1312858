// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// boxRel checks a path inside a box and returns it relative to the box
// root. It must be absolute and must not climb with "..".
func boxRel(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("box path %q must be absolute", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return "", fmt.Errorf("box path %q must not contain '..'", p)
		}
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("box path %q contains a NUL byte", p)
	}
	rel := strings.TrimPrefix(path.Clean(p), "/")
	if rel == "" {
		return "", fmt.Errorf("box path %q names the root, not a file", p)
	}
	return rel, nil
}

// resolveFlags make the kernel resolve every path as the box sees it:
// absolute symlinks start at the box root and ".." stops there
// (RESOLVE_IN_ROOT), and magic links such as /proc/self/root, which would
// lead to the host, are refused.
const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// openIn opens rel beneath root with openat2. A path whose resolution would
// leave the root fails with an error that says so.
func openIn(rootfd int, rel string, flags int, mode uint32) (*os.File, error) {
	fd, err := unix.Openat2(rootfd, rel, &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Mode:    uint64(mode),
		Resolve: resolveFlags,
	})
	if err == unix.EXDEV {
		return nil, fmt.Errorf("%s: the path leads out of the box: refusing it", "/"+rel)
	}
	if err == unix.ELOOP {
		return nil, fmt.Errorf("%s: a magic link (such as /proc/self/root) or a symlink loop on the way could lead out of the box: refusing it", "/"+rel)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/" + rel, Err: err}
	}
	return os.NewFile(uintptr(fd), "/"+rel), nil
}

// copyIntoRoot copies the regular host file src to dst inside the tree at
// root, atomically (temporary file, fsync, rename) and with mode.
func copyIntoRoot(root, src, dst string, mode os.FileMode) error {
	rel, err := boxRel(dst)
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file: copy files one at a time", src)
	}
	rootf, err := os.Open(root)
	if err != nil {
		return err
	}
	defer rootf.Close()
	dirRel := path.Dir(rel)
	dir := rootf
	if dirRel != "." {
		if dir, err = openIn(int(rootf.Fd()), dirRel, unix.O_PATH|unix.O_DIRECTORY, 0); err != nil {
			return fmt.Errorf("copy to %s: %w", dst, err)
		}
		defer dir.Close()
	}
	base := path.Base(rel)
	tmp := "." + base + ".posse-tmp-" + strconv.Itoa(os.Getpid())
	fd, err := unix.Openat(int(dir.Fd()), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(mode.Perm()))
	if err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	out := os.NewFile(uintptr(fd), tmp)
	ok := false
	defer func() {
		if !ok {
			out.Close()
			unix.Unlinkat(int(dir.Fd()), tmp, 0)
		}
	}()
	if err := out.Chmod(mode.Perm()); err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := unix.Renameat(int(dir.Fd()), tmp, int(dir.Fd()), base); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	ok = true
	return nil
}

// copyFromRoot copies the regular file src inside the tree at root to the
// host path dst (atomically, keeping src's permission bits).
func copyFromRoot(root, src, dst string) error {
	rel, err := boxRel(src)
	if err != nil {
		return err
	}
	rootf, err := os.Open(root)
	if err != nil {
		return err
	}
	defer rootf.Close()
	in, err := openIn(int(rootf.Fd()), rel, unix.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("copy from %s: %w", src, err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s in the box is not a regular file: copy files one at a time", src)
	}
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		dst = filepath.Join(dst, path.Base(rel))
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(st.Mode().Perm()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// root is the box's root directory as the host sees it.
func (b *Box) root() (string, error) {
	if !b.Alive() {
		return "", fmt.Errorf("box %q is not running", b.st.Name)
	}
	return "/proc/" + strconv.Itoa(b.st.PID) + "/root", nil
}

// CopyIn copies the regular host file hostSrc to boxDst inside the box with
// the given mode, atomically. The parent directory must exist; a path that
// would leave the box (through "..", or a symlink pointing outside) is
// refused.
func (b *Box) CopyIn(hostSrc, boxDst string, mode os.FileMode) error {
	r, err := b.root()
	if err != nil {
		return err
	}
	return copyIntoRoot(r, hostSrc, boxDst, mode)
}

// CopyOut copies the regular file boxSrc from the box to hostDst (a file,
// or an existing directory to copy into), keeping its permission bits.
func (b *Box) CopyOut(boxSrc, hostDst string) error {
	r, err := b.root()
	if err != nil {
		return err
	}
	return copyFromRoot(r, boxSrc, hostDst)
}
