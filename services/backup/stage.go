// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Staged is a snapshot's files restored into a staging directory that
// only root can enter, to be copied from there by the caller.
type Staged struct {
	Snapshot Snapshot
	// Dir is the staging directory as a box path: the snapshot's path P
	// is at Dir+P.
	Dir  string
	done func()
}

// Close removes the staging directory and releases the run lock.
func (s *Staged) Close() {
	if s.done != nil {
		s.done()
		s.done = nil
	}
}

// Stage restores paths (absolute box paths) of a snapshot ("latest" or an
// ID prefix) into a fresh staging directory below StateDir, holding the
// run lock until Close, so that no backup, check or prune runs meanwhile.
// restic keeps the files' owner, mode, times and extended attributes. A
// path the snapshot lacks is simply not there.
func Stage(ctx context.Context, env *host.Env, repo, snapshot string, paths []string) (*Staged, error) {
	if len(paths) == 0 {
		return nil, errors.New("name at least one path to restore")
	}
	for _, p := range paths {
		if err := plan.CleanPath(p); err != nil {
			return nil, err
		}
	}
	unlock, err := lockRuns(env)
	if err != nil {
		return nil, err
	}
	if err := checkPasswordFile(env); err != nil {
		unlock()
		return nil, err
	}
	r := NewRestic(env, repo)
	snap, err := r.Snapshot(ctx, snapshot)
	if err != nil {
		unlock()
		return nil, err
	}
	dir := path.Join(StateDir, "restore-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	staging := env.Path(filepath.FromSlash(dir))
	if err := os.MkdirAll(staging, 0o700); err != nil {
		unlock()
		return nil, err
	}
	st := &Staged{Snapshot: snap, Dir: dir, done: func() { os.RemoveAll(staging); unlock() }}
	if err := r.RestoreTo(ctx, snap.ID, staging, paths...); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
