// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// innerConfig is what the launcher hands to the inner process (PID 1 of the
// box's new namespaces) in boxes/NAME/inner.json.
type innerConfig struct {
	Name    string   `json:"name"`
	IP      string   `json:"ip"`
	Lower   string   `json:"lower"`
	Upper   string   `json:"upper"`
	Work    string   `json:"work"`
	Root    string   `json:"root"`
	BinDir  string   `json:"bin_dir"`
	PIDFile string   `json:"pid_file"`
	Mask    []string `json:"mask"`
	// Srv is the host mount of the box's data disk, bind-mounted at /srv;
	// empty without one.
	Srv string `json:"srv,omitempty"`
	// Devices are host device nodes the box gets under the same name
	// (a raw disk's loop device).
	Devices []string `json:"devices,omitempty"`
}

// Units masked at every boot, at runtime (/run/systemd/system, so the masks
// vanish with the box): consoles that have no terminal here and apt timers.
var baseMask = []string{
	"getty@.service", "console-getty.service", "serial-getty@.service",
	"container-getty@.service", "apt-daily.timer", "apt-daily-upgrade.timer",
}

// SambaMask are the units of a stock Samba file server that a fresh Debian
// box would start at boot. They write negative idmap entries into
// /run/samba/gencache.tdb that break logons on an AD DC provisioned later, so
// boxes mask them unless UpOptions.NoSambaMask is set.
var SambaMask = []string{"smbd.service", "nmbd.service", "winbind.service"}

const innerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Inner is the body of the hidden "possectl sandbox _inner CONFIG" command.
// It runs as PID 1 of fresh mount, PID, UTS, IPC and cgroup namespaces
// inside the box's network namespace, sets up the box's root and execs
// systemd. It only returns on error.
func Inner(cfgPath string) error {
	// The capability bounding set is per thread: drop it and exec on one.
	runtime.LockOSThread()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	var c innerConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("inner config: %w", err)
	}
	if err := ValidateName(c.Name); err != nil {
		return err
	}
	// /proc is still the host's, so /proc/self names our host PID; exec keeps it.
	self, err := os.Readlink("/proc/self")
	if err != nil {
		return err
	}
	if _, err := strconv.Atoi(self); err != nil {
		return fmt.Errorf("unexpected /proc/self %q", self)
	}
	if err := os.WriteFile(c.PIDFile, []byte(self+"\n"), 0o644); err != nil {
		return err
	}
	if err := setupRoot(&c); err != nil {
		return err
	}
	if err := enterRoot(c.Root); err != nil {
		return err
	}
	for _, cp := range []uintptr{unix.CAP_SYS_MODULE, unix.CAP_SYS_TIME} {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, cp, 0, 0, 0); err != nil {
			return fmt.Errorf("drop capability %d: %w", cp, err)
		}
	}
	env := []string{"container=posse", "PATH=" + innerPath, "LANG=C.UTF-8"}
	argv := []string{"/lib/systemd/systemd", "--system", "--unit=multi-user.target"}
	return unix.Exec(argv[0], argv, env)
}

type mnt struct {
	src, target, fstype string
	flags               uintptr
	data                string
}

func (m mnt) do() error {
	if err := unix.Mount(m.src, m.target, m.fstype, m.flags, m.data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.fstype+m.src, m.target, err)
	}
	return nil
}

func bindRO(src, target string) error {
	if err := (mnt{src, target, "", unix.MS_BIND | unix.MS_REC, ""}).do(); err != nil {
		return err
	}
	return mnt{"", target, "", unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV, ""}.do()
}

// setupRoot mounts the overlay root and everything systemd needs under it,
// and writes the box's identity files.
func setupRoot(c *innerConfig) error {
	R := c.Root
	p := func(s string) string { return filepath.Join(R, s) }
	ovl := "lowerdir=" + c.Lower + ",upperdir=" + c.Upper + ",workdir=" + c.Work
	steps := []func() error{
		mnt{"overlay", R, "overlay", 0, ovl}.do,
		mnt{"tmpfs", p("dev"), "tmpfs", unix.MS_NOSUID, "mode=755,size=16m"}.do,
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if err := os.WriteFile(p("dev/"+n), nil, 0o666); err != nil {
			return err
		}
		if err := (mnt{"/dev/" + n, p("dev/" + n), "", unix.MS_BIND, ""}).do(); err != nil {
			return err
		}
	}
	for _, d := range c.Devices {
		if !loopDev.MatchString(d) {
			return fmt.Errorf("device %q: only loop devices are given to boxes", d)
		}
		if err := os.WriteFile(p(d), nil, 0o600); err != nil {
			return err
		}
		if err := (mnt{d, p(d), "", unix.MS_BIND, ""}).do(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(p("dev/console"), nil, 0o600); err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{"dev/pts", 0o755}, {"dev/shm", 0o1777}} {
		if err := os.Mkdir(p(d.path), d.mode); err != nil {
			return err
		}
	}
	links := [][2]string{
		{"pts/ptmx", "dev/ptmx"}, {"/proc/self/fd", "dev/fd"},
		{"/proc/self/fd/0", "dev/stdin"}, {"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
	}
	for _, l := range links {
		if err := os.Symlink(l[0], p(l[1])); err != nil {
			return err
		}
	}
	rest := []func() error{
		mnt{"/dev/null", p("dev/console"), "", unix.MS_BIND, ""}.do,
		mnt{"devpts", p("dev/pts"), "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620,gid=5"}.do,
		mnt{"tmpfs", p("dev/shm"), "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"}.do,
		mnt{"sysfs", p("sys"), "sysfs", unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""}.do,
		mnt{"cgroup2", p("sys/fs/cgroup"), "cgroup2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""}.do,
		mnt{"tmpfs", p("run"), "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=755"}.do,
		mnt{"tmpfs", p("tmp"), "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"}.do,
		func() error { return os.MkdirAll(p("usr/local/bin"), 0o755) },
		func() error { return bindRO(c.BinDir, p("usr/local/bin")) },
		func() error { return unix.Sethostname([]byte(c.Name)) },
	}
	if c.Srv != "" {
		rest = append(rest,
			func() error { return os.MkdirAll(p("srv"), 0o755) },
			mnt{c.Srv, p("srv"), "", unix.MS_BIND, ""}.do)
	}
	if hasDaemon(c.BinDir) {
		rest = append(rest, func() error { return installDaemon(R) })
	}
	for _, s := range rest {
		if err := s(); err != nil {
			return err
		}
	}
	return writeIdentity(c)
}

// writeIdentity writes hostname, hosts, resolv.conf, machine-id and the
// runtime unit masks into the mounted root.
func writeIdentity(c *innerConfig) error {
	p := func(s string) string { return filepath.Join(c.Root, s) }
	hosts := fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s.sandbox %s\n", c.IP, c.Name, c.Name)
	files := []struct {
		path, data string
	}{
		{"etc/hostname", c.Name + "\n"},
		{"etc/hosts", hosts},
		// The host's DNS server is unreachable from the box (no NAT); a
		// local resolver fails fast instead of after 20 s.
		{"etc/resolv.conf", "nameserver 127.0.0.1\n"},
	}
	if st, err := os.Stat(filepath.Join(c.Upper, "etc/machine-id")); err != nil || st.Size() == 0 {
		id, err := os.ReadFile("/proc/sys/kernel/random/uuid")
		if err != nil {
			return err
		}
		files = append(files, struct{ path, data string }{"etc/machine-id", strings.ReplaceAll(strings.TrimSpace(string(id)), "-", "") + "\n"})
	}
	for _, f := range files {
		os.Remove(p(f.path)) // may be a symlink into the image
		if err := os.WriteFile(p(f.path), []byte(f.data), 0o644); err != nil {
			return err
		}
	}
	os.Remove(p("usr/sbin/policy-rc.d")) // services may start in here
	dir := p("run/systemd/system")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, u := range c.Mask {
		if err := os.Symlink("/dev/null", filepath.Join(dir, u)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

// enterRoot pivots into the box root, mounts a fresh /proc with /proc/sys
// read-only except /proc/sys/net, and drops the old root.
func enterRoot(R string) error {
	const old = ".posse-oldroot"
	if err := os.MkdirAll(filepath.Join(R, old), 0o700); err != nil {
		return err
	}
	if err := unix.Chdir(R); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	steps := []func() error{
		mnt{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""}.do,
		// Bind /proc/sys and, on top of it, /proc/sys/net; then make only
		// the /proc/sys mount read-only so kernel-wide sysctls stay the
		// host's and per-netns ones stay writable.
		mnt{"/proc/sys", "/proc/sys", "", unix.MS_BIND, ""}.do,
		mnt{"/proc/sys/net", "/proc/sys/net", "", unix.MS_BIND, ""}.do,
		mnt{"", "/proc/sys", "", unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""}.do,
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	if exists("/proc/sysrq-trigger") {
		if err := bindRO("/proc/sysrq-trigger", "/proc/sysrq-trigger"); err != nil {
			return err
		}
	}
	if err := unix.Unmount("/"+old, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount old root: %w", err)
	}
	return os.Remove("/" + old)
}
