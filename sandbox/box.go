// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// UpOptions tune Up. The zero value is what `possectl sandbox up` uses.
type UpOptions struct {
	// Release is the Debian release the box runs (see Releases); empty
	// means DefaultRelease, Debian 13.
	Release string
	// BinDir holds the Posse binaries to bind-mount read-only at
	// /usr/local/bin inside; it must contain possectl, which also launches
	// the box. Default: $POSSE_BIN, else the directory of the running
	// executable.
	BinDir string
	// NoSambaMask keeps smbd, nmbd and winbind as Debian ships them
	// (started at boot) instead of masking them; see SambaMask.
	NoSambaMask bool
	// Mask lists more units to mask at boot.
	Mask []string
	// BootTimeout bounds the wait for running/degraded (default 3 minutes).
	BootTimeout time.Duration
	// Progress receives image build output and boot messages (may be nil).
	Progress io.Writer
	// Network puts the box on a lab network of that name (the rules of box
	// names apply): boxes with the same Network share one L2 segment and
	// reach each other, addresses come from the segment's /24 (.2, .3, …),
	// and the host reaches every box as before (it is .1 on the segment).
	// The network is created with its first box and removed with its last.
	// Empty: the box gets a /24 of its own, reachable from the host only.
	Network string
	// Disk, in bytes, gives the box a btrfs data disk at /srv: an image
	// file on the host (DiskImage), formatted and loop-mounted there
	// (DiskMount) and bind-mounted into the box; Down removes it. 0 means
	// none: /srv is the image's directory. See ParseDiskSize.
	Disk int64
	// RawDisk, in bytes, gives the box an empty disk (no file system, no
	// partition table): an image file on the host attached to a loop
	// device, whose node the box gets under the same name
	// (RawDiskDevice); Down detaches and removes it. 0 means none.
	RawDisk int64
}

// DownOptions tune Down.
type DownOptions struct {
	// Purge also removes the box's directory with its overlay upper dir;
	// without it the next Up of the same name reuses the box's files.
	Purge bool
	// StopTimeout is how long systemd gets to halt before SIGKILL
	// (default 30 seconds).
	StopTimeout time.Duration
	// OnlyOrphaned leaves the box alone (and returns nil) if the process
	// that brought it up still runs; for cleaning up after dead test runs
	// while other runs may be going on.
	OnlyOrphaned bool
}

// Box is a running (or once running) sandbox box.
type Box struct {
	st state
}

// Name is the box's name and hostname.
func (b *Box) Name() string { return b.st.Name }

// PID is the host PID of the box's systemd.
func (b *Box) PID() int { return b.st.PID }

// Release is the Debian release of the box's image ("trixie").
func (b *Box) Release() string { return imageRelease(b.st.Image) }

// IP is the box's address, reachable from the host.
func (b *Box) IP() string { return boxAddr(b.st.Index, b.st.hostOctet()).String() }

// HostIP is the host's address as seen from inside the box.
func (b *Box) HostIP() string { h, _, _ := subnet(b.st.Index); return h.String() }

// Network is the lab network the box belongs to, "" if none.
func (b *Box) Network() string { return b.st.Network }

// Dir is the box's directory on the host (overlay upper and work dirs,
// console.log).
func (b *Box) Dir() string { return boxDir(b.st.Name) }

// Started is when the box was brought up.
func (b *Box) Started() time.Time { return b.st.Started }

// Orphaned reports whether the process that brought the box up is gone
// (always true for boxes brought up by possectl sandbox up, which exits).
func (b *Box) Orphaned() bool { return !b.st.ownerAlive() }

// Owner is the PID of the process that brought the box up.
func (b *Box) Owner() int { return b.st.Owner }

// Alive reports whether the box's systemd still runs.
func (b *Box) Alive() bool { return alive(b.st.PID, b.st.Name) }

// BusAddress is the D-Bus address of the box's system bus, usable from the
// host as root (godbus: Dial, Auth EXTERNAL, Hello).
func (b *Box) BusAddress() string {
	return "unix:path=/proc/" + strconv.Itoa(b.st.PID) + "/root/run/dbus/system_bus_socket"
}

// State asks the box's systemd for its state (running, degraded, …).
func (b *Box) State(ctx context.Context) string {
	if !b.Alive() {
		return "dead"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, _ := b.output(ctx, "systemctl", "is-system-running")
	if s := strings.TrimSpace(out); s != "" && !strings.ContainsAny(s, " \n") {
		return s
	}
	return "unknown"
}

// DefaultBinDir is where Up finds the Posse binaries unless told.
func DefaultBinDir() (string, error) {
	if d := os.Getenv("POSSE_BIN"); d != "" {
		return filepath.Abs(d)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the Posse binaries: set POSSE_BIN (%w)", err)
	}
	exe, err = filepath.EvalSymlinks(exe)
	if err != nil {
		return "", err
	}
	return filepath.Dir(exe), nil
}

// Up creates and boots box name and waits until its systemd reports running
// or degraded. On failure it shows the last lines of the box's journal and
// cleans up.
func Up(ctx context.Context, name string, opts UpOptions) (*Box, error) {
	start := time.Now()
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if opts.Network != "" {
		if err := ValidateNetworkName(opts.Network); err != nil {
			return nil, err
		}
	}
	if err := checkHost(); err != nil {
		return nil, err
	}
	if opts.Disk != 0 && (opts.Disk < MinDiskSize || opts.Disk > MaxDiskSize) {
		return nil, fmt.Errorf("disk size %d bytes: must be between 128M and 1T", opts.Disk)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	binDir := opts.BinDir
	if binDir == "" {
		var err error
		if binDir, err = DefaultBinDir(); err != nil {
			return nil, err
		}
	}
	binDir, err := filepath.Abs(binDir)
	if err != nil {
		return nil, err
	}
	launcher := filepath.Join(binDir, "possectl")
	if st, err := os.Stat(launcher); err != nil || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("no possectl executable in %s: build it (make build) and set POSSE_BIN to its directory", binDir)
	}
	image, err := EnsureImage(ctx, opts.Release, progress)
	if err != nil {
		return nil, err
	}
	start = time.Now() // boot time, without the image build
	cg, err := cgroupDir(name)
	if err != nil {
		return nil, err
	}

	lock, err := lockFile(ctx, filepath.Join(RunDir, ".lock"))
	if err != nil {
		return nil, err
	}
	st, err := reserve(ctx, name, opts.Network, image, binDir, cg)
	lock.unlock()
	if err != nil {
		return nil, err
	}
	b := &Box{st: *st}
	fresh := !isDir(b.Dir()) // a box that never booted leaves no files when it fails
	fail := func(err error) (*Box, error) {
		msg := b.bootLog(context.Background())
		Down(context.Background(), name, DownOptions{StopTimeout: 5 * time.Second, Purge: fresh})
		if msg != "" {
			return nil, fmt.Errorf("%w\nlast lines of the box's log:\n%s", err, msg)
		}
		return nil, err
	}
	if opts.Disk > 0 {
		if err := setupDisk(ctx, name, opts.Disk); err != nil {
			return fail(err)
		}
	}
	if opts.RawDisk > 0 {
		if opts.RawDisk < MinDiskSize || opts.RawDisk > MaxDiskSize {
			return fail(fmt.Errorf("raw disk size %d bytes: must be between 128M and 1T", opts.RawDisk))
		}
		if _, err := setupRawDisk(ctx, name, opts.RawDisk); err != nil {
			return fail(err)
		}
	}
	if err := b.launch(launcher, image, opts); err != nil {
		return fail(err)
	}
	timeout := opts.BootTimeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	bctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := b.waitPID(bctx); err != nil {
		return fail(err)
	}
	state, err := b.waitBoot(bctx)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(progress, "sandbox: %s is %s at %s (boot %.1fs)\n", name, state, b.IP(), time.Since(start).Seconds())
	return b, nil
}

// reserve checks that name is free, cleans up what a dead box of that name
// left, picks a network (or joins lab network network) and creates the
// netns, veth and cgroup. Called with the run lock held.
func reserve(ctx context.Context, name, network, image, binDir, cg string) (*state, error) {
	var old *state
	if o, err := readState(name); err == nil {
		if alive(o.PID, name) || (o.PID == 0 && o.ownerAlive()) { // running, or booting
			return nil, fmt.Errorf("box %q already exists: use it, or remove it with 'possectl sandbox down %s'", name, name)
		}
		old = o
	}
	if err := cleanup(ctx, name, old, DownOptions{}); err != nil {
		return nil, fmt.Errorf("cleaning up what an earlier box %q left: %w", name, err)
	}
	boxes, _ := List()
	st := &state{Name: name, Network: network, Image: image, BinDir: binDir, Cgroup: cg, Started: time.Now()}
	st.Owner, st.OwnerStart = owner()
	if network == "" {
		idx, err := pickIndex(usedIndexes(boxes), hostNetworks())
		if err != nil {
			return nil, err
		}
		st.Index = idx
	} else {
		idx, err := ensureLab(ctx, network, boxes)
		if err != nil {
			return nil, err
		}
		used := map[int]bool{}
		for _, o := range boxes {
			if o.st.Network == network {
				used[o.st.hostOctet()] = true
			}
		}
		host, err := pickHostOctet(used, network)
		if err != nil {
			pruneLab(ctx, network)
			return nil, err
		}
		st.Index, st.Host = idx, host
	}
	if err := writeState(st); err != nil {
		if network != "" {
			pruneLab(ctx, network)
		}
		return nil, err
	}
	var err error
	if network == "" {
		err = setupNetwork(ctx, name, st.Index)
	} else {
		err = setupLabBox(ctx, name, network, st.Index, st.Host)
	}
	if err != nil {
		cleanup(ctx, name, st, DownOptions{})
		return nil, err
	}
	if err := os.Mkdir(cg, 0o755); err != nil {
		cleanup(ctx, name, st, DownOptions{})
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	return st, nil
}

// launch starts the inner process in the box's namespaces, in its cgroup
// from the first instruction on (clone3 CLONE_INTO_CGROUP), so that the
// cgroup becomes the root of the box's cgroup namespace.
func (b *Box) launch(launcher, image string, opts UpOptions) error {
	d := b.Dir()
	for _, sub := range []string{"upper", "work", "root"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return err
		}
	}
	mask := append([]string(nil), baseMask...)
	if !opts.NoSambaMask {
		mask = append(mask, SambaMask...)
	}
	mask = append(mask, opts.Mask...)
	for _, u := range mask {
		if strings.ContainsAny(u, "/\x00") || u == "" || u[0] == '.' {
			return fmt.Errorf("invalid unit name to mask: %q", u)
		}
	}
	os.Remove(pidFile(b.st.Name))
	cfg := innerConfig{
		Name: b.st.Name, IP: b.IP(), Lower: image,
		Upper: filepath.Join(d, "upper"), Work: filepath.Join(d, "work"), Root: filepath.Join(d, "root"),
		BinDir: b.st.BinDir, PIDFile: pidFile(b.st.Name), Mask: mask,
	}
	if opts.Disk > 0 {
		cfg.Srv = DiskMount(b.st.Name)
	}
	if dev := RawDiskDevice(b.st.Name); opts.RawDisk > 0 && dev != "" {
		cfg.Devices = append(cfg.Devices, dev)
	}
	for _, p := range []string{cfg.Lower, cfg.Upper, cfg.Work} {
		if strings.ContainsAny(p, ",:\\") {
			return fmt.Errorf("path %q cannot be used in overlay options (no commas, colons or backslashes)", p)
		}
	}
	j, _ := json.MarshalIndent(cfg, "", "  ")
	cfgPath := filepath.Join(d, "inner.json")
	if err := writeFileAtomic(cfgPath, j, 0o644); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(d, consoleLog), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cgfd, err := unix.Open(b.st.Cgroup, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup: %w", err)
	}
	defer unix.Close(cgfd)
	cmd := exec.Command("nsenter", "--net=/run/netns/"+netnsName(b.st.Name),
		"unshare", "--cgroup", "--pid", "--fork", "--kill-child", "--mount", "--propagation", "private", "--uts", "--ipc",
		launcher, "sandbox", "_inner", cfgPath)
	cmd.Env = []string{"PATH=" + innerPath, "LANG=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, UseCgroupFD: true, CgroupFD: cgfd}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("launch box: %w", err)
	}
	go cmd.Wait() // reap the launcher when the box ends
	return nil
}

// waitPID waits for the inner process to report its host PID.
func (b *Box) waitPID(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		if s, err := os.ReadFile(pidFile(b.st.Name)); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(s))); err == nil && alive(pid, b.st.Name) {
				b.st.PID = pid
				return writeState(&b.st)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("box %s did not start (see %s)", b.st.Name, filepath.Join(b.Dir(), consoleLog))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitBoot waits until systemctl is-system-running says running or degraded.
func (b *Box) waitBoot(ctx context.Context) (string, error) {
	last := ""
	for {
		if !b.Alive() {
			return "", fmt.Errorf("the systemd of box %s exited during boot", b.st.Name)
		}
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		out, _ := b.output(tctx, "systemctl", "is-system-running", "--wait")
		cancel()
		if ctx.Err() != nil {
			return "", fmt.Errorf("box %s did not finish booting: %w", b.st.Name, ctx.Err())
		}
		last = strings.TrimSpace(out)
		if strings.ContainsAny(last, " \n") {
			last = "systemd not answering yet"
		}
		switch last {
		case "running", "degraded":
			return last, nil
		case "maintenance", "stopping":
			return "", fmt.Errorf("box %s is %s instead of booting", b.st.Name, last)
		}
		select {
		case <-ctx.Done():
			if last == "" {
				last = "unknown"
			}
			return "", fmt.Errorf("box %s did not finish booting (state: %s): %w", b.st.Name, last, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// bootLog returns the last 30 journal lines of the box, or of its console
// log if the journal cannot be read.
func (b *Box) bootLog(ctx context.Context) string {
	if b.Alive() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if j, err := b.Journal(ctx, 30); err == nil && strings.TrimSpace(j) != "" {
			return j
		}
	}
	c, _ := os.ReadFile(filepath.Join(b.Dir(), consoleLog))
	if strings.TrimSpace(string(c)) == "" {
		return "(no journal yet, and the console log is empty)"
	}
	return lastLines(string(c), 30)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// errNotRoot says what to do when the sandbox is used without root.
var errNotRoot = errors.New("the sandbox needs root: run this command as root (for example with sudo)")

// Get returns the running box name.
func Get(name string) (*Box, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, errNotRoot
	}
	st, err := readState(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no box named %q: start it with 'possectl sandbox up %s'", name, name)
	}
	if err != nil {
		return nil, err
	}
	b := &Box{st: *st}
	if !b.Alive() {
		return nil, fmt.Errorf("box %q is not running: remove it with 'possectl sandbox down %s', then bring it up again", name, name)
	}
	return b, nil
}

// List returns every box that has runtime state, running or not (see
// Alive), sorted by name.
func List() ([]*Box, error) {
	entries, err := os.ReadDir(RunDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Box
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || ValidateName(name) != nil {
			continue
		}
		if st, err := readState(name); err == nil {
			out = append(out, &Box{st: *st})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].st.Name < out[j].st.Name })
	return out, nil
}

// Down halts the box and removes its network namespace, veth, cgroup and
// runtime state; with opts.Purge also its directory.
func (b *Box) Down(ctx context.Context, opts DownOptions) error {
	return Down(ctx, b.st.Name, opts)
}

// Down halts box name (SIGRTMIN+3 to its systemd, SIGKILL after
// opts.StopTimeout) and removes whatever of it exists: processes, network
// namespace, veth, cgroup tree, runtime state; with opts.Purge also its
// directory. It is safe to call for a box that is half set up or gone.
func Down(ctx context.Context, name string, opts DownOptions) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	lock, err := lockFile(ctx, filepath.Join(RunDir, ".lock"))
	if err != nil {
		return err
	}
	defer lock.unlock()
	var st *state
	if s, err := readState(name); err == nil {
		if opts.OnlyOrphaned && s.ownerAlive() {
			return nil
		}
		st = s
	}
	return cleanup(ctx, name, st, opts)
}

// sigHalt is SIGRTMIN+3 as glibc numbers it (SIGRTMIN is 34): systemd halts.
const sigHalt = unix.Signal(34 + 3)

// cleanup does the work of Down with the run lock held; st is the box's
// runtime state, nil if there is none. The last box of a lab network takes
// the network with it.
func cleanup(ctx context.Context, name string, st *state, opts DownOptions) error {
	stop := opts.StopTimeout
	if stop == 0 {
		stop = 30 * time.Second
	}
	pid := 0
	if s, err := os.ReadFile(pidFile(name)); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(s)))
	}
	if alive(pid, name) {
		unix.Kill(pid, sigHalt)
		if !waitGone(pid, stop) {
			unix.Kill(pid, unix.SIGKILL) // kills the whole PID namespace
			waitGone(pid, 10*time.Second)
		}
	}
	var errs []error
	cg, err := cgroupDir(name)
	if err == nil && isDir(cg) {
		errs = append(errs, removeCgroup(cg))
	}
	idx := 0 // the host veth to remove: a lab box has none of its own
	if st != nil && !st.inLab() {
		idx = st.Index
	}
	errs = append(errs, teardownNetwork(ctx, name, idx))
	os.Remove(pidFile(name))
	os.Remove(stateFile(name))
	if st != nil && st.inLab() {
		errs = append(errs, pruneLab(ctx, st.Network))
	}
	unmountNetnsDir()
	// The data disk goes with the box, purged or not: after the box's
	// processes, which hold its bind mount.
	errs = append(errs, removeDisk(name), removeRawDisk(name))
	if opts.Purge && isDir(boxDir(name)) {
		errs = append(errs, removeTree(boxDir(name)))
	}
	return errors.Join(errs...)
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if unix.Kill(pid, 0) == unix.ESRCH {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return unix.Kill(pid, 0) == unix.ESRCH
}

// removeCgroup kills what is left in a box's cgroup tree and removes it
// depth-first.
func removeCgroup(cg string) error {
	os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0) // kernel ≥ 5.14
	var dirs []string
	filepath.WalkDir(cg, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	deadline := time.Now().Add(10 * time.Second)
	for i := len(dirs) - 1; i >= 0; i-- {
		for {
			err := unix.Rmdir(dirs[i])
			if err == nil || err == unix.ENOENT {
				break
			}
			if err != unix.EBUSY || time.Now().After(deadline) {
				return fmt.Errorf("remove cgroup %s: %w (processes left in it?)", dirs[i], err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// unmountNetnsDir drops the self bind mount `ip netns` leaves on /run/netns
// once no namespace is left in it.
func unmountNetnsDir() {
	entries, err := os.ReadDir("/run/netns")
	if err != nil || len(entries) > 0 {
		return
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "/run/netns" {
			unix.Unmount("/run/netns", 0)
			return
		}
	}
}

// Names returns the names of all boxes that left any trace on the host:
// runtime state, a directory, a network namespace or a cgroup. Down on each
// removes them.
func Names() []string {
	seen := map[string]bool{}
	add := func(n string) {
		if ValidateName(n) == nil {
			seen[n] = true
		}
	}
	if entries, err := os.ReadDir(RunDir); err == nil {
		for _, e := range entries {
			if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
				add(n)
			} else if n, ok := strings.CutSuffix(e.Name(), ".pid"); ok {
				add(n)
			}
		}
	}
	if entries, err := os.ReadDir(boxesDir()); err == nil {
		for _, e := range entries {
			add(e.Name())
		}
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if n, ok := strings.CutPrefix(e.Name(), netnsPrefix); ok {
				add(n)
			}
		}
	}
	for _, d := range []string{filepath.Dir(DiskImage("x")), filepath.Dir(DiskMount("x")), filepath.Dir(RawDiskImage("x"))} {
		if entries, err := os.ReadDir(d); err == nil {
			for _, e := range entries {
				add(strings.TrimSuffix(e.Name(), ".img"))
			}
		}
	}
	if root, err := cgroupRoot(); err == nil {
		if entries, err := os.ReadDir(root); err == nil {
			for _, e := range entries {
				if n, ok := strings.CutPrefix(e.Name(), cgroupPrefix); ok && e.IsDir() {
					add(n)
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Traces lists, in words, what of box name exists on the host: mounts that
// mention it, its network namespace, veth, cgroup, runtime state and
// directory, data disk. After Down with Purge it is empty.
func Traces(name string) []string {
	var out []string
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, boxDir(name)+"/") || strings.Contains(line, "/run/netns/"+netnsName(name)+" ") ||
			strings.Contains(line, " "+DiskMount(name)+" ") {
			out = append(out, "mount: "+line)
		}
	}
	if exists("/run/netns/" + netnsName(name)) {
		out = append(out, "network namespace "+netnsName(name))
	}
	if st, err := readState(name); err == nil {
		out = append(out, "runtime state "+stateFile(name))
		if !st.inLab() && exists("/sys/class/net/"+vethHost(st.Index)) {
			out = append(out, "veth "+vethHost(st.Index))
		}
	}
	if exists(pidFile(name)) {
		out = append(out, "pid file "+pidFile(name))
	}
	if cg, err := cgroupDir(name); err == nil && exists(cg) {
		out = append(out, "cgroup "+cg)
	}
	if exists(boxDir(name)) {
		out = append(out, "directory "+boxDir(name))
	}
	if exists(DiskImage(name)) {
		out = append(out, "data disk image "+DiskImage(name))
	}
	if exists(DiskMount(name)) {
		out = append(out, "data disk mount point "+DiskMount(name))
	}
	if exists(RawDiskImage(name)) {
		out = append(out, "raw disk image "+RawDiskImage(name))
	}
	if dev := RawDiskDevice(name); dev != "" {
		out = append(out, "raw disk loop device "+dev)
	}
	return out
}
