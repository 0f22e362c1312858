// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/spf13/cobra"
)

// versionsBackend is the part of possed's backend that lists and restores
// earlier versions of a share's files: possed through its client, or with
// --direct the backend itself in this process (root on the box).
type versionsBackend interface {
	Versions(ctx context.Context, share, path string) ([]api.FileVersion, error)
	RestoreVersion(ctx context.Context, share, path string, at time.Time, alongside bool) (api.VersionRestored, error)
}

var (
	_ versionsBackend = (*client.Client)(nil)
	_ versionsBackend = (*possed.Box)(nil)
)

// withVersions calls fn with possed's client, or with --direct with
// possed's backend in this process.
func withVersions(c *cobra.Command, fn func(versionsBackend) error) error {
	return withPossedOrBox(c, "restore earlier versions", "see 'possectl shares list'", fn)
}

// withPossedOrBox calls fn with possed's client, or with --direct with
// possed's backend in this process (root on the box); B is the part of the
// backend a command uses, which both implement (each command's file says
// so at compile time). what and next word possed's refusals of an office
// manager's action.
func withPossedOrBox[B any](c *cobra.Command, what, next string, fn func(B) error) error {
	isDirect, err := direct()
	if err != nil {
		return err
	}
	if !isDirect {
		cl, err := dial(c.Context())
		if err != nil {
			return err
		}
		defer cl.Close()
		return possedError(fn(any(cl).(B)), what, groupOffice, next)
	}
	b, closeBox, err := localBox("")
	if err != nil {
		return err
	}
	defer closeBox()
	return fn(any(b).(B))
}

// fromAPIVersions reads possed's list of versions of share's path.
func fromAPIVersions(share, path string, list []api.FileVersion) []fileVersion {
	out := make([]fileVersion, 0, len(list))
	for _, v := range list {
		t, _ := time.Parse(time.RFC3339, v.Time)
		m, _ := time.Parse(time.RFC3339, v.Modified)
		out = append(out, fileVersion{Share: share, Path: path, Snapshot: v.Snapshot, Time: t, Modified: m, Size: int64(min(v.Size, 1<<62)), Folder: v.Folder})
	}
	return out
}

// fromAPIRestored reads possed's answer to a restore.
func fromAPIRestored(r api.VersionRestored) versionRestored {
	t, _ := time.Parse(time.RFC3339, r.Time)
	return versionRestored{Share: r.Share, Snapshot: r.Snapshot, Time: t, Path: r.Path, Files: int(r.Files), Bytes: int64(min(r.Bytes, 1<<62))}
}
