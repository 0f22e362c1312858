// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
)

// BtrfsMagic is the statfs(2) f_type of btrfs.
const BtrfsMagic = unix.BTRFS_SUPER_MAGIC

// btrfsSubvolIno is the inode number of every btrfs subvolume's root
// directory (BTRFS_FIRST_FREE_OBJECTID): how a subvolume is told from a
// plain directory without running btrfs.
const btrfsSubvolIno = 256

// fsNames names the file systems a data directory is likely to be on, for
// messages; others are shown by their magic number.
var fsNames = map[int64]string{
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.EXT4_SUPER_MAGIC:      "ext4",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.CIFS_SUPER_MAGIC:      "cifs",
	unix.FUSE_SUPER_MAGIC:      "fuse",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
	unix.SQUASHFS_MAGIC:        "squashfs",
	0x2FC12FC1:                 "zfs",
}

// FSName names a statfs(2) f_type.
func FSName(magic int64) string {
	if n, ok := fsNames[magic]; ok {
		return n
	}
	return fmt.Sprintf("file system type 0x%X", magic)
}

// fsType returns the statfs(2) f_type of the file system holding full;
// tests replace it.
var fsType = func(full string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(full, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil //nolint:unconvert // int32 on some platforms
}

// isSubvolume reports whether the directory full is the root of a btrfs
// subvolume; tests replace it.
var isSubvolume = func(full string) (bool, error) {
	t, err := fsType(full)
	if err != nil || t != BtrfsMagic {
		return false, err
	}
	fi, err := os.Lstat(full)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.IsDir() && st.Ino == btrfsSubvolIno, nil
}

// existingAncestor returns p or its nearest parent that exists under
// root (env.Path-style full paths: join root and p).
func existingAncestor(full func(string) string, p string) (string, error) {
	for d := p; ; d = path.Dir(d) {
		_, err := os.Lstat(full(d))
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, os.ErrNotExist) || d == "/" {
			return "", err
		}
	}
}
