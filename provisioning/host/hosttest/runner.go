// SPDX-License-Identifier: GPL-3.0-or-later

package hosttest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
)

// FakeRunner records commands and answers them from a script. A command
// whose stdin (or any line of it) appears in its argv or env is a test
// failure: secrets go on stdin only. Unscripted commands succeed with no
// output unless Strict is set.
type FakeRunner struct {
	// Strict makes unscripted commands fail.
	Strict bool

	t     testing.TB
	mu    sync.Mutex
	cmds  []host.Cmd
	rules []runRule
}

type runRule struct {
	prefix []string
	fn     func(host.Cmd) (host.Result, error)
}

var _ host.Runner = (*FakeRunner)(nil)

// NewFakeRunner returns a FakeRunner that reports violations to t.
func NewFakeRunner(t testing.TB) *FakeRunner { return &FakeRunner{t: t} }

// On answers commands whose argv starts with prefix with res. A non-zero
// res.ExitCode makes Run return an error too, like the real runner. Later
// rules win over earlier ones.
func (f *FakeRunner) On(prefix []string, res host.Result) {
	f.OnFunc(prefix, func(host.Cmd) (host.Result, error) { return res, nil })
}

// OnFunc answers commands whose argv starts with prefix by calling fn.
func (f *FakeRunner) OnFunc(prefix []string, fn func(host.Cmd) (host.Result, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, runRule{prefix: slices.Clone(prefix), fn: fn})
}

// Run records c and answers it.
func (f *FakeRunner) Run(_ context.Context, c host.Cmd) (host.Result, error) {
	f.mu.Lock()
	f.cmds = append(f.cmds, host.Cmd{Argv: slices.Clone(c.Argv), Stdin: bytes.Clone(c.Stdin), Env: slices.Clone(c.Env), Dir: c.Dir})
	var rule *runRule
	for i := len(f.rules) - 1; i >= 0; i-- {
		if len(c.Argv) >= len(f.rules[i].prefix) && slices.Equal(c.Argv[:len(f.rules[i].prefix)], f.rules[i].prefix) {
			rule = &f.rules[i]
			break
		}
	}
	f.mu.Unlock()
	if leak := stdinLeak(c); leak != "" {
		if f.t != nil {
			f.t.Errorf("command %q carries its stdin in %s", c.Argv[0], leak)
		}
		return host.Result{ExitCode: -1}, fmt.Errorf("%s: stdin found in %s", c.Argv[0], leak)
	}
	if rule == nil {
		if f.Strict {
			return host.Result{ExitCode: -1}, fmt.Errorf("run %s: unexpected command", c.Argv[0])
		}
		return host.Result{}, nil
	}
	res, err := rule.fn(c)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("%s exited with status %d", c.Argv[0], res.ExitCode)
		if s := strings.TrimSpace(string(res.Stderr)); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
	}
	return res, err
}

func stdinLeak(c host.Cmd) string {
	for _, l := range strings.Split(string(c.Stdin), "\n") {
		if len(l) < 3 {
			continue
		}
		for _, a := range c.Argv {
			if strings.Contains(a, l) {
				return "argv"
			}
		}
		for _, e := range c.Env {
			if strings.Contains(e, l) {
				return "env"
			}
		}
	}
	return ""
}

// Cmds returns the recorded commands.
func (f *FakeRunner) Cmds() []host.Cmd {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.cmds)
}

// Argvs returns each recorded command's argv joined by spaces.
func (f *FakeRunner) Argvs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.cmds))
	for i, c := range f.cmds {
		out[i] = strings.Join(c.Argv, " ")
	}
	return out
}

// MapSecrets is a Secrets source backed by a map.
type MapSecrets map[string]string

var _ host.Secrets = MapSecrets(nil)

// Lookup returns the secret called name.
func (m MapSecrets) Lookup(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}
