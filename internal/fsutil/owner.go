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

// CheckInside reports an error when path, with every symbolic link in its
// existing part resolved, is not inside root (also resolved). It keeps a
// write under --root DIR from following a link out of DIR.
func CheckInside(root, path string) error {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("resolve root %s: %w", root, err)
	}
	// Resolve the deepest part of path that exists.
	p, rest := filepath.Clean(path), ""
	for {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", p, err)
	}
	resolved = filepath.Join(resolved, rest)
	if r != "/" && resolved != r && !strings.HasPrefix(resolved, r+string(filepath.Separator)) {
		return fmt.Errorf("%s leads outside %s (to %s) through a symbolic link; remove the link", path, root, resolved)
	}
	return nil
}
