// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import "golang.org/x/sys/unix"

// Space tells the bytes an unprivileged writer may still use on the file
// system holding path, and its size (statfs).
func Space(path string) (free, size uint64, err error) {
	d, err := DiskOf(path)
	return d.Free, d.Size, err
}

// Disk is what statfs tells of a file system, in bytes.
type Disk struct {
	// Free is what an unprivileged writer may still use.
	Free uint64
	// Size is the whole file system.
	Size uint64
	// Used is what is written (the blocks reserved for root not counted).
	Used uint64
}

// UsedPercent is the share of the space open to users that is used, as
// df(1) counts it: Used / (Used + Free). A file system with no blocks is 0.
func (d Disk) UsedPercent() float64 {
	if d.Used+d.Free == 0 {
		return 0
	}
	return float64(d.Used) * 100 / float64(d.Used+d.Free)
}

// DiskOf runs statfs on path.
func DiskOf(path string) (Disk, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Disk{}, err
	}
	bs := uint64(st.Bsize)
	return Disk{Free: st.Bavail * bs, Size: st.Blocks * bs, Used: (st.Blocks - st.Bfree) * bs}, nil
}
