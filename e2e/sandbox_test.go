// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/sandbox"
	"golang.org/x/sys/unix"
)

// etcChecksum hashes every path, mode, symlink target and file content
// under /etc.
func etcChecksum(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir("/etc", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // vanished or unreadable: its absence shows in the hash
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		h.Write([]byte(p + "\x00" + info.Mode().String() + "\x00"))
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			h.Write([]byte(target))
		case info.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			h.Write(b)
		}
		h.Write([]byte{0})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestSandboxBootAndDown is the sandbox scenario: boot a box, check what is
// inside and what the host sees, bring it down and check that nothing of it
// is left and the host's /etc did not change.
func TestSandboxBootAndDown(t *testing.T) {
	etcBefore := etcChecksum(t)
	tb := harness.Box(t, "boot")
	b := tb.Sandbox()
	ctx := context.Background()

	t.Run("systemd is up", func(t *testing.T) {
		out, _, _ := tb.Output(t, "systemctl", "is-system-running")
		if s := strings.TrimSpace(out); s != "running" && s != "degraded" {
			t.Fatalf("is-system-running = %q, want running or degraded; failed units:\n%s", s,
				tb.MustRun(t, "systemctl", "--failed", "--no-legend"))
		}
		if pid1 := strings.TrimSpace(tb.MustRun(t, "cat", "/proc/1/comm")); pid1 != "systemd" {
			t.Errorf("PID 1 inside is %q, want systemd", pid1)
		}
		if h := strings.TrimSpace(tb.MustRun(t, "hostname")); h != tb.Name() {
			t.Errorf("hostname = %q, want %q", h, tb.Name())
		}
		if got := tb.MustRun(t, "getent", "hosts", tb.Name()); !strings.HasPrefix(got, tb.IP()+" ") {
			t.Errorf("getent hosts %s = %q, want the box IP %s", tb.Name(), got, tb.IP())
		}
	})

	t.Run("binaries are mounted read-only", func(t *testing.T) {
		tb.MustRun(t, "/usr/local/bin/possectl", "--help")
		if _, _, code := tb.Output(t, "touch", "/usr/local/bin/posse-write-test"); code == 0 {
			t.Error("could write to /usr/local/bin inside the box")
		}
		if opts := tb.MustRun(t, "findmnt", "-no", "OPTIONS", "/usr/local/bin"); !strings.HasPrefix(opts, "ro,") {
			t.Errorf("/usr/local/bin mount options %q, want ro", opts)
		}
	})

	t.Run("isolation", func(t *testing.T) {
		status := tb.MustRun(t, "grep", "CapBnd", "/proc/1/status")
		f := strings.Fields(status)
		bnd, err := strconv.ParseUint(f[len(f)-1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			bit  uint
		}{{"cap_sys_module", 16}, {"cap_sys_time", 25}} {
			if bnd&(1<<c.bit) != 0 {
				t.Errorf("%s is in the box's bounding set", c.name)
			}
		}
		if _, _, code := tb.Output(t, "sysctl", "-w", "kernel.domainname=posse"); code == 0 {
			t.Error("a kernel-wide sysctl was writable inside the box")
		}
		tb.MustRun(t, "sysctl", "-w", "net.ipv4.ip_forward=1") // per netns: allowed
		for _, u := range sandbox.SambaMask {
			if s, _, _ := tb.Output(t, "systemctl", "is-active", u); strings.TrimSpace(s) == "active" {
				t.Errorf("%s runs although it is masked at boot", u)
			}
		}
	})

	t.Run("run passes argv, stdin and exit codes", func(t *testing.T) {
		weird := `$HOME ${x} $$ 'q' "d" \n`
		if got := tb.MustRun(t, "printf", "%s", weird); got != weird {
			t.Errorf("argv arrived as %q, want %q", got, weird)
		}
		var out bytes.Buffer
		code, err := tb.Run(ctx, sandbox.RunOptions{Stdin: strings.NewReader("from stdin"), Stdout: &out}, "cat")
		if err != nil || code != 0 || out.String() != "from stdin" {
			t.Errorf("cat: code %d err %v out %q", code, err, out.String())
		}
		if _, _, code := tb.Output(t, "sh", "-c", "exit 7"); code != 7 {
			t.Errorf("exit code %d, want 7", code)
		}
	})

	t.Run("copy in and out", func(t *testing.T) {
		dir := t.TempDir()
		src := filepath.Join(dir, "in")
		os.WriteFile(src, []byte("secret-ish\n"), 0o644)
		tb.CopyIn(t, src, "/root/copied", 0o600)
		if got := tb.MustRun(t, "stat", "-c", "%a %s", "/root/copied"); strings.TrimSpace(got) != "600 11" {
			t.Errorf("copied file: %q, want mode 600 size 11", got)
		}
		tb.CopyOut(t, "/root/copied", filepath.Join(dir, "out"))
		if b, _ := os.ReadFile(filepath.Join(dir, "out")); string(b) != "secret-ish\n" {
			t.Errorf("copied out %q", b)
		}
		// An absolute symlink resolves inside the box, never on the host.
		tb.MustRun(t, "ln", "-s", "/etc", "/root/etc-link")
		tb.CopyIn(t, src, "/root/etc-link/posse-copy-test", 0o644)
		if _, err := os.Stat("/etc/posse-copy-test"); err == nil {
			os.Remove("/etc/posse-copy-test")
			t.Fatal("a copy through an in-box symlink landed on the host's /etc")
		}
		tb.MustRun(t, "test", "-f", "/etc/posse-copy-test")
		tb.MustRun(t, "ln", "-s", "/proc/self/root/etc", "/root/magic")
		if err := b.CopyIn(src, "/root/magic/posse-escape", 0o644); err == nil {
			t.Error("a copy through /proc/self/root was not refused")
		}
		if err := b.CopyIn(src, "/root/../../etc/x", 0o644); err == nil {
			t.Error("a box path with .. was not refused")
		}
	})

	t.Run("apply removes its copies even when it fails", func(t *testing.T) {
		dir := t.TempDir()
		tmpl, sec := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "site.secrets.yaml")
		os.WriteFile(tmpl, []byte("version: 1\nthis is: [not a valid site\n"), 0o644)
		os.WriteFile(sec, []byte("pw: \"not-a-real-secret\"\n"), 0o600)
		out, code := tb.TryApply(t, tmpl, sec)
		if code == 0 {
			t.Errorf("applying a broken template succeeded:\n%s", out)
		}
		if _, _, code := tb.Output(t, "test", "-e", "/run/posse-apply"); code == 0 {
			t.Error("/run/posse-apply (with the secrets copy) is still in the box")
		}
	})

	t.Run("reachable from the host", func(t *testing.T) {
		// the image's sshd starts at boot and greets first
		harness.Eventually(t, 20*time.Second, func() error {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(tb.IP(), "22"), 2*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(line, "SSH-2.0-") {
				t.Errorf("banner %q", line)
			}
			return nil
		})
		sock := strings.TrimPrefix(tb.BusAddress(), "unix:path=")
		if st, err := os.Stat(sock); err != nil || st.Mode()&fs.ModeSocket == 0 {
			t.Errorf("system bus socket %s: %v", sock, err)
		}
	})

	// Down, measured, and everything gone.
	name, pid := tb.Name(), b.PID()
	start := time.Now()
	if err := b.Down(ctx, sandbox.DownOptions{Purge: true}); err != nil {
		t.Fatalf("down: %v", err)
	}
	t.Logf("down in %.2fs", time.Since(start).Seconds())
	if tr := sandbox.Traces(name); len(tr) > 0 {
		t.Errorf("traces after down:\n%s", strings.Join(tr, "\n"))
	}
	mounts, _ := os.ReadFile("/proc/mounts")
	if strings.Contains(string(mounts), name) {
		t.Errorf("/proc/mounts still mentions %s", name)
	}
	if out, _ := exec.Command("ip", "netns", "list").Output(); strings.Contains(string(out), "posse-"+name) {
		t.Errorf("netns posse-%s still exists", name)
	}
	if err := unix.Kill(pid, 0); err != unix.ESRCH {
		t.Errorf("the box's systemd (PID %d) still runs", pid)
	}
	if err := noProcessesIn(name); err != nil {
		t.Error(err)
	}
	if after := etcChecksum(t); after != etcBefore {
		t.Error("the host's /etc changed while the box was up")
	}
}

// noProcessesIn checks that no host process sits in the box's cgroup.
func noProcessesIn(name string) error {
	dirs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		if strings.Contains(string(b), "0::/posse-"+name) {
			return &os.PathError{Op: "process left in box cgroup", Path: filepath.Dir(d), Err: fs.ErrExist}
		}
	}
	return nil
}

// TestSandboxCLI drives the possectl sandbox commands as a newcomer would.
func TestSandboxCLI(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	possectl := filepath.Join(os.Getenv("POSSE_BIN"), "possectl")
	name := harness.UniqueName("cli")
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(possectl, args...)
		cmd.Env = append(os.Environ(), harness.OwnerEnv+"="+strconv.Itoa(os.Getpid()))
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	t.Cleanup(func() { run("sandbox", "down", name) })

	start := time.Now()
	if out, code := run("sandbox", "up", name); code != 0 {
		t.Fatalf("sandbox up: exit %d\n%s", code, out)
	}
	t.Logf("sandbox up in %.2fs", time.Since(start).Seconds())
	if out, code := run("sandbox", "up", name); code == 0 || !strings.Contains(out, "already exists") {
		t.Errorf("second up of the same name: exit %d, %q", code, out)
	}
	out, _ := run("sandbox", "run", name, "--", "systemctl", "is-system-running")
	if s := strings.TrimSpace(out); s != "running" && s != "degraded" {
		t.Errorf("systemctl is-system-running: %q", s)
	}
	if out, code := run("sandbox", "run", name, "ls", "-d", "/root"); code != 0 || strings.TrimSpace(out) != "/root" {
		t.Errorf("run without --, with a flag for the command: exit %d, %q", code, out)
	}
	if _, code := run("sandbox", "run", name, "--", "sh", "-c", "exit 5"); code != 5 {
		t.Errorf("run: exit code %d, want 5", code)
	}
	if out, _ := run("sandbox", "list"); !strings.Contains(out, name) {
		t.Errorf("list does not show %s:\n%s", name, out)
	}
	if out, code := run("sandbox", "up", "Bad_Name"); code == 0 || !strings.Contains(out, "invalid box name") {
		t.Errorf("bad name: exit %d, %q", code, out)
	}
	start = time.Now()
	if out, code := run("sandbox", "down", name); code != 0 {
		t.Fatalf("sandbox down: exit %d\n%s", code, out)
	}
	t.Logf("sandbox down in %.2fs", time.Since(start).Seconds())
	if tr := sandbox.Traces(name); len(tr) > 0 {
		t.Errorf("traces after down:\n%s", strings.Join(tr, "\n"))
	}
}

// TestSandboxBootFailure checks that a box that does not boot in time is
// reported with its log and cleaned up, and that bad input is refused
// before anything is created.
func TestSandboxBootFailure(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	ctx := context.Background()
	name := harness.UniqueName("fail")
	_, err := sandbox.Up(ctx, name, sandbox.UpOptions{BinDir: os.Getenv("POSSE_BIN"), BootTimeout: 300 * time.Millisecond})
	if err == nil {
		sandbox.Down(ctx, name, sandbox.DownOptions{Purge: true})
		t.Fatal("a box booted in 300ms; the timeout was not applied")
	}
	if !strings.Contains(err.Error(), "did not") || !strings.Contains(err.Error(), "last lines") {
		t.Errorf("boot failure error lacks the reason or the log:\n%v", err)
	}
	t.Logf("boot failure reported as:\n%v", err)
	if tr := sandbox.Traces(name); len(tr) > 0 {
		t.Errorf("a failed boot left traces:\n%s", strings.Join(tr, "\n"))
	}

	name = harness.UniqueName("bad")
	_, err = sandbox.Up(ctx, name, sandbox.UpOptions{BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no possectl") {
		t.Errorf("Up with a BinDir without possectl: %v", err)
	}
	_, err = sandbox.Up(ctx, name, sandbox.UpOptions{BinDir: os.Getenv("POSSE_BIN"), Mask: []string{"../x"}})
	if err == nil || !strings.Contains(err.Error(), "invalid unit name") {
		t.Errorf("Up with a bad unit to mask: %v", err)
	}
	if tr := sandbox.Traces(name); len(tr) > 0 {
		t.Errorf("refused input left traces:\n%s", strings.Join(tr, "\n"))
	}
}

// TestSandboxParallel brings three boxes up at the same time: each gets its
// own network and its own files, and all come up.
func TestSandboxParallel(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	const n = 3
	boxes := make([]*sandbox.Box, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			boxes[i], errs[i] = sandbox.Up(context.Background(), harness.UniqueName("par"),
				sandbox.UpOptions{BinDir: os.Getenv("POSSE_BIN")})
		}()
	}
	wg.Wait()
	t.Logf("%d boxes up at once in %.1fs", n, time.Since(start).Seconds())
	for _, b := range boxes {
		if b != nil {
			t.Cleanup(func() { b.Down(context.Background(), sandbox.DownOptions{Purge: true}) })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("box %d: %v", i, err)
		}
	}
	ips := map[string]bool{}
	for _, b := range boxes {
		ips[b.IP()] = true
		var out bytes.Buffer
		if code, err := b.Run(context.Background(), sandbox.RunOptions{Stdout: &out}, "sh", "-c", "hostname >/root/who; cat /root/who"); err != nil || code != 0 {
			t.Fatalf("run in %s: %d %v", b.Name(), code, err)
		}
		if strings.TrimSpace(out.String()) != b.Name() {
			t.Errorf("box %s sees hostname %q", b.Name(), out.String())
		}
		harness.Eventually(t, 20*time.Second, func() error {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(b.IP(), "22"), time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
	}
	if len(ips) != n {
		t.Errorf("%d boxes got %d distinct addresses", n, len(ips))
	}
}

// TestRehearse runs possectl rehearse on the minimal example and checks the
// report and that the rehearsal box is gone afterwards.
func TestRehearse(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	const template, secrets = "../examples/minimal.yaml", "../examples/minimal.secrets.yaml"
	if _, err := os.Stat(template); err != nil {
		t.Fatalf("%s is missing: the example belongs to the project", template)
	}
	cmd := exec.Command(filepath.Join(os.Getenv("POSSE_BIN"), "possectl"), "rehearse", template, "--secrets", secrets)
	cmd.Env = append(os.Environ(), harness.OwnerEnv+"="+strconv.Itoa(os.Getpid()))
	start := time.Now()
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	t.Logf("rehearse took %.1fs:\n%s", time.Since(start).Seconds(), out)
	box := ""
	if i := strings.Index(out, "Rehearsal in box "); i >= 0 {
		box = strings.Fields(out[i+len("Rehearsal in box "):])[0]
	}
	if box == "" {
		t.Fatalf("no report in the output")
	}
	if tr := sandbox.Traces(box); len(tr) > 0 {
		t.Errorf("rehearsal box %s left traces:\n%s", box, strings.Join(tr, "\n"))
		sandbox.Down(context.Background(), box, sandbox.DownOptions{Purge: true})
	}
	if strings.Contains(out, `unknown command "apply"`) {
		t.Fatal("possectl has no apply command")
	}
	if err != nil || !strings.Contains(out, "Rehearsal PASSED.") {
		t.Errorf("rehearsal of the minimal site did not pass (%v)", err)
	}
}

// TestSandboxNoSambaMask boots a box with Samba's file server units as
// Debian ships them: smbd runs.
func TestSandboxNoSambaMask(t *testing.T) {
	tb := harness.Box(t, "nomask", harness.Options{NoSambaMask: true})
	harness.Eventually(t, 30*time.Second, func() error {
		out, _, _ := tb.Output(t, "systemctl", "is-active", "smbd.service")
		if s := strings.TrimSpace(out); s != "active" {
			return fmt.Errorf("smbd is %q", s)
		}
		return nil
	})
}
