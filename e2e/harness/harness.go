// SPDX-License-Identifier: GPL-3.0-or-later

// Package harness boots sandbox boxes for end-to-end tests: one box per test
// (or per scenario), brought down and purged when the test ends, with
// helpers that fail the test with the box's output and journal.
//
// Tests run as root with POSSE_E2E=1 and POSSE_BIN naming the directory of
// freshly built static Posse binaries (make e2e sets both). Box names made
// here start with "t-"; Cleanup removes every such box a previous run left.
package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/sandbox"
)

// Enabled reports whether end-to-end tests should run: POSSE_E2E=1 and root.
func Enabled() (bool, string) {
	if os.Getenv("POSSE_E2E") != "1" {
		return false, "end-to-end tests need POSSE_E2E=1 (make e2e sets it)"
	}
	if os.Geteuid() != 0 {
		return false, "end-to-end tests need root"
	}
	return true, ""
}

// ReleaseEnv names the Debian release the e2e tests' boxes run when a test
// does not ask for one: `POSSE_E2E_RELEASE=bookworm make e2e` runs the
// whole suite on Debian 12.
const ReleaseEnv = "POSSE_E2E_RELEASE"

// Release is the release of boxes whose test does not choose one:
// $POSSE_E2E_RELEASE, else sandbox.DefaultRelease (Debian 13).
func Release() string {
	if r := os.Getenv(ReleaseEnv); r != "" {
		return r
	}
	return sandbox.DefaultRelease
}

// Options tune Box; the zero value boots a box as `possectl sandbox up` does.
type Options struct {
	// Release is the box's Debian release; empty means Release().
	Release string
	// NoSambaMask boots smbd, nmbd and winbind as Debian ships them.
	NoSambaMask bool
	// Mask lists more units to mask at boot.
	Mask []string
	// BootTimeout bounds the boot (default 3 minutes).
	BootTimeout time.Duration
	// Network puts the box on a lab network shared with the other boxes
	// of that network (see sandbox.UpOptions.Network); make its name with
	// UniqueName so that Cleanup and Leaks know it.
	Network string
	// Disk, in bytes, gives the box a btrfs data disk at /srv (see
	// sandbox.UpOptions.Disk); 0 means none.
	Disk int64
	// RawDisk, in bytes, gives the box an empty disk (see
	// sandbox.UpOptions.RawDisk and TestBox.RawDisk); 0 means none.
	RawDisk int64
}

// TestBox is a box that belongs to one test.
type TestBox struct {
	b *sandbox.Box
}

var testNameRE = regexp.MustCompile(`^t-[a-z][a-z0-9]{0,6}-[a-z0-9]{5}$`)

// IsTestName reports whether a box name was made by this package.
func IsTestName(name string) bool { return testNameRE.MatchString(name) }

// OwnerEnv is the environment variable that makes a possectl process record
// another process (the test) as the owner of the boxes it brings up, so that
// Cleanup in a concurrent test run leaves them alone.
const OwnerEnv = "POSSE_SANDBOX_OWNER"

// UniqueName makes a test box name "t-PREFIX-xxxxx" from a prefix
// (lowercase letters and digits kept, cut to 7 characters) and 5 random
// characters. Box uses it; tests that drive possectl itself can too.
func UniqueName(prefix string) string {
	var p []byte
	for _, r := range strings.ToLower(prefix) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9' && len(p) > 0) {
			p = append(p, byte(r))
		}
		if len(p) == 7 {
			break
		}
	}
	if len(p) == 0 {
		p = []byte("box")
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	suffix := make([]byte, 5)
	rand.Read(suffix)
	for i := range suffix {
		suffix[i] = alphabet[int(suffix[i])%len(alphabet)]
	}
	return "t-" + string(p) + "-" + string(suffix)
}

// Box boots a fresh box for the test, named "t-PREFIX-xxxxx" (see Name),
// and brings it down and purges it when the test ends; if the test failed,
// the last journal lines are logged first, and with POSSE_E2E_KEEP=1 the box
// is kept for inspection. A failed boot fails the test with the box's
// journal tail.
func Box(t testing.TB, prefix string, opts ...Options) *TestBox {
	t.Helper()
	if ok, why := Enabled(); !ok {
		t.Skip(why)
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	name := UniqueName(prefix)
	start := time.Now()
	release := o.Release
	if release == "" {
		release = Release()
	}
	b, err := sandbox.Up(context.Background(), name, sandbox.UpOptions{
		Release:     release,
		BinDir:      os.Getenv("POSSE_BIN"),
		NoSambaMask: o.NoSambaMask,
		Mask:        o.Mask,
		BootTimeout: o.BootTimeout,
		Network:     o.Network,
		Disk:        o.Disk,
		RawDisk:     o.RawDisk,
	})
	if err != nil {
		t.Fatalf("box %s did not boot: %v", name, err)
	}
	t.Logf("box %s up at %s in %.1fs", name, b.IP(), time.Since(start).Seconds())
	t.Cleanup(func() {
		if t.Failed() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			j, _ := b.Journal(ctx, 40)
			cancel()
			t.Logf("journal of box %s (last 40 lines):\n%s", name, j)
			if os.Getenv("POSSE_E2E_KEEP") == "1" {
				t.Logf("keeping box %s: possectl sandbox shell %s; possectl sandbox down %s", name, name, name)
				return
			}
		}
		start := time.Now()
		if err := b.Down(context.Background(), sandbox.DownOptions{Purge: true, StopTimeout: 20 * time.Second}); err != nil {
			t.Errorf("bringing box %s down: %v", name, err)
		}
		t.Logf("box %s down in %.1fs", name, time.Since(start).Seconds())
	})
	return &TestBox{b: b}
}

// Sandbox returns the underlying box for anything this package lacks.
func (tb *TestBox) Sandbox() *sandbox.Box { return tb.b }

// Name is the box's name and hostname.
func (tb *TestBox) Name() string { return tb.b.Name() }

// RawDisk is the device of the box's raw disk (Options.RawDisk), as the
// box names it, or "" without one.
func (tb *TestBox) RawDisk() string { return sandbox.RawDiskDevice(tb.b.Name()) }

// IP is the box's address, reachable from the host.
func (tb *TestBox) IP() string { return tb.b.IP() }

// HostIP is the host's address as the box sees it.
func (tb *TestBox) HostIP() string { return tb.b.HostIP() }

// BusAddress is the box's system bus address for D-Bus clients on the host.
func (tb *TestBox) BusAddress() string { return tb.b.BusAddress() }

// Run runs argv inside the box as a transient unit (see sandbox.Box.Run).
func (tb *TestBox) Run(ctx context.Context, opts sandbox.RunOptions, argv ...string) (int, error) {
	return tb.b.Run(ctx, opts, argv...)
}

// Output runs argv inside the box and returns its stdout, stderr and exit
// code; it fails the test only if the command could not be run at all.
func (tb *TestBox) Output(t testing.TB, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	return tb.Exec(t, "", argv...)
}

// Exec is Output with stdin: passwords go in on stdin, never in argv.
func (tb *TestBox) Exec(t testing.TB, stdin string, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	code, err := tb.b.Run(ctx, sandbox.RunOptions{Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e}, argv...)
	if err != nil {
		t.Fatalf("run %q in box %s: %v", argv, tb.Name(), err)
	}
	return o.String(), e.String(), code
}

// mustExec is Exec that fails the test on a non-zero exit with the
// command's output, and returns its stdout.
func (tb *TestBox) mustExec(t testing.TB, stdin string, argv ...string) string {
	t.Helper()
	o, e, code := tb.Exec(t, stdin, argv...)
	if code != 0 {
		t.Fatalf("%q in box %s exited with %d\nstdout:\n%s\nstderr:\n%s", argv, tb.Name(), code, o, e)
	}
	return o
}

// Possectl runs possectl inside the box as root with stdin and returns
// its stdout, stderr and exit code.
func (tb *TestBox) Possectl(t testing.TB, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return tb.Exec(t, stdin, append([]string{"possectl"}, args...)...)
}

// MustRun runs argv inside the box and returns its stdout; a non-zero exit
// fails the test with the command's output.
func (tb *TestBox) MustRun(t testing.TB, argv ...string) string {
	t.Helper()
	return tb.mustExec(t, "", argv...)
}

// TryApply is Apply without failing: it returns possectl apply's combined
// output and exit code.
func (tb *TestBox) TryApply(t testing.TB, templatePath, secretsPath string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	code, err := tb.b.Apply(ctx, templatePath, secretsPath, &out, &out)
	if err != nil {
		t.Fatalf("apply %s in box %s: %v\n%s", templatePath, tb.Name(), err, out.String())
	}
	return out.String(), code
}

// Apply applies a site template inside the box as `possectl sandbox apply`
// does and returns the output; a failed apply fails the test with it.
func (tb *TestBox) Apply(t testing.TB, templatePath, secretsPath string) string {
	t.Helper()
	start := time.Now()
	out, code := tb.TryApply(t, templatePath, secretsPath)
	if code != 0 {
		t.Fatalf("possectl apply %s in box %s exited with %d:\n%s", templatePath, tb.Name(), code, out)
	}
	t.Logf("applied %s in box %s in %.1fs", templatePath, tb.Name(), time.Since(start).Seconds())
	return out
}

// CopyIn copies a host file into the box with mode; errors fail the test.
func (tb *TestBox) CopyIn(t testing.TB, hostSrc, boxDst string, mode os.FileMode) {
	t.Helper()
	if err := tb.b.CopyIn(hostSrc, boxDst, mode); err != nil {
		t.Fatalf("copy %s into box %s: %v", hostSrc, tb.Name(), err)
	}
}

// CopyOut copies a file out of the box; errors fail the test.
func (tb *TestBox) CopyOut(t testing.TB, boxSrc, hostDst string) {
	t.Helper()
	if err := tb.b.CopyOut(boxSrc, hostDst); err != nil {
		t.Fatalf("copy %s out of box %s: %v", boxSrc, tb.Name(), err)
	}
}

// Journal returns the last n lines of the box's journal ("" on error).
func (tb *TestBox) Journal(n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j, err := tb.b.Journal(ctx, n)
	if err != nil {
		return fmt.Sprintf("(journal unavailable: %v)\n%s", err, j)
	}
	return j
}

// Eventually calls fn until it returns nil or timeout passes, then fails the
// test with fn's last error. For services that take a moment to answer.
func Eventually(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %s: %v", timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Cleanup brings down and purges every box a previous run of the tests left
// behind (names made by Box whose owning test process is gone); boxes of
// test runs still going on are left alone. Call it from TestMain before the
// tests.
func Cleanup() error {
	var errs []string
	for _, n := range sandbox.Names() {
		if !IsTestName(n) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := sandbox.Down(ctx, n, sandbox.DownOptions{Purge: true, StopTimeout: 5 * time.Second, OnlyOrphaned: true})
		cancel()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", n, err))
		}
	}
	// Lab networks of test runs that no box belongs to any more.
	for _, n := range sandbox.Networks() {
		if !IsTestName(n) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := sandbox.PruneNetwork(ctx, n)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Sprintf("network %s: %v", n, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cleaning up boxes of an earlier run: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Leaks lists traces of test boxes and their lab networks on the host
// (mounts, namespaces, veths, cgroups, state, directories) except those of
// other test runs still going on. Call it from TestMain after the tests.
func Leaks() []string {
	var out []string
	// Another test run going on may be creating or removing a box: with
	// the run lock held, each of its boxes is either fully there (and
	// skipped) or fully gone.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if unlock, err := sandbox.LockRun(ctx); err == nil {
		defer unlock()
	} else {
		out = append(out, "cannot take the sandbox run lock: "+err.Error())
	}
	others := map[string]bool{}
	boxes, _ := sandbox.List()
	for _, b := range boxes {
		if !b.Orphaned() && b.Owner() != os.Getpid() {
			others[b.Name()] = true
		}
	}
	for _, n := range sandbox.Names() {
		if IsTestName(n) && !others[n] {
			for _, tr := range sandbox.Traces(n) {
				out = append(out, n+": "+tr)
			}
		}
	}
	// Lab networks of test boxes, except those boxes of other runs use.
	othersNets := map[string]bool{}
	for _, b := range boxes {
		if others[b.Name()] && b.Network() != "" {
			othersNets[b.Network()] = true
		}
	}
	for _, n := range sandbox.Networks() {
		if IsTestName(n) && !othersNets[n] {
			for _, tr := range sandbox.NetworkTraces(n) {
				out = append(out, "network "+n+": "+tr)
			}
		}
	}
	// Host mounts under the sandbox directory (an interrupted image build
	// leaves /proc, /sys, /dev mounted in its root).
	mounts, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], sandbox.Dir+"/") {
			out = append(out, "mount: "+line)
		}
	}
	return out
}

// PostfixUnit is the unit running Postfix's master in the box: postfix@-
// on Debian 12, postfix.service from Debian 13 on (see
// services/mail.PostfixInstanceUnit).
func (tb *TestBox) PostfixUnit() string {
	if tb.b.Release() == "bookworm" {
		return "postfix@-.service"
	}
	return "postfix.service"
}
