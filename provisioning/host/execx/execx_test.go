// SPDX-License-Identifier: GPL-3.0-or-later

package execx

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

func TestRun(t *testing.T) {
	t.Setenv("POSSE_LEAK_CHECK", "leaked")
	var r Runner
	tests := []struct {
		name       string
		cmd        host.Cmd
		stdout     string
		code       int
		err        string
		notInError string
	}{
		{name: "argv only", cmd: host.Cmd{Argv: []string{"echo", "a b", "$HOME;", "*"}}, stdout: "a b $HOME; *\n"},
		{name: "stdin", cmd: host.Cmd{Argv: []string{"cat"}, Stdin: []byte("s3cret\n")}, stdout: "s3cret\n"},
		{name: "clean env", cmd: host.Cmd{Argv: []string{"env"}, Env: []string{"X=1"}},
			stdout: "PATH=" + DefaultPath + "\nLANG=C.UTF-8\nX=1\n"},
		{name: "dir", cmd: host.Cmd{Argv: []string{"pwd"}, Dir: "/"}, stdout: "/\n"},
		{name: "exit code", cmd: host.Cmd{Argv: []string{"sh", "-c", "echo one >&2; echo two >&2; exit 3"}},
			code: 3, err: "sh exited with status 3: one; two"},
		{name: "stdin echoed to stderr is masked", cmd: host.Cmd{Argv: []string{"sh", "-c", "cat >&2; exit 1"}, Stdin: []byte("hunter22\n")},
			code: 1, err: "sh exited with status 1: (sensitive)", notInError: "hunter22"},
		{name: "not found", cmd: host.Cmd{Argv: []string{"/nonexistent/posse-tool"}}, code: -1, err: "run /nonexistent/posse-tool"},
		{name: "empty", cmd: host.Cmd{}, code: -1, err: "empty command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Run(context.Background(), tt.cmd)
			if tt.err == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if tt.notInError != "" && strings.Contains(err.Error(), tt.notInError) {
				t.Errorf("error %q contains %q", err, tt.notInError)
			}
			if tt.stdout != "" && string(res.Stdout) != tt.stdout {
				t.Errorf("stdout = %q, want %q", res.Stdout, tt.stdout)
			}
			if res.ExitCode != tt.code {
				t.Errorf("exit code = %d, want %d", res.ExitCode, tt.code)
			}
		})
	}
}

func TestRunExitError(t *testing.T) {
	var r Runner
	_, err := r.Run(context.Background(), host.Cmd{Argv: []string{"false"}})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || ee.Name != "false" {
		t.Errorf("err = %#v, want ExitError{false, 1}", err)
	}
}

func TestRunCancel(t *testing.T) {
	var r Runner
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Run(ctx, host.Cmd{Argv: []string{"sleep", "10"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
}
