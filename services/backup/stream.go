// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
)

// LineRunner is a Runner that can also hand over a command's stdout line by
// line while it runs (for restic's progress).
type LineRunner interface {
	host.Runner
	RunLines(ctx context.Context, c host.Cmd, onLine func([]byte)) (host.Result, error)
}

// StreamRunner wraps the box's runner: Run is the wrapped runner's, and
// RunLines runs the command itself with the same clean environment
// (execx.DefaultPath, LANG=C.UTF-8 and c.Env) and no shell.
type StreamRunner struct {
	host.Runner
}

var _ LineRunner = StreamRunner{}

// RunLines runs c, calling onLine for each line of stdout as it arrives.
// The Result holds stderr, not stdout.
func (s StreamRunner) RunLines(ctx context.Context, c host.Cmd, onLine func([]byte)) (host.Result, error) {
	if len(c.Argv) == 0 {
		return host.Result{ExitCode: -1}, errors.New("run: empty command")
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = append([]string{"PATH=" + execx.DefaultPath, "LANG=C.UTF-8"}, c.Env...)
	cmd.Dir = c.Dir
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return host.Result{ExitCode: -1}, err
	}
	if err := cmd.Start(); err != nil {
		return host.Result{ExitCode: -1}, fmt.Errorf("run %s: %w", c.Argv[0], errors.Unwrap(err))
	}
	rd := bufio.NewReaderSize(out, 64*1024)
	for {
		line, rerr := rd.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			onLine(bytes.TrimRight(line, "\r\n"))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			break
		}
	}
	err = cmd.Wait()
	res := host.Result{Stderr: stderr.Bytes(), ExitCode: -1}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if err != nil {
		tail := execx.Redact(execx.LastLines(res.Stderr, 5), c.Stdin)
		if ctx.Err() != nil {
			return res, fmt.Errorf("%s: %w%s", c.Argv[0], ctx.Err(), tail)
		}
		return res, &execx.ExitError{Name: c.Argv[0], Code: res.ExitCode, Stderr: tail}
	}
	return res, nil
}
