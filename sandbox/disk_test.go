// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseDiskSize(t *testing.T) {
	for in, want := range map[string]int64{
		"128M": 128 << 20, "1G": 1 << 30, "1g": 1 << 30, "2GiB": 2 << 30, "1.5G": 3 << 29,
		"512MB": 512 << 20, "1T": 1 << 40, "134217728": 128 << 20, " 1G ": 1 << 30,
	} {
		got, err := ParseDiskSize(in)
		if err != nil || got != want {
			t.Errorf("ParseDiskSize(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "G", "1X", "-1G", "100M", "2T", "1e9", "0x10G", "NaN", "1..5G", "1 G B", "Inf"} {
		if got, err := ParseDiskSize(bad); err == nil {
			t.Errorf("ParseDiskSize(%q) = %d, want an error", bad, got)
		}
	}
}

// TestDiskSetupAndRemove makes a real data disk on the host (root, loop
// devices and mkfs.btrfs needed) and removes it again, also after a
// "crash" that left it mounted.
func TestDiskSetupAndRemove(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("mkfs.btrfs"); err != nil {
		t.Skip("needs mkfs.btrfs (btrfs-progs)")
	}
	oldDir, oldRun := Dir, RunDir
	Dir, RunDir = t.TempDir(), t.TempDir()
	t.Cleanup(func() { Dir, RunDir = oldDir, oldRun })
	const name = "disktest"
	if err := setupDisk(context.Background(), name, MinDiskSize); err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(DiskMount(name), &st); err != nil || st.Type != unix.BTRFS_SUPER_MAGIC {
		t.Errorf("disk mount: type %#x %v, want btrfs", st.Type, err)
	}
	if !mounted(DiskMount(name)) {
		t.Error("not in /proc/self/mounts")
	}
	if fi, err := os.Stat(DiskImage(name)); err != nil || fi.Size() != MinDiskSize {
		t.Errorf("image: %v %v", fi, err)
	}
	// A leftover disk is a trace of its box, for the e2e leak check.
	if tr := strings.Join(Traces(name), "\n"); !strings.Contains(tr, "data disk image") || !strings.Contains(tr, "mount: ") {
		t.Errorf("traces of a box with a disk:\n%s", tr)
	}
	if !slices.Contains(Names(), name) {
		t.Errorf("Names() = %v lacks %s", Names(), name)
	}
	// A second setup (an earlier box crashed and left it) starts afresh.
	os.WriteFile(filepath.Join(DiskMount(name), "old"), []byte("x"), 0o644)
	if err := setupDisk(context.Background(), name, MinDiskSize); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(DiskMount(name), "old")); err == nil {
		t.Error("the new disk holds the old disk's file")
	}
	if err := removeDisk(name); err != nil {
		t.Fatal(err)
	}
	if mounted(DiskMount(name)) || exists(DiskImage(name)) || exists(DiskMount(name)) {
		t.Error("disk left behind")
	}
	if tr := Traces(name); len(tr) != 0 {
		t.Errorf("traces after remove: %v", tr)
	}
	if err := removeDisk(name); err != nil {
		t.Errorf("second remove: %v", err)
	}
	// A box that crashed with its disk mounted: the cleanup that Down and
	// the next Up of the name run removes the disk too.
	if err := setupDisk(context.Background(), name, MinDiskSize); err != nil {
		t.Fatal(err)
	}
	if err := cleanup(context.Background(), name, nil, DownOptions{StopTimeout: time.Second}); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if tr := Traces(name); len(tr) != 0 {
		t.Errorf("traces after cleanup: %v", tr)
	}
}
