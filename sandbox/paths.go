// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Dir holds images and box directories; $POSSE_SANDBOX_DIR overrides it
// (it must not be on overlayfs).
var Dir = "/var/lib/posse/sandbox"

func init() {
	if d := os.Getenv("POSSE_SANDBOX_DIR"); d != "" && filepath.IsAbs(d) {
		Dir = filepath.Clean(d)
	}
}

// RunDir holds runtime state of running boxes (one NAME.json each).
var RunDir = "/run/posse/sandbox"

// Prefixes of host-side objects, chosen not to collide with other tools.
const (
	netnsPrefix  = "posse-" // ip netns name: posse-NAME
	cgroupPrefix = "posse-" // cgroup2 directory: <cgroup2>/posse-NAME
	vethPrefix   = "pse"    // veth host side: pseIDXh, box side before rename: pseIDXc
	consoleLog   = "console.log"
)

func imagesDir() string            { return filepath.Join(Dir, "images") }
func boxesDir() string             { return filepath.Join(Dir, "boxes") }
func boxDir(name string) string    { return filepath.Join(boxesDir(), name) }
func stateFile(name string) string { return filepath.Join(RunDir, name+".json") }
func pidFile(name string) string   { return filepath.Join(RunDir, name+".pid") }
func netnsName(name string) string { return netnsPrefix + name }

// cgroupRoot finds the host's cgroup2 hierarchy: /sys/fs/cgroup on a pure
// cgroup v2 host, /sys/fs/cgroup/unified on a hybrid one.
func cgroupRoot() (string, error) {
	for _, d := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(d, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			return d, nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy found at /sys/fs/cgroup or /sys/fs/cgroup/unified: mount one (mount -t cgroup2 none /sys/fs/cgroup/unified)")
}

func cgroupDir(name string) (string, error) {
	root, err := cgroupRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, cgroupPrefix+name), nil
}

// checkHost reports, in words a user understands, why this host cannot run
// boxes.
func checkHost() error {
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	fs, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return fmt.Errorf("cannot read /proc/filesystems: %w", err)
	}
	if !hasFilesystem(string(fs), "overlay") {
		return errors.New("this kernel has no overlay file system: load it with 'modprobe overlay' and try again")
	}
	if _, err := cgroupRoot(); err != nil {
		return err
	}
	if err := os.MkdirAll(Dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", Dir, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(Dir, &st); err == nil && st.Type == unix.OVERLAYFS_SUPER_MAGIC {
		return fmt.Errorf("%s is on overlayfs, which cannot hold overlay upper dirs: run on a host whose /var/lib is a regular file system", Dir)
	}
	for _, tool := range []string{"ip", "nsenter", "unshare"} {
		if _, err := lookPath(tool); err != nil {
			return fmt.Errorf("%s is missing: run 'make deps' or 'apt-get install iproute2 util-linux'", tool)
		}
	}
	return nil
}

func hasFilesystem(procFilesystems, fs string) bool {
	for _, line := range strings.Split(procFilesystems, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[len(f)-1] == fs {
			return true
		}
	}
	return false
}
