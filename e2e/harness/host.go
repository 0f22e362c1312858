// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Host runs a client tool on the host (outside every box), as an office's
// PC would, and returns its combined output.
func Host(argv ...string) (string, error) {
	return HostWith("", nil, argv...)
}

// HostWith is Host with stdin and extra environment (KRB5_CONFIG and the
// like); passwords go in on stdin, never in argv.
func HostWith(stdin string, env []string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = append(os.Environ(), env...)
	c.Stdin = strings.NewReader(stdin)
	out, err := c.CombinedOutput()
	return string(out), err
}

// HostPossectl runs the possectl of POSSE_BIN on the host with env added
// and returns stdout, stderr and the exit code; it fails the test only if
// possectl could not be started.
func HostPossectl(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(os.Getenv("POSSE_BIN"), "possectl"), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("possectl %v: %v", args, err)
	}
	return o.String(), e.String(), code
}
