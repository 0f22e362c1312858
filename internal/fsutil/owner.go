// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LookupUID returns the uid of user name from <root>/etc/passwd. The name
// "root" is uid 0 even when the root has no passwd file; any other unknown
// name is an error.
func LookupUID(root, name string) (int, error) {
	return lookupID(root, "etc/passwd", "user", name)
}

// LookupGID returns the gid of group name from <root>/etc/group, like
// LookupUID.
func LookupGID(root, name string) (int, error) {
	return lookupID(root, "etc/group", "group", name)
}

// Owner resolves an owner and group name pair under root. Empty names give
// NoID (leave the id alone).
func Owner(root, owner, group string) (uid, gid int, err error) {
	uid, gid = NoID, NoID
	if owner != "" {
		if uid, err = LookupUID(root, owner); err != nil {
			return NoID, NoID, err
		}
	}
	if group != "" {
		if gid, err = LookupGID(root, group); err != nil {
			return NoID, NoID, err
		}
	}
	return uid, gid, nil
}

func lookupID(root, file, what, name string) (int, error) {
	if !validAccountName(name) {
		return NoID, fmt.Errorf("invalid %s name %q", what, name)
	}
	if root == "" {
		root = "/"
	}
	path := filepath.Join(root, file)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && name == "root" {
		return 0, nil
	}
	if err != nil {
		return NoID, fmt.Errorf("look up %s %s: %w", what, name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] != name {
			continue
		}
		id, err := strconv.Atoi(fields[2])
		if err != nil || id < 0 {
			return NoID, fmt.Errorf("%s: bad id %q for %s %s", path, fields[2], what, name)
		}
		return id, nil
	}
	if name == "root" {
		return 0, nil
	}
	return NoID, fmt.Errorf("unknown %s %q: it is not in %s; install the package that creates it first", what, name, path)
}

// validAccountName accepts the names Debian's adduser and packages use.
func validAccountName(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' || r == '$') {
			return false
		}
	}
	return true
}

// CheckInside reports an error when the kernel, opening path, would follow
// a symbolic link out of root: an absolute link target (the kernel resolves
// it against the real /, not root) or a relative one climbing above root.
// It keeps a write under --root DIR inside DIR. root itself is not resolved,
// so it may be a link such as /proc/PID/root. With root "/" nothing can
// escape.
func CheckInside(root, path string) error {
	root, path = filepath.Clean(root), filepath.Clean(path)
	if root == "/" {
		return nil
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s is not inside %s", path, root)
	}
	parts := strings.Split(rel, "/")
	cur := root
	for hops := 0; len(parts) > 0; {
		p := parts[0]
		parts = parts[1:]
		switch p {
		case "", ".":
			continue
		case "..":
			if cur == root {
				return fmt.Errorf("%s leads outside %s through a symbolic link; remove the link", path, root)
			}
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, p)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing below exists, so no more links
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return err
		}
		if filepath.IsAbs(target) {
			return fmt.Errorf("%s leads outside %s through the symbolic link %s -> %s; remove the link", path, root, next, target)
		}
		parts = append(strings.Split(target, "/"), parts...)
	}
	return nil
}
