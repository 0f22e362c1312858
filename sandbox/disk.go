// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Limits of a box's data disk (UpOptions.Disk).
const (
	// MinDiskSize is the smallest btrfs file system mkfs.btrfs makes
	// without mixed block groups, rounded up.
	MinDiskSize = 128 << 20
	// MaxDiskSize keeps a typo from filling the host (the image file is
	// sparse, but the box may fill it).
	MaxDiskSize = 1 << 40
)

// ParseDiskSize reads a disk size such as 512M, 2G, 1.5G or 1073741824
// (bytes): a number with an optional K, M, G or T suffix (powers of 1024,
// an i and B may follow), between MinDiskSize and MaxDiskSize.
func ParseDiskSize(s string) (int64, error) {
	num := strings.TrimSpace(s)
	mult := int64(1)
	u := strings.ToUpper(num)
	u = strings.TrimSuffix(strings.TrimSuffix(u, "B"), "I")
	if n := len(u); n > 0 {
		if i := strings.IndexByte("KMGT", u[n-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			u = u[:n-1]
		}
	}
	f, err := strconv.ParseFloat(u, 64)
	if err != nil || u == "" || strings.ContainsAny(u, "eE+-xXpP_") || f != f {
		return 0, fmt.Errorf("disk size %q: write a size such as 512M or 2G", s)
	}
	size := f * float64(mult)
	if size < MinDiskSize || size > MaxDiskSize {
		return 0, fmt.Errorf("disk size %q: must be between 128M and 1T", s)
	}
	return int64(size) &^ 4095, nil
}

// DiskImage is the host file that holds box name's data disk.
func DiskImage(name string) string { return filepath.Join(Dir, "disks", name+".img") }

// DiskMount is where the host mounts box name's data disk; the box sees
// it at /srv.
func DiskMount(name string) string { return filepath.Join(RunDir, "disks", name) }

// setupDisk makes box name's data disk: a sparse image file of size
// bytes, formatted btrfs and loop-mounted at DiskMount. It first removes
// what an earlier box of that name left. On failure nothing stays.
func setupDisk(ctx context.Context, name string, size int64) (err error) {
	if err := removeDisk(name); err != nil {
		return err
	}
	mkfs, err := exec.LookPath("mkfs.btrfs")
	if err != nil {
		return errors.New("a data disk needs mkfs.btrfs on the host: install btrfs-progs (scripts/deps.sh)")
	}
	defer func() {
		if err != nil {
			removeDisk(name)
		}
	}()
	img, mp := DiskImage(name), DiskMount(name)
	for _, d := range []string{filepath.Dir(img), mp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if err := sparseImage(img, size); err != nil {
		return fmt.Errorf("data disk image: %w", err)
	}
	for _, argv := range [][]string{
		{mkfs, "-q", "-L", "posse-" + name, img},
		{"mount", "-o", "loop", "-t", "btrfs", img, mp},
	} {
		if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("data disk: %s: %v: %s", filepath.Base(argv[0]), err, strings.TrimSpace(string(out)))
		}
	}
	return os.Chmod(mp, 0o755)
}

// sparseImage creates the file img (it must not exist), 0600, sparse, of
// size bytes.
func sparseImage(img string, size int64) error {
	f, err := os.OpenFile(img, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeDisk unmounts box name's data disk (which frees its loop device)
// and removes the image file and mount point. It is safe to call when
// there is no disk, and after a crash.
func removeDisk(name string) error {
	img, mp := DiskImage(name), DiskMount(name)
	var errs []error
	if mounted(mp) {
		if err := unix.Unmount(mp, 0); err != nil {
			// Still busy (a process of a dying box): detach it, the
			// kernel frees it when the last user goes.
			if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil {
				errs = append(errs, fmt.Errorf("unmount data disk %s: %w", mp, err))
			}
		}
	}
	if err := os.Remove(mp); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	if err := os.Remove(img); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// mounted reports whether something is mounted at p in this mount
// namespace.
func mounted(p string) bool {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && unescapeMount(fields[1]) == p {
			return true
		}
	}
	return false
}
