// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// The extended attributes the kernel keeps POSIX ACLs in, and the format
// of their value (linux/posix_acl_xattr.h): a version, then entries of
// tag, permission bits and id, little-endian.
const (
	aclAccessAttr  = "system.posix_acl_access"
	aclDefaultAttr = "system.posix_acl_default"
	aclXattrV2     = 2
)

// aclTags are the entry tags of the xattr format, by the names getfacl
// prints; named entries (user, group) carry an id.
var aclTags = map[uint16]struct {
	tag   string
	named bool
}{
	0x01: {"user", false}, 0x02: {"user", true},
	0x04: {"group", false}, 0x08: {"group", true},
	0x10: {"mask", false}, 0x20: {"other", false},
}

// readACL reads what `getfacl -p -n` prints about a path, without a
// process: owner, group and setgid bit from lstat, the access ACL from
// its xattr (or, without one, from the mode bits, as getfacl does) and
// the default ACL when there is one. Links are not followed. Tests
// replace it.
var readACL = readACLXattr

func readACLXattr(full string) (NumACL, error) {
	var st unix.Stat_t
	if err := unix.Lstat(full, &st); err != nil {
		return NumACL{}, err
	}
	n := NumACL{UID: int(st.Uid), GID: int(st.Gid), Setgid: st.Mode&unix.S_ISGID != 0, Entries: map[string]string{}}
	found, err := readACLAttr(full, aclAccessAttr, "", n.Entries)
	if err != nil {
		return NumACL{}, err
	}
	if !found {
		m := os.FileMode(st.Mode).Perm()
		n.Entries["user:"], n.Entries["group:"], n.Entries["other:"] = permString(m>>6), permString(m>>3), permString(m)
	}
	if _, err := readACLAttr(full, aclDefaultAttr, "default:", n.Entries); err != nil {
		return NumACL{}, err
	}
	return n, nil
}

// readACLAttr adds the entries of one ACL xattr to entries, keys prefixed
// with prefix; found is false when the path has no such ACL.
func readACLAttr(full, attr, prefix string, entries map[string]string) (found bool, err error) {
	buf := make([]byte, 4+8*32)
	for {
		sz, err := unix.Lgetxattr(full, attr, buf)
		if errors.Is(err, syscall.ERANGE) {
			sz, err = unix.Lgetxattr(full, attr, nil)
			if err != nil {
				return false, fmt.Errorf("read %s: %w", attr, err)
			}
			buf = make([]byte, sz+64)
			continue
		}
		if errors.Is(err, syscall.ENODATA) || errors.Is(err, syscall.ENOTSUP) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read %s: %w", attr, err)
		}
		if err := parseACLXattr(buf[:sz], prefix, entries); err != nil {
			return false, fmt.Errorf("read %s: %w", attr, err)
		}
		return sz > 4, nil
	}
}

// parseACLXattr decodes an ACL xattr value into entries.
func parseACLXattr(b []byte, prefix string, entries map[string]string) error {
	if len(b) < 4 || (len(b)-4)%8 != 0 {
		return fmt.Errorf("malformed ACL (%d bytes)", len(b))
	}
	if v := binary.LittleEndian.Uint32(b); v != aclXattrV2 {
		return fmt.Errorf("ACL format version %d, expected %d", v, aclXattrV2)
	}
	for b = b[4:]; len(b) > 0; b = b[8:] {
		t, ok := aclTags[binary.LittleEndian.Uint16(b)]
		if !ok {
			return fmt.Errorf("unknown ACL entry tag %#x", binary.LittleEndian.Uint16(b))
		}
		q := ""
		if t.named {
			q = strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[4:])), 10)
		}
		entries[prefix+t.tag+":"+q] = permString(os.FileMode(binary.LittleEndian.Uint16(b[2:])))
	}
	return nil
}

// permString prints the low three bits of m as getfacl does ("r-x").
func permString(m os.FileMode) string {
	s := []byte("---")
	if m&4 != 0 {
		s[0] = 'r'
	}
	if m&2 != 0 {
		s[1] = 'w'
	}
	if m&1 != 0 {
		s[2] = 'x'
	}
	return string(s)
}
