// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"github.com/posse-project/posse/internal/btrfs"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// BtrfsMagic is the statfs(2) f_type of btrfs.
const BtrfsMagic = btrfs.Magic

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
var fsType = btrfs.FSType

// isSubvolume reports whether the directory full is the root of a btrfs
// subvolume; tests replace it.
var isSubvolume = btrfs.IsSubvolume

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
