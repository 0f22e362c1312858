// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/backup"
	"github.com/spf13/cobra"
)

// shareRestoreBackend is the part of possed's backend that restores files
// of the shares from the backup by share name: possed through its client,
// or with --direct the backend itself in this process (root on the box).
type shareRestoreBackend interface {
	ShareSnapshots(ctx context.Context) (api.ShareBackups, error)
	BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error)
	RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error)
}

var (
	_ shareRestoreBackend = (*client.Client)(nil)
	_ shareRestoreBackend = (*possed.Box)(nil)
)

// withShareRestore calls fn with possed's client, or with --direct with
// possed's backend in this process.
func withShareRestore(c *cobra.Command, fn func(shareRestoreBackend) error) error {
	return withPossedOrBox(c, "restore files from the backup", "see 'possectl backup share-snapshots'", fn)
}

// shareBackupsJSON is the --json form of backup share-snapshots.
type shareBackupsJSON struct {
	Snapshots []shareSnapshotJSON `json:"snapshots"`
	Shares    []string            `json:"shares"`
	Homes     []string            `json:"homes"`
}

type shareSnapshotJSON struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

func backupShareSnapshotsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "share-snapshots",
		Short: "List the backups files of the shares can be restored from, and the shares",
		Long: `List the backup snapshots (oldest first) and the shares and home folders
whose files browse-share and restore-files bring back. No box paths are
shown. Through possed: posse-office and posse-admin may (polkit action
org.posse.Posse1.restore).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withShareRestore(c, func(b shareRestoreBackend) error {
				r, err := b.ShareSnapshots(c.Context())
				if err != nil {
					return err
				}
				out := shareBackupsJSON{Snapshots: []shareSnapshotJSON{}, Shares: nonNilStrings(r.Shares), Homes: nonNilStrings(r.Homes)}
				for _, s := range r.Snapshots {
					t, _ := time.Parse(time.RFC3339, s.Time)
					out.Snapshots = append(out.Snapshots, shareSnapshotJSON{ID: s.ID, Time: t})
				}
				w := c.OutOrStdout()
				if asJSON {
					return printJSON(w, out)
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SNAPSHOT\tTIME")
				for _, s := range out.Snapshots {
					fmt.Fprintf(tw, "%s\t%s\n", shortID(s.ID), s.Time.Local().Format("2006-01-02 15:04"))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(w, "shares: %s\n", orDash(strings.Join(out.Shares, ", ")))
				fmt.Fprintf(w, "home folders: %s\n", orDash(strings.Join(out.Homes, ", ")))
				return nil
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the snapshots and shares as JSON")
	return c
}

func backupBrowseShareCmd() *cobra.Command {
	var asJSON bool
	snapshot := "latest"
	c := &cobra.Command{
		Use:   "browse-share SHARE [DIR]",
		Short: "List a folder of a share (or a user's home folder) in a backup",
		Long: `List the files and folders of DIR (a path inside the share, default its top)
in the backup --snapshot (default the latest). SHARE is a share's name or a
user's name for the home folder; paths are the share's, never the box's.
Through possed: posse-office and posse-admin may.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("%s needs a share and optionally a folder in it\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 2 && strings.Trim(args[1], `/\`) != "" {
				clean, err := site.CleanSharePath(args[1])
				if err != nil {
					return err
				}
				dir = clean
			}
			return withShareRestore(c, func(b shareRestoreBackend) error {
				es, err := b.BrowseShare(c.Context(), snapshot, args[0], dir)
				if err != nil {
					return err
				}
				list := make([]entryJSON, 0, len(es))
				for _, e := range es {
					t, _ := time.Parse(time.RFC3339, e.ModTime)
					list = append(list, entryJSON{Name: path.Base(e.Path), Type: e.Type, Path: e.Path, Size: e.Size, MTime: t})
				}
				out := c.OutOrStdout()
				if asJSON {
					return printJSON(out, list)
				}
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				for _, e := range list {
					name := e.Path
					if e.Type == "dir" {
						name += "/"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Type, backup.Bytes(int64(min(e.Size, math.MaxInt64))), e.MTime.Local().Format("2006-01-02 15:04"), name)
				}
				return tw.Flush()
			})
		},
	}
	c.Flags().StringVar(&snapshot, "snapshot", snapshot, `the backup to look into: "latest" or a snapshot ID (see share-snapshots)`)
	c.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	return c
}

// shareRestoredJSON is the --json form of backup restore-files.
type shareRestoredJSON struct {
	Share    string    `json:"share"`
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
	Paths    []string  `json:"paths"`
	Files    int       `json:"files"`
	Bytes    uint64    `json:"bytes"`
}

func backupRestoreFilesCmd() *cobra.Command {
	var asJSON, alongside bool
	snapshot := "latest"
	c := &cobra.Command{
		Use:   "restore-files SHARE PATH...",
		Short: "Restore files or folders of a share (or a home folder) from a backup",
		Long: `Bring files or folders of SHARE (a share's name, or a user's name for the
home folder) back from the backup --snapshot (default the latest). PATHs are
inside the share ("Budget/2026.xlsx"); ".." and paths outside it are
refused. In place (the default) the backup's version replaces the current
file, as Windows' Restore does, and a folder is merged; with --alongside it
goes next to it as "NAME (restored YYYY-MM-DD HH.MM).EXT". Owner,
permissions and the Windows ACL come back with the file, and nothing is
written outside the share. Through possed: posse-office and posse-admin may.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("%s needs a share and at least one path in it\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			var paths []string
			for _, p := range args[1:] {
				clean, err := site.CleanSharePath(p)
				if err != nil {
					return err
				}
				paths = append(paths, clean)
			}
			return withShareRestore(c, func(b shareRestoreBackend) error {
				r, err := b.RestoreShareFiles(c.Context(), snapshot, args[0], paths, alongside)
				if err != nil {
					return err
				}
				t, _ := time.Parse(time.RFC3339, r.Time)
				res := shareRestoredJSON{Share: r.Share, Snapshot: r.Snapshot, Time: t, Paths: nonNilStrings(r.Paths), Files: int(r.Files), Bytes: r.Bytes}
				out := c.OutOrStdout()
				if asJSON {
					return printJSON(out, res)
				}
				if len(res.Paths) == 0 {
					return errors.New("possed restored nothing")
				}
				when := res.Time.Local().Format("2006-01-02 15:04")
				for _, p := range res.Paths {
					fmt.Fprintf(out, "restored %s of %s from the backup of %s\n", p, res.Share, when)
				}
				fmt.Fprintf(out, "%d files, %s\n", res.Files, backup.Bytes(int64(min(res.Bytes, math.MaxInt64))))
				return nil
			})
		},
	}
	c.Flags().StringVar(&snapshot, "snapshot", snapshot, `the backup to restore from: "latest" or a snapshot ID (see share-snapshots)`)
	c.Flags().BoolVar(&alongside, "alongside", false, `keep the current file and put the restored one next to it as "NAME (restored DATE).EXT"`)
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

// nonNilStrings is l, or an empty list for JSON's [] instead of null.
func nonNilStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
