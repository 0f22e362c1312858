// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/plan"
)

// txn is what one service changed in this apply, to undo on failure.
type txn struct {
	service string
	files   []fileUndo
	units   []unitUndo
	ran     []plan.Step // own-kind steps handed to the executor
}

// fileUndo restores one file or directory to prev.
type fileUndo struct {
	path    string // box path, for messages
	full    string // path under the root
	prev    fsutil.State
	created []string // parent directories this apply created, outermost first
}

// file runs a file step: create/update writes atomically, delete removes.
func (e *engine) file(t *txn, s plan.Step) (Status, error) {
	var spec plan.FileSpec
	if err := s.DecodeSpec(&spec); err != nil {
		return Failed, fmt.Errorf("bad file step: %w", err)
	}
	if err := plan.CleanPath(spec.Path); err != nil {
		return Failed, err
	}
	if spec.Path != s.Target {
		return Failed, fmt.Errorf("file step targets %s but its spec names %s; make the plan again", s.Target, spec.Path)
	}
	full, err := e.inside(spec.Path)
	if err != nil {
		return Failed, err
	}
	e.removeLeftovers(spec.Path, full)
	prev, err := fsutil.ReadState(full)
	if err != nil {
		return Failed, err
	}
	if prev.Dir {
		return Failed, fmt.Errorf("%s is a directory, expected a file; move it away and apply again", spec.Path)
	}
	if s.Action == plan.Delete {
		if !prev.Exists {
			return Unchanged, nil
		}
		if err := e.saveHistory(spec.Path, prev); err != nil {
			return Failed, err
		}
		t.files = append(t.files, fileUndo{path: spec.Path, full: full, prev: prev})
		if err := os.Remove(full); err != nil {
			return Failed, fmt.Errorf("delete %s: %w", spec.Path, err)
		}
		return Done, fsutil.SyncDir(filepath.Dir(full))
	}

	content, err := plan.ExpandSecrets(spec.Content, e.env.Secrets)
	if err != nil {
		return Failed, fmt.Errorf("%s: %w", spec.Path, err)
	}
	for _, name := range plan.SecretNames(spec.Content) {
		if v, ok := e.env.Secrets.Lookup(name); ok { // Secrets is set: ExpandSecrets found them
			e.secrets = append(e.secrets, v)
		}
	}
	mode := fsutil.FromUnix(spec.Mode)
	if spec.Mode == 0 {
		mode = plan.DefaultFileMode
		if prev.Exists {
			mode = prev.Mode
		}
	}
	uid, gid, err := e.owner(spec.Owner, spec.Group, prev)
	if err != nil {
		return Failed, fmt.Errorf("%s: %w", spec.Path, err)
	}
	data := []byte(content)
	if prev.Same(data, mode, uid, gid) {
		return Unchanged, nil
	}
	created, err := fsutil.MkdirAll(filepath.Dir(full))
	// Register the undo before writing: restoring prev after a failed write
	// is harmless, forgetting a half-done write is not.
	t.files = append(t.files, fileUndo{path: spec.Path, full: full, prev: prev, created: created})
	if err != nil {
		return Failed, err
	}
	if prev.Exists {
		if err := e.saveHistory(spec.Path, prev); err != nil {
			return Failed, err
		}
	}
	// The in-step failpoint of a file write (test builds only) fires
	// inside WriteFileAtomic, before its rename.
	disarm := armFile(e.cur, full)
	_, err = fsutil.EnsureFile(full, data, mode, uid, gid)
	disarm()
	if err != nil {
		return Failed, err
	}
	return Done, nil
}

// removeLeftovers removes the temporary files (".NAME.posse-*", see
// fsutil.WriteFileAtomic) that an interrupted apply may have left next to
// full: a process killed between writing one and renaming it over the
// target leaves it behind. Only after an interrupted apply, under the apply
// lock, so that no running write's temporary file is touched.
func (e *engine) removeLeftovers(path, full string) {
	base := filepath.Base(full)
	if !e.afterCrash || strings.ContainsAny(base, `*?[\`) {
		return
	}
	found, _ := filepath.Glob(filepath.Join(filepath.Dir(full), "."+base+".posse-*"))
	for _, f := range found {
		if fi, err := os.Lstat(f); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if os.Remove(f) == nil {
			e.result.Warnings = append(e.result.Warnings, fmt.Sprintf("removed %s, a temporary file the interrupted apply left next to %s", filepath.Join(filepath.Dir(path), filepath.Base(f)), path))
		}
	}
}

// dir runs a directory step.
func (e *engine) dir(t *txn, s plan.Step) (Status, error) {
	var spec plan.DirSpec
	if err := s.DecodeSpec(&spec); err != nil {
		return Failed, fmt.Errorf("bad dir step: %w", err)
	}
	if err := plan.CleanPath(spec.Path); err != nil {
		return Failed, err
	}
	if spec.Path != s.Target {
		return Failed, fmt.Errorf("dir step targets %s but its spec names %s; make the plan again", s.Target, spec.Path)
	}
	if s.Action == plan.Delete {
		return Failed, fmt.Errorf("deleting directories is not supported (%s); remove it by hand", spec.Path)
	}
	full, err := e.inside(spec.Path)
	if err != nil {
		return Failed, err
	}
	prev, err := fsutil.ReadState(full)
	if err != nil {
		return Failed, err
	}
	if prev.Exists && !prev.Dir {
		return Failed, fmt.Errorf("%s is a file, expected a directory; move it away and apply again", spec.Path)
	}
	mode := fsutil.FromUnix(spec.Mode)
	if spec.Mode == 0 {
		mode = plan.DefaultDirMode
		if prev.Exists {
			mode = prev.Mode
		}
	}
	uid, gid, err := e.owner(spec.Owner, spec.Group, prev)
	if err != nil {
		return Failed, fmt.Errorf("%s: %w", spec.Path, err)
	}
	created, err := fsutil.MkdirAll(filepath.Dir(full))
	t.files = append(t.files, fileUndo{path: spec.Path, full: full, prev: prev, created: created})
	if err != nil {
		return Failed, err
	}
	changed, err := fsutil.EnsureDir(full, mode, uid, gid)
	if err != nil {
		return Failed, err
	}
	if !changed {
		return Unchanged, nil
	}
	return Done, nil
}

// inside joins a box path to the root and, under --root DIR, refuses paths
// that a symbolic link leads out of DIR.
func (e *engine) inside(p string) (string, error) {
	full := e.env.Path(p)
	if root := e.env.Path("/"); root != "/" {
		if err := fsutil.CheckInside(root, full); err != nil {
			return "", err
		}
	}
	return full, nil
}

// owner resolves owner and group names under the root. Empty names, and
// all names offline, keep the current ids (the process's for a new file).
func (e *engine) owner(owner, group string, prev fsutil.State) (int, int, error) {
	uid, gid := fsutil.NoID, fsutil.NoID
	if prev.Exists {
		uid, gid = prev.UID, prev.GID
	}
	if e.env.Offline {
		return uid, gid, nil
	}
	u, g, err := fsutil.Owner(e.env.Path("/"), owner, group)
	if err != nil {
		return 0, 0, err
	}
	if u != fsutil.NoID {
		uid = u
	}
	if g != fsutil.NoID {
		gid = g
	}
	return uid, gid, nil
}

// historyEntry describes one saved previous version.
type historyEntry struct {
	Path string `json:"path"`
	Mode uint32 `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
}

// saveHistory keeps a replaced file's previous bytes, mode and owner under
// <state>/history/<apply-id>/files/<path> (0600, it may hold secrets) and
// lists it in manifest.jsonl there.
func (e *engine) saveHistory(path string, prev fsutil.State) error {
	if e.histDir == "" {
		e.histDir = e.env.State("history", e.result.ID)
		if err := os.MkdirAll(e.histDir, 0o700); err != nil {
			return fmt.Errorf("keep previous version of %s: %w", path, err)
		}
	}
	dst := filepath.Join(e.histDir, "files", filepath.Clean("/"+path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("keep previous version of %s: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(dst, prev.Data, 0o600, fsutil.NoID, fsutil.NoID); err != nil {
		return fmt.Errorf("keep previous version of %s: %w", path, err)
	}
	line, _ := json.Marshal(historyEntry{Path: path, Mode: fsutil.ToUnix(prev.Mode), UID: prev.UID, GID: prev.GID})
	f, err := os.OpenFile(filepath.Join(e.histDir, "manifest.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("keep previous version of %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("keep previous version of %s: %w", path, err)
	}
	return f.Sync()
}

// restore puts one file or directory back as it was.
func (u fileUndo) restore() (string, error) {
	cur, err := fsutil.ReadState(u.full)
	if err != nil {
		return "", err
	}
	switch {
	case u.prev.Dir:
		if !cur.Exists || !cur.Dir || cur.Mode != u.prev.Mode || cur.UID != u.prev.UID || cur.GID != u.prev.GID {
			if _, err := fsutil.EnsureDir(u.full, u.prev.Mode, u.prev.UID, u.prev.GID); err != nil {
				return "", err
			}
			return "restored directory " + u.path, nil
		}
		return "", nil
	case u.prev.Exists:
		if cur.Exists && cur.Dir {
			return "", fmt.Errorf("%s is now a directory; cannot restore the file", u.path)
		}
		if cur.Same(u.prev.Data, u.prev.Mode, u.prev.UID, u.prev.GID) {
			return "", nil
		}
		if _, err := fsutil.EnsureFile(u.full, u.prev.Data, u.prev.Mode, u.prev.UID, u.prev.GID); err != nil {
			return "", err
		}
		return "restored " + u.path, nil
	}
	// It did not exist: remove what was made, and the parents this apply made.
	msg := ""
	if cur.Exists {
		var err error
		if cur.Dir {
			err = os.Remove(u.full) // only if empty: never delete content
			msg = "removed directory " + u.path
		} else {
			err = os.Remove(u.full)
			msg = "removed " + u.path
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("remove %s: %w", u.path, err)
		}
		fsutil.SyncDir(filepath.Dir(u.full))
	}
	for i := len(u.created) - 1; i >= 0; i-- {
		if os.Remove(u.created[i]) != nil {
			break
		}
	}
	return msg, nil
}
