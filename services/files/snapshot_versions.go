// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// FileVersion is one earlier version of a file or folder: the newest
// snapshot that holds it as it was then.
type FileVersion struct {
	Share    string    `json:"share"`
	Path     string    `json:"path"`
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
	// Modified and Size are the file's then (Size is 0 for a folder).
	Modified time.Time `json:"modified"`
	Size     int64     `json:"size"`
	Folder   bool      `json:"folder"`
}

// ListVersions returns the versions of a file or folder of the share in
// snaps (newest first), as Windows' Previous Versions tab shows them: one
// entry per change, the newest snapshot of each, newest first. Snapshots
// that do not hold the path are left out.
func ListVersions(env *host.Env, sh Share, snaps []Snapshot, p string) ([]FileVersion, error) {
	rel, err := CleanSharePath(p)
	if err != nil {
		return nil, err
	}
	root, err := os.Open(env.Path("/"))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	dir, name := path.Split(rel)
	out := []FileVersion{}
	for _, s := range snaps {
		d, err := fsutil.OpenDirBeneath(root, strings.TrimPrefix(path.Join(s.Path, dir), "/"))
		if err != nil {
			continue // not there then, or behind a link
		}
		st, ok, err := lstatAt(d, name)
		d.Close()
		if err != nil || !ok || st.isLink() {
			continue
		}
		v := FileVersion{Share: sh.Name, Path: rel, Snapshot: s.Name, Time: s.Time,
			Modified: time.Unix(st.Mtim.Unix()).UTC(), Folder: st.isDir()}
		if !v.Folder {
			v.Size = st.Size
		}
		if n := len(out); n > 0 && !v.Folder && out[n-1].Modified.Equal(v.Modified) && out[n-1].Size == v.Size {
			continue // unchanged since: the newer snapshot stands for it
		}
		out = append(out, v)
	}
	return out, nil
}

// snapshotLock serialises taking, pruning and restoring on a box: a
// restore never reads a snapshot the prune of a take is deleting, and two
// takes never prune at once. It waits for the holder until ctx ends; the
// kernel drops the lock when its process dies.
func snapshotLock(ctx context.Context, env *host.Env) (unlock func(), err error) {
	dir := env.State()
	if _, err := fsutil.MkdirAll(path.Dir(dir)); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	p := env.State("snapshots.lock")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", p, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", p, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("another snapshot take or restore is still running on this box: try again when it is done (%w)", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ListSiteVersions lists the versions of a file or folder of one share of
// st (see ListVersions) as a []FileVersion (typed any, see
// TakeSiteSnapshots).
func (s *Service) ListSiteVersions(ctx context.Context, st *site.Site, env *host.Env, share, p string) (any, error) {
	_, shares, err := siteSnapshotShares(ctx, st, env, share)
	if err != nil {
		return nil, err
	}
	if share == "" || len(shares) != 1 {
		return nil, errors.New("name the share that holds the file")
	}
	snaps, err := ListSnapshots(env, shares[0])
	if err != nil {
		return nil, err
	}
	return ListVersions(env, shares[0], snaps, p)
}

// RestoreSiteVersion restores a file or folder of one share of st from a
// snapshot (see RestoreVersion), holding the snapshot lock so that no
// prune deletes the snapshot meanwhile. The result is a
// VersionRestoreResult (typed any, see TakeSiteSnapshots).
// Its arguments are VersionRestore's fields, so that commands reach it
// without importing this package.
func (s *Service) RestoreSiteVersion(ctx context.Context, st *site.Site, env *host.Env, share, p string, at time.Time, alongside bool) (any, error) {
	r := VersionRestore{Path: p, At: at, Alongside: alongside}
	_, shares, err := siteSnapshotShares(ctx, st, env, share)
	if err != nil {
		return nil, err
	}
	if share == "" || len(shares) != 1 {
		return nil, errors.New("name the share that holds the file")
	}
	unlock, err := snapshotLock(ctx, env)
	if err != nil {
		return nil, err
	}
	defer unlock()
	snaps, err := ListSnapshots(env, shares[0])
	if err != nil {
		return nil, err
	}
	return RestoreVersion(env, shares[0], snaps, r, SiteLocation(st))
}
