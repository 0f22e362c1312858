// SPDX-License-Identifier: GPL-3.0-or-later

// Package host defines the small interfaces behind which every side effect
// sits: running commands, driving systemd, and the file system root. Services
// and the apply engine depend on these; tests use fakes from hosttest.
package host

import (
	"context"
	"path/filepath"
)

// Cmd is a command run with argv, never through a shell. Secrets go in
// Stdin, never in Argv or Env.
type Cmd struct {
	Argv  []string
	Stdin []byte
	Env   []string
	Dir   string
}

// Result is a finished command's output.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Runner runs commands. Run returns an error when the command could not be
// started or exited non-zero; the Result is filled in either case.
type Runner interface {
	Run(ctx context.Context, c Cmd) (Result, error)
}

// UnitStatus is what systemd reports about a unit.
type UnitStatus struct {
	Name          string
	LoadState     string // loaded, not-found, masked
	ActiveState   string // active, inactive, failed, activating, …
	SubState      string
	UnitFileState string // enabled, disabled, masked, static, …
	MainPID       uint32
}

// Units drives systemd. Job methods wait for the job's result and return an
// error for anything but "done".
type Units interface {
	Start(ctx context.Context, unit string) error
	Stop(ctx context.Context, unit string) error
	Restart(ctx context.Context, unit string) error
	Reload(ctx context.Context, unit string) error
	Enable(ctx context.Context, units ...string) error
	Disable(ctx context.Context, units ...string) error
	Mask(ctx context.Context, units ...string) error
	Unmask(ctx context.Context, units ...string) error
	DaemonReload(ctx context.Context) error
	Status(ctx context.Context, unit string) (UnitStatus, error)
}

// Secrets looks up secret values by name.
type Secrets interface {
	Lookup(name string) (value string, ok bool)
}

// Env is what a service sees of the box it manages.
type Env struct {
	// Root is the file system root all paths are joined to ("/" on a box,
	// a temp directory with --root).
	Root string
	// Offline is set with --root: render files only; no units, no commands,
	// no network services.
	Offline bool
	// StateDir is Posse's state directory, relative to Root
	// (default /var/lib/posse).
	StateDir string
	Units    Units
	Runner   Runner
	Secrets  Secrets
	// Hostname and IP describe the box (for certificates, provisioning).
	Hostname string
	IP       string
}

// DefaultStateDir is where Posse keeps its journal, history and state.
const DefaultStateDir = "/var/lib/posse"

// Path joins an absolute box path to the root.
func (e *Env) Path(p string) string {
	root := e.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, filepath.Clean("/"+p))
}

// State returns a path under the state directory, joined to the root.
func (e *Env) State(elem ...string) string {
	d := e.StateDir
	if d == "" {
		d = DefaultStateDir
	}
	return e.Path(filepath.Join(append([]string{d}, elem...)...))
}
