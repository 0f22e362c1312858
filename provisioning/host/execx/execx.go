// SPDX-License-Identifier: GPL-3.0-or-later

// Package execx is the real host.Runner: it runs commands with argv (never
// through a shell), feeds secrets on stdin, gives children a clean
// environment and keeps secrets out of error messages.
package execx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// DefaultPath is the PATH children get.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// stderrLines is how many trailing lines of stderr an error quotes.
const stderrLines = 5

// Runner runs commands on this machine. The zero value is ready to use.
type Runner struct {
	// Path is the children's PATH; empty means DefaultPath.
	Path string
	// WaitDelay bounds how long Run waits for output after the context is
	// cancelled and the child killed; zero means 5 seconds.
	WaitDelay time.Duration
}

var _ host.Runner = (*Runner)(nil)

// New returns a Runner with the default PATH.
func New() *Runner { return &Runner{} }

// Run runs c and waits for it. The child's environment is PATH, LANG=C.UTF-8
// and c.Env, nothing inherited. It returns an *ExitError when the command
// exits non-zero, and an error naming argv[0] when it cannot start or is
// cancelled; the Result holds whatever output there was.
func (r *Runner) Run(ctx context.Context, c host.Cmd) (host.Result, error) {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return host.Result{ExitCode: -1}, errors.New("run: empty command")
	}
	path := r.Path
	if path == "" {
		path = DefaultPath
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = append([]string{"PATH=" + path, "LANG=C.UTF-8"}, c.Env...)
	cmd.Dir = c.Dir
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = r.WaitDelay
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 5 * time.Second
	}
	err := cmd.Run()
	res := host.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	} else {
		res.ExitCode = -1
	}
	if err == nil {
		return res, nil
	}
	tail := Redact(LastLines(res.Stderr, stderrLines), c.Stdin)
	if ctx.Err() != nil {
		return res, fmt.Errorf("%s: %w%s", c.Argv[0], ctx.Err(), tail)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, &ExitError{Name: c.Argv[0], Code: res.ExitCode, Stderr: tail}
	}
	// Could not start: the error names the path, never stdin.
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return res, fmt.Errorf("run %s: %w", c.Argv[0], err)
}

// ExitError is a command that exited non-zero (or was killed by a signal:
// Code -1).
type ExitError struct {
	// Name is argv[0].
	Name string
	Code int
	// Stderr is the last lines of stderr, with stdin's lines masked,
	// prefixed with ": " when not empty.
	Stderr string
}

func (e *ExitError) Error() string {
	if e.Code < 0 {
		return fmt.Sprintf("%s was killed%s", e.Name, e.Stderr)
	}
	return fmt.Sprintf("%s exited with status %d%s", e.Name, e.Code, e.Stderr)
}

// LastLines returns the last n non-empty lines of out, joined by "; " and
// prefixed with ": ", or "" when out is blank.
func LastLines(out []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return ": " + strings.Join(lines, "; ")
}

// Redact replaces every line of stdin (of 3 or more bytes) found in s with
// "(sensitive)", so a child echoing its secret input never leaks it into
// an error.
func Redact(s string, stdin []byte) string {
	if len(stdin) == 0 || s == "" {
		return s
	}
	for _, l := range strings.Split(string(stdin), "\n") {
		l = strings.TrimRight(l, "\r")
		if len(l) >= 3 {
			s = strings.ReplaceAll(s, l, "(sensitive)")
		}
	}
	return s
}
