// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/backup"
	"github.com/posse-project/posse/services/files"
)

// shareConfig is the files service's view of the applied site: its shares
// and the home folders of its users (those created through possed too,
// when the directory answers).
func (b *Box) shareConfig(ctx context.Context, s *site.Site) (files.Config, error) {
	env, closeEnv, err := b.realEnv(ctx, nil)
	if err == nil {
		defer closeEnv()
		if cfg, _, err := files.DesiredConfig(ctx, s, env); err == nil {
			return cfg, nil
		}
	}
	return files.FromSite(s)
}

// restoreShare finds a share of the applied site, or a user's home folder
// by user name: its folder on the box comes from the site, never from the
// caller.
func (b *Box) restoreShare(ctx context.Context, s *site.Site, name string) (files.Share, error) {
	cfg, err := b.shareConfig(ctx, s)
	if err != nil {
		return files.Share{}, err
	}
	if sh, ok := cfg.FindShare(name); ok {
		return sh, nil
	}
	for _, h := range cfg.HomeUsers {
		if strings.EqualFold(h.User, name) {
			return files.Share{Name: h.User, Path: h.Path}, nil
		}
	}
	return files.Share{}, mark(daemon.ErrNotFound, fmt.Errorf("no share or home folder %q in the applied site", name))
}

// ShareSnapshots implements daemon.Backend: the backup's snapshots,
// oldest first, and the site's shares and home folders.
func (b *Box) ShareSnapshots(ctx context.Context) (api.ShareBackups, error) {
	s, _, err := b.applied()
	if err != nil {
		return api.ShareBackups{}, err
	}
	snaps, err := b.Snapshots(ctx)
	if err != nil {
		return api.ShareBackups{}, err
	}
	cfg, err := b.shareConfig(ctx, s)
	if err != nil {
		return api.ShareBackups{}, err
	}
	out := api.ShareBackups{Shares: []string{}, Homes: []string{}, Snapshots: []api.Snapshot{}}
	for _, sh := range cfg.Shares {
		out.Shares = append(out.Shares, sh.Name)
	}
	for _, h := range cfg.HomeUsers {
		out.Homes = append(out.Homes, h.User)
	}
	for _, sn := range snaps {
		out.Snapshots = append(out.Snapshots, api.Snapshot{ID: sn.ID, Time: sn.Time, Paths: []string{}, Tags: sn.Tags})
	}
	return out, nil
}

// BrowseShare implements daemon.Backend: the direct children of a folder
// of the share in the snapshot, with share-relative paths. The snapshot
// folder of the share is left out.
func (b *Box) BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error) {
	s, _, err := b.applied()
	if err != nil {
		return nil, err
	}
	r, _, err := b.restic()
	if err != nil {
		return nil, err
	}
	sh, err := b.restoreShare(ctx, s, share)
	if err != nil {
		return nil, err
	}
	rel := ""
	if dir != "" && dir != "/" {
		if rel, err = site.CleanSharePath(dir); err != nil {
			return nil, invalid(err)
		}
	}
	boxDir := path.Join(sh.Path, rel)
	_, nodes, err := r.Ls(ctx, snapshot, boxDir)
	if err != nil {
		return nil, err
	}
	out, found := []api.Entry{}, false
	for _, n := range nodes {
		if n.Path == boxDir {
			found = true
			continue
		}
		if path.Dir(n.Path) != boxDir || (rel == "" && n.Name == files.SnapshotDir) {
			continue
		}
		found = true
		out = append(out, api.Entry{Path: path.Join(rel, path.Base(n.Path)), Type: n.Type, Size: uint64(max(n.Size, 0)), ModTime: n.MTime.UTC().Format(time.RFC3339)})
	}
	if !found {
		where := "share " + sh.Name
		if rel != "" {
			where = fmt.Sprintf("folder %q of share %s", rel, sh.Name)
		}
		return nil, mark(daemon.ErrNotFound, fmt.Errorf("%s is not in backup %s", where, shortID(snapshot)))
	}
	return out, nil
}

// RestoreShareFiles implements daemon.Backend: restic restores the paths
// into a staging folder only root can enter, and the files service's
// snapshot restore copies them from there into the share (see
// files.RestoreVersion): without following a symbolic link on either
// side, keeping owner, mode, times and extended attributes (the Windows
// ACL in security.NTACL), in place or as "NAME (restored DATE).EXT".
func (b *Box) RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error) {
	s, _, err := b.applied()
	if err != nil {
		return api.ShareRestored{}, err
	}
	cfg, env, err := b.backupEnv()
	if err != nil {
		return api.ShareRestored{}, err
	}
	sh, err := b.restoreShare(ctx, s, share)
	if err != nil {
		return api.ShareRestored{}, err
	}
	out := api.ShareRestored{Share: sh.Name, Paths: []string{}}
	rels := make([]string, 0, len(paths))
	boxPaths := make([]string, 0, len(paths))
	for _, p := range paths {
		rel, err := site.CleanSharePath(p)
		if err != nil {
			return out, invalid(err)
		}
		rels = append(rels, rel)
		boxPaths = append(boxPaths, path.Join(sh.Path, rel))
	}
	staged, err := backup.Stage(ctx, env, cfg.Repository, snapshot, boxPaths)
	if err != nil {
		return out, err
	}
	defer staged.Close()
	out.Snapshot, out.Time = staged.Snapshot.ID, staged.Snapshot.Time.UTC().Format(time.RFC3339)
	loc := files.SiteLocation(s)
	from := []files.Snapshot{{Share: sh.Name, Name: staged.Snapshot.ShortID, Time: staged.Snapshot.Time, Path: path.Join(staged.Dir, sh.Path)}}
	for i, rel := range rels {
		if err := stagedHas(env, staged.Dir, boxPaths[i]); err != nil {
			return out, mark(daemon.ErrNotFound, fmt.Errorf("%s is not in the backup of %s: %w", rel, staged.Snapshot.Time.In(loc).Format("2006-01-02 15:04"), err))
		}
		r, err := files.RestoreVersion(env, sh, from, files.VersionRestore{Path: rel, Alongside: alongside}, loc)
		if err != nil {
			return out, invalid(err)
		}
		out.Paths = append(out.Paths, r.Path)
		out.Files += int32(r.Files)
		out.Bytes += uint64(max(r.Bytes, 0))
	}
	return out, nil
}

// stagedHas reports whether restic restored the box path p into the
// staging folder dir.
func stagedHas(env *host.Env, dir, p string) error {
	_, err := os.Lstat(env.Path(filepath.FromSlash(path.Join(dir, p))))
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("it was not there then")
	}
	return err
}

// shortID is a snapshot id as restic shows it.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
