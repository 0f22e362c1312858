// SPDX-License-Identifier: GPL-3.0-or-later

// Package btrfs tells btrfs file systems and subvolumes apart from plain
// directories, with statfs(2) and stat(2) alone (no btrfs command).
package btrfs

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Magic is the statfs(2) f_type of btrfs.
const Magic = unix.BTRFS_SUPER_MAGIC

// subvolIno is the inode number of every btrfs subvolume's root directory
// (BTRFS_FIRST_FREE_OBJECTID).
const subvolIno = 256

// FSType returns the statfs(2) f_type of the file system holding p.
func FSType(p string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil //nolint:unconvert // int32 on some platforms
}

// IsSubvolume reports whether the directory p is the root of a btrfs
// subvolume.
func IsSubvolume(p string) (bool, error) {
	t, err := FSType(p)
	if err != nil || t != Magic {
		return false, err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.IsDir() && st.Ino == subvolIno, nil
}
