// SPDX-License-Identifier: GPL-3.0-or-later

package storage

import (
	"os"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"golang.org/x/sys/unix"
)

// fakeBox is a box with one block device 8:16 (/dev/sdb).
type fakeBox struct {
	mountinfo string
	fs        int64
}

func (f fakeBox) BlockDevice(p string) (bool, uint32, uint32, error) {
	if strings.HasSuffix(p, "/dev/sdb") {
		return true, 8, 16, nil
	}
	if strings.HasSuffix(p, "/dev/null") {
		return false, 0, 0, nil
	}
	return false, 0, 0, os.ErrNotExist
}
func (f fakeBox) Mountinfo() ([]byte, error)   { return []byte(f.mountinfo), nil }
func (f fakeBox) FSType(string) (int64, error) { return f.fs, nil }

const rootMount = "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"

// emptyDisk answers blkid and lsblk as for an empty 2 GiB disk.
func emptyDisk(r *hosttest.FakeRunner) {
	r.On([]string{"blkid", "-p", "-o", "export"}, host.Result{ExitCode: 2})
	r.On([]string{"lsblk", "-n", "-b", "-d", "-o", "SIZE"}, host.Result{Stdout: []byte("2147483648\n")})
	r.On([]string{"lsblk", "-n", "-r", "-o", "NAME"}, host.Result{Stdout: []byte("sdb\n")})
	r.On([]string{"blkid", "-p", "-s", "UUID"}, host.Result{Stdout: []byte("0b4a5c1e-7f2d-4c1b-9a51-3f0e8c2d6b7a\n")})
}

func TestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, dev, mountinfo, want string
		srvFile                    bool
		script                     func(r *hosttest.FakeRunner)
	}{
		{name: "not a path", dev: "sdb", want: `"sdb" is not a device path`},
		{name: "an option", dev: "/dev/../etc/passwd", want: "is not a device path"},
		{name: "missing", dev: "/dev/sdz", want: "/dev/sdz: file does not exist"},
		{name: "not a block device", dev: "/dev/null", want: "/dev/null is not a block device"},
		{name: "mounted", dev: "/dev/sdb", mountinfo: rootMount + "40 22 8:16 / /mnt/old rw - ext4 /dev/sdb rw\n", want: "/dev/sdb is mounted at /mnt/old"},
		{name: "mounted btrfs", dev: "/dev/sdb", mountinfo: rootMount + "40 22 0:45 / /data rw - btrfs /dev/sdb rw\n", want: "/dev/sdb is mounted at /data"},
		{name: "srv is a mount", dev: "/dev/sdb", mountinfo: rootMount + "41 22 8:32 / /srv rw - xfs /dev/sdc rw\n", want: "/srv is already a mount point"},
		{name: "srv holds files", dev: "/dev/sdb", srvFile: true, want: "/srv holds files (old.txt, …)"},
		{name: "a file system", dev: "/dev/sdb", want: "it holds a ext4 file system", script: func(r *hosttest.FakeRunner) {
			r.On([]string{"blkid", "-p", "-o", "export"}, host.Result{Stdout: []byte("DEVNAME=/dev/sdb\nUUID=x\nTYPE=ext4\n")})
		}},
		{name: "a partition table", dev: "/dev/sdb", want: "it holds a gpt partition table", script: func(r *hosttest.FakeRunner) {
			r.On([]string{"blkid", "-p", "-o", "export"}, host.Result{Stdout: []byte("DEVNAME=/dev/sdb\nPTUUID=y\nPTTYPE=gpt\n")})
		}},
		{name: "partitions blkid missed", dev: "/dev/sdb", want: "/dev/sdb has 2 partitions", script: func(r *hosttest.FakeRunner) {
			r.On([]string{"lsblk", "-n", "-r", "-o", "NAME"}, host.Result{Stdout: []byte("sdb\nsdb1\nsdb2\n")})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := hosttest.NewFakeRunner(t)
			emptyDisk(r)
			if tc.script != nil {
				tc.script(r)
			}
			env := &host.Env{Root: t.TempDir(), Runner: r}
			if tc.srvFile {
				os.MkdirAll(env.Path("/srv"), 0o755)
				os.WriteFile(env.Path("/srv/old.txt"), nil, 0o644)
			}
			mi := tc.mountinfo
			if mi == "" {
				mi = rootMount
			}
			_, err := Prepare(t.Context(), env, fakeBox{mountinfo: mi}, tc.dev, func(string) {})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			for _, a := range r.Argvs() {
				if strings.HasPrefix(a, "mkfs") || strings.HasPrefix(a, "systemctl") {
					t.Errorf("ran %q after a refusal", a)
				}
			}
			if _, err := os.Stat(env.Path(unitPath)); err == nil {
				t.Error("wrote the mount unit after a refusal")
			}
		})
	}
}

func TestPrepareFormatsAndMounts(t *testing.T) {
	r := hosttest.NewFakeRunner(t)
	emptyDisk(r)
	env := &host.Env{Root: t.TempDir(), Runner: r}
	var steps []string
	res, err := Prepare(t.Context(), env, fakeBox{mountinfo: rootMount, fs: unix.BTRFS_SUPER_MAGIC}, "/dev/sdb", func(s string) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != 2<<30 || res.UUID != "0b4a5c1e-7f2d-4c1b-9a51-3f0e8c2d6b7a" || res.What != "/dev/sdb" {
		t.Errorf("result %+v", res)
	}
	got := strings.Join(r.Argvs(), "\n")
	for _, want := range []string{"mkfs.btrfs -q -L posse-data /dev/sdb", "systemctl daemon-reload", "systemctl enable --now srv.mount"} {
		if !strings.Contains(got, want) {
			t.Errorf("commands lack %q:\n%s", want, got)
		}
	}
	unit, err := os.ReadFile(env.Path(unitPath))
	if err != nil || !strings.Contains(string(unit), "What=/dev/sdb\nWhere=/srv\nType=btrfs\n") || !strings.Contains(string(unit), "WantedBy=local-fs.target") {
		t.Errorf("unit: %v\n%s", err, unit)
	}
	if len(steps) < 4 || !strings.HasPrefix(steps[0], "formatting /dev/sdb") {
		t.Errorf("progress %q", steps)
	}

	// With udev's link the unit names the disk by UUID.
	r2 := hosttest.NewFakeRunner(t)
	emptyDisk(r2)
	env2 := &host.Env{Root: t.TempDir(), Runner: r2}
	os.MkdirAll(env2.Path("/dev/disk/by-uuid"), 0o755)
	os.WriteFile(env2.Path("/dev/disk/by-uuid/0b4a5c1e-7f2d-4c1b-9a51-3f0e8c2d6b7a"), nil, 0o644)
	res, err = Prepare(t.Context(), env2, fakeBox{mountinfo: rootMount, fs: unix.BTRFS_SUPER_MAGIC}, "/dev/sdb", func(string) {})
	if err != nil || res.What != "/dev/disk/by-uuid/0b4a5c1e-7f2d-4c1b-9a51-3f0e8c2d6b7a" {
		t.Errorf("with udev: %+v %v", res, err)
	}

	// A mount that does not end up btrfs is an error.
	r3 := hosttest.NewFakeRunner(t)
	emptyDisk(r3)
	if _, err := Prepare(t.Context(), &host.Env{Root: t.TempDir(), Runner: r3}, fakeBox{mountinfo: rootMount, fs: 0xef53}, "/dev/sdb", func(string) {}); err == nil || !strings.Contains(err.Error(), "is not btrfs") {
		t.Errorf("ext4 after mount: %v", err)
	}
}
