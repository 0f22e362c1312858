// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/sandbox"
)

// TestMain runs the end-to-end tests only with POSSE_E2E=1 as root. It
// builds the binaries if POSSE_BIN is unset, removes boxes an earlier failed
// run left, builds the image once, and after the tests fails the run if any
// test box left a trace (mounts, namespaces, cgroups, state).
func TestMain(m *testing.M) {
	if ok, why := harness.Enabled(); !ok {
		fmt.Println("e2e: skipped:", why)
		os.Exit(0)
	}
	if os.Getenv("POSSE_BIN") == "" {
		dir, err := buildBinaries()
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(dir)
		os.Setenv("POSSE_BIN", dir)
	}
	if err := harness.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	start := time.Now()
	dir, err := sandbox.EnsureImage(context.Background(), harness.Release(), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	fmt.Printf("e2e: image %s ready in %.1fs\n", filepath.Base(dir), time.Since(start).Seconds())
	code := m.Run()
	if leaks := harness.Leaks(); len(leaks) > 0 && os.Getenv("POSSE_E2E_KEEP") != "1" {
		fmt.Fprintf(os.Stderr, "e2e: test boxes left traces on the host:\n  %s\n", strings.Join(leaks, "\n  "))
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// buildBinaries builds static possectl (and possed, once it exists) into a
// temporary directory, as make build does.
func buildBinaries() (string, error) {
	dir, err := os.MkdirTemp("", "posse-e2e-bin-")
	if err != nil {
		return "", err
	}
	pkgs := []string{"./cmd/possectl"}
	if _, err := os.Stat("../cmd/possed"); err == nil {
		pkgs = append(pkgs, "./cmd/possed")
	}
	cmd := exec.Command("go", append([]string{"build", "-o", dir + "/"}, pkgs...)...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("building the binaries failed (set POSSE_BIN to skip): %v\n%s", err, out)
	}
	return dir, nil
}
