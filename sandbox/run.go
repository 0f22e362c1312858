// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// RunOptions connect a command inside a box to the caller. Nil fields mean
// no input and discarded output.
type RunOptions struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Env adds NAME=value pairs to the command's clean environment.
	Env []string
}

// escapeDollars doubles every '$': systemd-run expands $VAR, ${VAR} and $$
// in the command line, and this makes argv arrive verbatim.
func escapeDollars(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = strings.ReplaceAll(a, "$", "$$")
	}
	return out
}

// runArgv is the systemd-run command line that runs argv as a transient
// service inside the box.
func runArgv(argv []string, env []string) []string {
	a := []string{"systemd-run", "--wait", "--pipe", "--collect", "--quiet", "--service-type=exec",
		"-p", "User=root", "-p", "WorkingDirectory=/root", "--setenv=LANG=C.UTF-8"}
	for _, e := range env {
		a = append(a, "--setenv="+e)
	}
	return append(append(a, "--"), escapeDollars(argv)...)
}

// enterArgv is the nsenter command line that runs argv in all of the box's
// namespaces with a clean environment.
func enterArgv(pid int, argv []string, env []string) []string {
	term := os.Getenv("TERM")
	if term == "" || strings.ContainsAny(term, "=\x00") {
		term = "dumb"
	}
	a := []string{"nsenter", "-t", strconv.Itoa(pid), "-a", "env", "-i",
		"PATH=" + innerPath, "LANG=C.UTF-8", "HOME=/root", "TERM=" + term}
	a = append(a, env...)
	return append(a, argv...)
}

// Run runs argv inside the box as a transient systemd unit (so it lives in
// the box's cgroup tree and sees the box as a service would), with stdin,
// stdout and stderr piped, and returns its exit code. err is set only when
// the command could not be run at all.
func (b *Box) Run(ctx context.Context, opts RunOptions, argv ...string) (int, error) {
	if len(argv) == 0 {
		return 0, errors.New("no command to run")
	}
	if err := checkEnv(opts.Env); err != nil {
		return 0, err
	}
	return b.exec(ctx, opts, runArgv(argv, opts.Env), nil)
}

// Exec runs argv inside the box with plain nsenter, for when systemd is not
// up. The process stays in the host's cgroup: start daemons with Run.
func (b *Box) Exec(ctx context.Context, opts RunOptions, argv ...string) (int, error) {
	if len(argv) == 0 {
		return 0, errors.New("no command to run")
	}
	if err := checkEnv(opts.Env); err != nil {
		return 0, err
	}
	return b.exec(ctx, opts, argv, opts.Env)
}

func checkEnv(env []string) error {
	for _, e := range env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" || strings.ContainsAny(k, "\x00$ ") {
			return fmt.Errorf("invalid environment entry %q: use NAME=value", e)
		}
	}
	return nil
}

func (b *Box) exec(ctx context.Context, opts RunOptions, argv, env []string) (int, error) {
	if !b.Alive() {
		return 0, fmt.Errorf("box %q is not running", b.st.Name)
	}
	full := enterArgv(b.st.PID, argv, env)
	cmd := exec.CommandContext(ctx, full[0], full[1:]...)
	cmd.Env = []string{"PATH=" + innerPath, "LANG=C.UTF-8"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	cmd.Dir = "/"
	// nsenter forks to enter the PID namespace: on cancel, kill its whole
	// process group, not just nsenter. A terminal's foreground job must
	// keep the terminal's process group, so that case only kills nsenter.
	ownGroup := !isTerminal(opts.Stdin)
	cmd.SysProcAttr = &unix.SysProcAttr{Setpgid: ownGroup}
	cmd.Cancel = func() error {
		if ownGroup {
			return unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
		}
		return cmd.Process.Kill()
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, fmt.Errorf("run in box %s: %w", b.st.Name, err)
	}
	return 0, nil
}

// output runs argv with Exec and returns stdout and stderr together.
func (b *Box) output(ctx context.Context, argv ...string) (string, error) {
	var buf bytes.Buffer
	code, err := b.Exec(ctx, RunOptions{Stdout: &buf, Stderr: &buf}, argv...)
	if err == nil && code != 0 {
		err = fmt.Errorf("%s exited with %d", argv[0], code)
	}
	return buf.String(), err
}

// Journal returns the last n lines of the box's journal of this boot.
func (b *Box) Journal(ctx context.Context, n int) (string, error) {
	if n <= 0 {
		n = 30
	}
	return b.output(ctx, "journalctl", "-b", "--no-pager", "-q", "-n", strconv.Itoa(n))
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
