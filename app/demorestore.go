// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// ShareSnapshots answers with the demo's nightly backups (oldest first,
// as possed lists them, without box paths), its shares and the home
// folders of its users.
func (d *Demo) ShareSnapshots(ctx context.Context) (api.ShareBackups, error) {
	snaps := demoSnapshots()
	out := api.ShareBackups{Shares: []string{}, Homes: []string{}, Snapshots: []api.Snapshot{}}
	for i := len(snaps) - 1; i >= 0; i-- {
		out.Snapshots = append(out.Snapshots, api.Snapshot{ID: snaps[i].ID, Time: snaps[i].Time, Paths: []string{}, Tags: snaps[i].Tags})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sh := range d.shares {
		out.Shares = append(out.Shares, sh.Name)
	}
	for _, u := range d.users {
		out.Homes = append(out.Homes, u.Username)
	}
	sort.Strings(out.Homes)
	return out, nil
}

// demoSharePath is the box folder of a demo share, "" for a home folder.
func (d *Demo) demoSharePath(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sh := range d.shares {
		if strings.EqualFold(sh.Name, name) {
			return sh.Path, true
		}
	}
	_, ok := d.users[strings.ToLower(name)]
	return "", ok
}

// BrowseShare lists a folder of a share from the demo's backup tree, with
// share-relative paths; home folders are empty.
func (d *Demo) BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error) {
	root, ok := d.demoSharePath(share)
	if !ok {
		return nil, notFound("share " + share)
	}
	dir = strings.Trim(dir, "/")
	if strings.Contains(dir, "..") {
		return nil, invalid("the folder %q goes up: give a folder inside the share", dir)
	}
	if root == "" {
		if dir != "" {
			return nil, notFound("folder " + dir)
		}
		return []api.Entry{}, nil
	}
	es, err := demoBrowse(path.Join(root, dir))
	if err != nil {
		return nil, err
	}
	out := make([]api.Entry, 0, len(es))
	for _, e := range es {
		e.Path = strings.TrimPrefix(e.Path, root+"/")
		out = append(out, e)
	}
	return out, nil
}

// RestoreShareFiles answers as possed does; the demo keeps no files.
func (d *Demo) RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error) {
	if _, ok := d.demoSharePath(share); !ok {
		return api.ShareRestored{}, notFound("share " + share)
	}
	if len(paths) == 0 {
		return api.ShareRestored{}, invalid("nothing to restore")
	}
	time.Sleep(10 * d.Step)
	snaps := demoSnapshots()
	snap := snaps[0]
	for _, s := range snaps {
		if strings.HasPrefix(s.ID, snapshot) {
			snap = s
		}
	}
	t, _ := time.Parse(time.RFC3339, snap.Time)
	out := api.ShareRestored{Share: share, Snapshot: snap.ID, Time: snap.Time, Paths: []string{}}
	for _, p := range paths {
		if strings.Contains(p, "..") || strings.HasPrefix(p, "/") {
			return api.ShareRestored{}, invalid("the path %q is not inside the share", p)
		}
		if alongside {
			ext := path.Ext(p)
			p = strings.TrimSuffix(p, ext) + " (restored " + t.Local().Format("2006-01-02 15.04") + ")" + ext
		}
		out.Paths = append(out.Paths, p)
		out.Files++
		out.Bytes += 48 << 10
	}
	return out, nil
}
