// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import "golang.org/x/sys/unix"

// Space tells the bytes an unprivileged writer may still use on the file
// system holding path, and its size (statfs).
func Space(path string) (free, size uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}
