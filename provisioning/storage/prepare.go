// SPDX-License-Identifier: GPL-3.0-or-later

// Package storage prepares the data disk of a box: it formats an empty
// disk as btrfs and mounts it at /srv with a systemd mount unit, which
// Previous Versions needs (docs/snapshots.md). It never formats a disk
// that holds a file system or a partition table.
package storage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"golang.org/x/sys/unix"
)

// Mountpoint is where the data disk goes.
const Mountpoint = "/srv"

// Label is the file system label Prepare gives the disk.
const Label = "posse-data"

// UnitName is the systemd mount unit for Mountpoint.
const UnitName = "srv.mount"

// unitPath is where Prepare writes UnitName.
const unitPath = "/etc/systemd/system/" + UnitName

// Box is what Prepare reads of the box besides commands: tests give a
// fake.
type Box interface {
	// BlockDevice tells whether path is a block device, and its major
	// and minor numbers.
	BlockDevice(path string) (ok bool, major, minor uint32, err error)
	// Mountinfo is the content of /proc/self/mountinfo.
	Mountinfo() ([]byte, error)
	// FSType is the file system type of path (statfs).
	FSType(path string) (int64, error)
}

// Plan is what Prepare will do to a device, after its checks.
type Plan struct {
	Device     string `json:"device"`
	Size       uint64 `json:"size_bytes"`
	Mountpoint string `json:"mountpoint"`
	Unit       string `json:"unit"`
	Label      string `json:"label"`
}

// Result is what Prepare did.
type Result struct {
	Plan
	UUID string `json:"uuid"`
	// What is the device the mount unit names: /dev/disk/by-uuid/UUID
	// when udev made it, else the device itself.
	What string `json:"what"`
}

var devPath = regexp.MustCompile(`^/dev/[A-Za-z0-9._/-]+$`)

// Check refuses a device that is not an empty block device, that is
// mounted or has partitions, or a Mountpoint that is already a mount or
// holds files. It changes nothing.
func Check(ctx context.Context, env *host.Env, box Box, dev string) (Plan, error) {
	if !devPath.MatchString(dev) || strings.Contains(dev, "..") {
		return Plan{}, fmt.Errorf("%q is not a device path: give the disk as /dev/NAME (lsblk lists them)", dev)
	}
	ok, major, minor, err := box.BlockDevice(env.Path(dev))
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w (lsblk lists the disks)", dev, err)
	}
	if !ok {
		return Plan{}, fmt.Errorf("%s is not a block device: give a disk such as /dev/sdb (lsblk lists them)", dev)
	}
	mi, err := box.Mountinfo()
	if err != nil {
		return Plan{}, err
	}
	if where, ok := mountedDev(mi, major, minor, dev); ok {
		return Plan{}, fmt.Errorf("%s is mounted at %s: it is in use, Posse formats only an empty disk", dev, where)
	}
	if _, ok := mountedAt(mi, Mountpoint); ok {
		return Plan{}, fmt.Errorf("%s is already a mount point: unmount it first if the disk mounted there is not the one to keep (findmnt %s)", Mountpoint, Mountpoint)
	}
	if err := emptyDir(env.Path(Mountpoint)); err != nil {
		return Plan{}, err
	}
	// blkid -p probes the device itself: exit 2 is "nothing found",
	// neither a file system nor a partition table.
	r, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"blkid", "-p", "-o", "export", dev}})
	switch {
	case err == nil:
		return Plan{}, fmt.Errorf("%s is not empty: it holds %s; Posse formats only a disk without a file system or partition table (wipefs -a %s erases it, with everything on it)", dev, describe(r.Stdout), dev)
	case r.ExitCode != 2:
		return Plan{}, fmt.Errorf("blkid %s: %w", dev, err)
	}
	r, err = env.Runner.Run(ctx, host.Cmd{Argv: []string{"lsblk", "-n", "-b", "-d", "-o", "SIZE", dev}})
	if err != nil {
		return Plan{}, fmt.Errorf("lsblk %s: %w", dev, err)
	}
	var size uint64
	fmt.Sscan(string(r.Stdout), &size)
	r, err = env.Runner.Run(ctx, host.Cmd{Argv: []string{"lsblk", "-n", "-r", "-o", "NAME", dev}})
	if err != nil {
		return Plan{}, fmt.Errorf("lsblk %s: %w", dev, err)
	}
	if n := len(strings.Fields(string(r.Stdout))); n > 1 {
		return Plan{}, fmt.Errorf("%s has %d partitions: Posse formats only a disk without a partition table", dev, n-1)
	}
	return Plan{Device: dev, Size: size, Mountpoint: Mountpoint, Unit: UnitName, Label: Label}, nil
}

// describe names what blkid found.
func describe(export []byte) string {
	var parts []string
	sc := bufio.NewScanner(bytes.NewReader(export))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "TYPE":
			parts = append(parts, "a "+v+" file system")
		case "PTTYPE":
			parts = append(parts, "a "+v+" partition table")
		}
	}
	if len(parts) == 0 {
		return "a signature blkid recognises"
	}
	return strings.Join(parts, " and ")
}

// emptyDir refuses a directory with entries (the mount would hide them).
func emptyDir(p string) error {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && err != io.EOF {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("%s holds files (%s, …): mounting the disk there would hide them; move them away first", Mountpoint, names[0])
	}
	return nil
}

// mountedDev finds a mount of the device major:minor, or with dev as its
// source (btrfs mounts show an anonymous device number), in mountinfo.
func mountedDev(mi []byte, major, minor uint32, dev string) (string, bool) {
	want := fmt.Sprintf("%d:%d", major, minor)
	sc := bufio.NewScanner(bytes.NewReader(mi))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) <= 4 {
			continue
		}
		if f[2] == want {
			return f[4], true
		}
		if i := slices.Index(f, "-"); i > 0 && i+2 < len(f) && f[i+2] == dev {
			return f[4], true
		}
	}
	return "", false
}

// mountedAt finds a mount at p in mountinfo.
func mountedAt(mi []byte, p string) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(mi))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 4 && f[4] == p {
			return f[2], true
		}
	}
	return "", false
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F-]{8,64}$`)

// Prepare checks dev (Check), formats it as btrfs, writes the mount unit
// and starts it, telling progress each step. It refuses to go on when
// the checks fail; nothing is changed then.
func Prepare(ctx context.Context, env *host.Env, box Box, dev string, progress func(string)) (Result, error) {
	p, err := Check(ctx, env, box, dev)
	if err != nil {
		return Result{}, err
	}
	res := Result{Plan: p}
	run := func(what string, argv ...string) ([]byte, error) {
		progress(what)
		r, err := env.Runner.Run(ctx, host.Cmd{Argv: argv})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return r.Stdout, nil
	}
	if _, err := run("formatting "+dev+" as btrfs", "mkfs.btrfs", "-q", "-L", Label, dev); err != nil {
		return res, err
	}
	out, err := run("reading the new file system's UUID", "blkid", "-p", "-s", "UUID", "-o", "value", dev)
	if err != nil {
		return res, err
	}
	res.UUID = strings.TrimSpace(string(out))
	if !uuidRE.MatchString(res.UUID) {
		return res, fmt.Errorf("blkid gave %q as the UUID of %s", res.UUID, dev)
	}
	// udev makes the by-uuid link; a box without udev (a container) has
	// none, and then the unit names the device.
	env.Runner.Run(ctx, host.Cmd{Argv: []string{"udevadm", "settle", "--timeout=10"}})
	res.What = "/dev/disk/by-uuid/" + res.UUID
	if _, err := os.Stat(env.Path(res.What)); err != nil {
		res.What = dev
	}
	progress("writing " + unitPath)
	if err := os.MkdirAll(filepath.Dir(env.Path(unitPath)), 0o755); err != nil {
		return res, err
	}
	if err := fsutil.WriteFileAtomic(env.Path(unitPath), []byte(MountUnit(res.What)), 0o644, fsutil.NoID, fsutil.NoID); err != nil {
		return res, err
	}
	if err := os.MkdirAll(env.Path(Mountpoint), 0o755); err != nil {
		return res, err
	}
	if _, err := run("reloading systemd", "systemctl", "daemon-reload"); err != nil {
		return res, err
	}
	if _, err := run("mounting it at "+Mountpoint, "systemctl", "enable", "--now", UnitName); err != nil {
		return res, fmt.Errorf("%w (journalctl -u %s tells why)", err, UnitName)
	}
	fs, err := box.FSType(env.Path(Mountpoint))
	if err != nil {
		return res, err
	}
	if fs != unix.BTRFS_SUPER_MAGIC {
		return res, fmt.Errorf("%s is mounted but %s is not btrfs (magic %#x): see journalctl -u %s", UnitName, Mountpoint, fs, UnitName)
	}
	return res, nil
}

// MountUnit is the systemd unit that mounts what at Mountpoint.
func MountUnit(what string) string {
	return `# Written by possectl storage prepare: Posse's data disk.
[Unit]
Description=Posse data disk (btrfs, label ` + Label + `) at ` + Mountpoint + `
Documentation=https://github.com/posse-project/posse/blob/main/docs/snapshots.md
Before=local-fs.target

[Mount]
What=` + what + `
Where=` + Mountpoint + `
Type=btrfs
Options=defaults,noatime

[Install]
WantedBy=local-fs.target
`
}

// System is the Box of the machine this runs on.
type System struct{}

// BlockDevice implements Box with stat(2).
func (System) BlockDevice(p string) (bool, uint32, uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return false, 0, 0, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return false, 0, 0, nil
	}
	return true, unix.Major(st.Rdev), unix.Minor(st.Rdev), nil
}

// Mountinfo implements Box.
func (System) Mountinfo() ([]byte, error) { return os.ReadFile("/proc/self/mountinfo") }

// FSType implements Box with statfs(2).
func (System) FSType(p string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil
}
