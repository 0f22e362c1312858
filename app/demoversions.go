// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// demoVersionTimes are the demo's snapshots: the last three hours and
// yesterday evening, as the default keep rules leave them.
func (d *Demo) demoVersionTimes() []time.Time {
	now := d.Now().Truncate(time.Hour)
	y, m, day := now.AddDate(0, 0, -1).Date()
	return []time.Time{now, now.Add(-time.Hour), now.Add(-2 * time.Hour), time.Date(y, m, day, 18, 0, 0, 0, now.Location())}
}

// demoShare is the share (or a user's home folder) of that name.
func (d *Demo) demoShare(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sh := range d.shares {
		if strings.EqualFold(sh.Name, name) {
			return sh.Name, true
		}
	}
	if u, ok := d.users[strings.ToLower(name)]; ok {
		return u.Username, true
	}
	return "", false
}

// Versions lists four versions of every path of a share (the demo does
// not know files); a path with a dot is a file.
func (d *Demo) Versions(ctx context.Context, share, p string) ([]api.FileVersion, error) {
	name, ok := d.demoShare(share)
	if !ok {
		return nil, notFound("share " + share)
	}
	if p == "" || strings.Contains(p, "..") {
		return nil, invalid("the path %q of %s goes up or is empty: give a path inside the share", p, name)
	}
	folder := path.Ext(p) == ""
	var out []api.FileVersion
	for i, t := range d.demoVersionTimes() {
		v := api.FileVersion{Snapshot: t.UTC().Format("@GMT-2006.01.02-15.04.05"), Time: t.UTC().Format(time.RFC3339),
			Modified: t.Add(-time.Duration(17+i*9) * time.Minute).UTC().Format(time.RFC3339), Size: uint64(48<<10 + i*3<<10), Folder: folder}
		if folder {
			v.Size = 0
		}
		out = append(out, v)
	}
	return out, nil
}

// RestoreVersion answers as possed does for a version Versions lists; the
// demo keeps no files.
func (d *Demo) RestoreVersion(ctx context.Context, share, p string, at time.Time, alongside bool) (api.VersionRestored, error) {
	list, err := d.Versions(ctx, share, p)
	if err != nil {
		return api.VersionRestored{}, err
	}
	v := list[0]
	for _, c := range list {
		if t, _ := time.Parse(time.RFC3339, c.Time); at.IsZero() || !t.After(at) {
			v = c
			break
		}
	}
	out := p
	if alongside {
		t, _ := time.Parse(time.RFC3339, v.Time)
		ext := path.Ext(p)
		out = strings.TrimSuffix(p, ext) + " (restored " + t.Local().Format("2006-01-02 15.04") + ")" + ext
	}
	files := int32(1)
	if v.Folder {
		files = 23
	}
	return api.VersionRestored{Share: share, Snapshot: v.Snapshot, Time: v.Time, Path: out, Files: files, Bytes: v.Size + uint64(files-1)*40<<10}, nil
}
