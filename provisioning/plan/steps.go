// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// Default modes for new files and directories whose spec leaves Mode 0.
const (
	DefaultFileMode = 0o644
	DefaultDirMode  = 0o755
)

// CleanPath checks that p is an absolute, clean path without "..": the
// only kind of path a plan may name.
func CleanPath(p string) error {
	if p == "" || !path.IsAbs(p) || path.Clean(p) != p || strings.Contains(p, "\x00") || p == "/" {
		return fmt.Errorf("path %q must be absolute and clean (no \"..\", no trailing slash)", p)
	}
	return nil
}

// FileStep compares spec with the file under env.Root and returns the step
// that makes the file so, and whether anything differs (when nothing does,
// the step is zero and must not be added to the plan).
//
// Mode 0 keeps the current file's mode (0644 for a new file); empty Owner or
// Group keep the current ones (the process's for a new file). In offline
// mode (--root) ownership is neither compared nor looked up. Secrets in
// Content are expanded for the comparison only: the step holds the
// references, and for Secret files no diff at all, just "content:
// (sensitive)".
func FileStep(service string, env *host.Env, spec FileSpec) (Step, bool, error) {
	if err := CleanPath(spec.Path); err != nil {
		return Step{}, false, err
	}
	cur, err := readUnder(env, spec.Path)
	if err != nil {
		return Step{}, false, err
	}
	if cur.Dir {
		return Step{}, false, fmt.Errorf("%s is a directory, expected a file; move it away and plan again", spec.Path)
	}
	want, err := ExpandSecrets(spec.Content, env.Secrets)
	if err != nil {
		return Step{}, false, fmt.Errorf("%s: %w", spec.Path, err)
	}
	if spec.Mode == 0 {
		spec.Mode = DefaultFileMode
		if cur.Exists {
			spec.Mode = fsutil.ToUnix(cur.Mode)
		}
	}
	if !spec.Secret && len(SecretNames(spec.Content)) > 0 {
		spec.Secret = true
	}
	var changes []Change
	if cur.Exists && fsutil.ToUnix(cur.Mode) != spec.Mode {
		changes = append(changes, Change{Field: "mode", Before: fmtMode(fsutil.ToUnix(cur.Mode)), After: fmtMode(spec.Mode)})
	}
	if !env.Offline && cur.Exists {
		oc, err := ownerChanges(env, spec.Owner, spec.Group, cur)
		if err != nil {
			return Step{}, false, fmt.Errorf("%s: %w", spec.Path, err)
		}
		changes = append(changes, oc...)
	}
	sameContent := cur.Exists && bytes.Equal(cur.Data, []byte(want))
	if sameContent && len(changes) == 0 {
		return Step{}, false, nil
	}
	action := Update
	if !cur.Exists {
		action = Create
	}
	st := NewStep(service, action, KindFile, spec.Path, "", spec)
	switch {
	case spec.Secret && !sameContent:
		changes = append([]Change{{Field: "content", Sensitive: true}}, changes...)
	case !sameContent:
		from := spec.Path
		if !cur.Exists {
			from = "/dev/null"
		}
		st.Diff = fsutil.Unified(from, spec.Path, string(cur.Data), want)
	}
	st.Changes = changes
	return st, true, nil
}

// DirStep compares spec with the directory under env.Root like FileStep.
// Mode 0 keeps the current mode (0755 for a new directory).
func DirStep(service string, env *host.Env, spec DirSpec) (Step, bool, error) {
	if err := CleanPath(spec.Path); err != nil {
		return Step{}, false, err
	}
	cur, err := readUnder(env, spec.Path)
	if err != nil {
		return Step{}, false, err
	}
	if cur.Exists && !cur.Dir {
		return Step{}, false, fmt.Errorf("%s is a file, expected a directory; move it away and plan again", spec.Path)
	}
	if spec.Mode == 0 {
		spec.Mode = DefaultDirMode
		if cur.Exists {
			spec.Mode = fsutil.ToUnix(cur.Mode)
		}
	}
	if !cur.Exists {
		st := NewStep(service, Create, KindDir, spec.Path, "", spec)
		st.Changes = []Change{{Field: "mode", After: fmtMode(spec.Mode)}}
		if spec.Owner != "" || spec.Group != "" {
			st.Changes = append(st.Changes, Change{Field: "owner", After: spec.Owner + ":" + spec.Group})
		}
		return st, true, nil
	}
	var changes []Change
	if fsutil.ToUnix(cur.Mode) != spec.Mode {
		changes = append(changes, Change{Field: "mode", Before: fmtMode(fsutil.ToUnix(cur.Mode)), After: fmtMode(spec.Mode)})
	}
	if !env.Offline {
		oc, err := ownerChanges(env, spec.Owner, spec.Group, cur)
		if err != nil {
			return Step{}, false, fmt.Errorf("%s: %w", spec.Path, err)
		}
		changes = append(changes, oc...)
	}
	if len(changes) == 0 {
		return Step{}, false, nil
	}
	st := NewStep(service, Update, KindDir, spec.Path, "", spec)
	st.Changes = changes
	return st, true, nil
}

// DeleteFileStep returns a step deleting the file at p under env.Root, and
// whether there is one to delete.
func DeleteFileStep(service string, env *host.Env, p string) (Step, bool, error) {
	if err := CleanPath(p); err != nil {
		return Step{}, false, err
	}
	cur, err := readUnder(env, p)
	if err != nil {
		return Step{}, false, err
	}
	if !cur.Exists {
		return Step{}, false, nil
	}
	if cur.Dir {
		return Step{}, false, fmt.Errorf("%s is a directory; Posse deletes files only", p)
	}
	return NewStep(service, Delete, KindFile, p, "", FileSpec{Path: p}), true, nil
}

// UnitStep returns a step running a systemd operation (see UnitSpec.Op) on
// unit. Restart and reload get their own actions; all else is Run. For
// "daemon-reload" unit is ignored and the target is "systemd".
func UnitStep(service, unit, op string) Step {
	action := Run
	switch op {
	case "restart":
		action = Restart
	case "reload":
		action = Reload
	}
	target := unit
	if op == "daemon-reload" {
		target, unit = "systemd", ""
	}
	return NewStep(service, action, KindUnit, target, "", UnitSpec{Unit: unit, Op: op})
}

// CheckStep returns a step running a native config checker such as
// "testparm -s" or "postfix check". It must not take secrets.
func CheckStep(service string, argv ...string) Step {
	return NewStep(service, Run, KindCheck, strings.Join(argv, " "), "", CommandSpec{Argv: argv})
}

// ProbeStep returns a health-probe step that the service's Execute runs.
func ProbeStep(service, target, summary string) Step {
	return NewStep(service, Run, KindProbe, target, summary, nil)
}

// readUnder reads a path's state under env.Root; under --root DIR it
// refuses paths that a symbolic link leads out of DIR.
func readUnder(env *host.Env, p string) (fsutil.State, error) {
	full := env.Path(p)
	if root := env.Path("/"); root != "/" {
		if err := fsutil.CheckInside(root, full); err != nil {
			return fsutil.State{}, err
		}
	}
	return fsutil.ReadState(full)
}

func ownerChanges(env *host.Env, owner, group string, cur fsutil.State) ([]Change, error) {
	uid, gid, err := fsutil.Owner(env.Path("/"), owner, group)
	if err != nil {
		return nil, err
	}
	var ch []Change
	if uid != fsutil.NoID && uid != cur.UID {
		ch = append(ch, Change{Field: "owner", Before: fmt.Sprint(cur.UID), After: fmt.Sprintf("%s (%d)", owner, uid)})
	}
	if gid != fsutil.NoID && gid != cur.GID {
		ch = append(ch, Change{Field: "group", Before: fmt.Sprint(cur.GID), After: fmt.Sprintf("%s (%d)", group, gid)})
	}
	return ch, nil
}

func fmtMode(m uint32) string { return fmt.Sprintf("%04o", m&0o7777) }
