// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/files"
)

// versionsSite is the applied site with snapshots, or why there are no
// versions to list.
func (b *Box) versionsSite() (*site.Site, error) {
	s, _, err := b.applied()
	if err != nil {
		return nil, err
	}
	if s.Snapshots == nil {
		return nil, mark(daemon.ErrNotAvailable, errors.New("this site takes no snapshots: add a snapshots section to the template and apply it (see docs/snapshots.md)"))
	}
	return s, nil
}

// Versions implements daemon.Backend with the files service's snapshots
// of the share.
func (b *Box) Versions(ctx context.Context, share, p string) ([]api.FileVersion, error) {
	s, err := b.versionsSite()
	if err != nil {
		return nil, err
	}
	env, closeEnv, err := b.realEnv(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer closeEnv()
	v, err := (&files.Service{}).ListSiteVersions(ctx, s, env, share, p)
	if err != nil {
		return nil, invalid(err)
	}
	list, _ := v.([]files.FileVersion)
	out := make([]api.FileVersion, 0, len(list))
	for _, fv := range list {
		out = append(out, api.FileVersion{Snapshot: fv.Snapshot, Time: fv.Time.UTC().Format(time.RFC3339),
			Modified: fv.Modified.UTC().Format(time.RFC3339), Size: uint64(max(fv.Size, 0)), Folder: fv.Folder})
	}
	return out, nil
}

// RestoreVersion implements daemon.Backend with the files service's
// restore from a snapshot (which writes only inside the share).
func (b *Box) RestoreVersion(ctx context.Context, share, p string, at time.Time, alongside bool) (api.VersionRestored, error) {
	s, err := b.versionsSite()
	if err != nil {
		return api.VersionRestored{}, err
	}
	env, closeEnv, err := b.realEnv(ctx, nil)
	if err != nil {
		return api.VersionRestored{}, err
	}
	defer closeEnv()
	v, err := (&files.Service{}).RestoreSiteVersion(ctx, s, env, share, p, at, alongside)
	if err != nil {
		return api.VersionRestored{}, invalid(err)
	}
	r, ok := v.(files.VersionRestoreResult)
	if !ok {
		return api.VersionRestored{}, fmt.Errorf("the files service answered %T", v)
	}
	return api.VersionRestored{Share: r.Share, Snapshot: r.Snapshot, Time: r.Time.UTC().Format(time.RFC3339),
		Path: r.Path, Files: int32(r.Files), Bytes: uint64(max(r.Bytes, 0))}, nil
}
