// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// fileVersion is one version of a file as the files service lists it.
type fileVersion struct {
	Share    string    `json:"share"`
	Path     string    `json:"path"`
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
	Modified time.Time `json:"modified"`
	Size     int64     `json:"size"`
	Folder   bool      `json:"folder"`
}

// versionRestored is what a restore of a version did.
type versionRestored struct {
	Share    string    `json:"share"`
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
	Path     string    `json:"path"`
	Files    int       `json:"files"`
	Bytes    int64     `json:"bytes"`
}

func printVersions(w io.Writer, list []fileVersion) error {
	if len(list) == 0 {
		fmt.Fprintln(w, "no snapshot holds it")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tTAKEN (LOCAL)\tMODIFIED (LOCAL)\tSIZE")
	for _, v := range list {
		size := bytesText(uint64(max(v.Size, 0)))
		if v.Folder {
			size = "folder"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Snapshot, v.Time.Local().Format("2006-01-02 15:04"), v.Modified.Local().Format("2006-01-02 15:04"), size)
	}
	return tw.Flush()
}

// parseAt reads --at: a snapshot's @GMT- name, RFC 3339, or a local date
// and time ("2006-01-02 15:04", the box's zone, which the site sets).
func parseAt(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("@GMT-2006.01.02-15.04.05", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			if layout == "2006-01-02" {
				t = t.Add(24*time.Hour - time.Second) // that day's last version
			}
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("15:04", s, now.Location()); err == nil {
		y, m, d := now.Date()
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, now.Location()), nil
	}
	return time.Time{}, fmt.Errorf("--at %q is not a time: give \"2006-01-02 15:04\" (local), \"15:04\" (today), RFC 3339, or a snapshot name from possectl snapshots list", s)
}

func snapshotsRestoreCmd() *cobra.Command {
	var asJSON, alongside bool
	var at string
	c := &cobra.Command{
		Use:   "restore SHARE PATH",
		Short: "Bring back a file or folder of a share as it was in a snapshot, in place or --alongside",
		Long: `Bring back a file or folder of a share as it was in the newest snapshot
taken at or before --at (default: the newest snapshot). In place, the
file is replaced and a folder is merged: its files from the snapshot
replace the current ones, files made since stay. With --alongside the
version is written next to it as "NAME (restored DATE).EXT" and nothing
is replaced. Owner, permissions (the NT ACL too) and times come back with
the files. PATH is relative to the share; possectl snapshots list SHARE
PATH shows the versions there are.

This goes through possed on the box (this one, or --host): members of
posse-office and posse-admin may, polkit decides. With --direct it runs in
this process, as root on the box.`,
		Example: `  possectl snapshots restore Office 'Budget/2026.xlsx' --at '2026-12-07 11:00'
  possectl snapshots restore anna.berg Letters --alongside`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			when, err := parseAt(at, time.Now())
			if err != nil {
				return err
			}
			var res versionRestored
			err = withVersions(c, func(b versionsBackend) error {
				r, err := b.RestoreVersion(c.Context(), args[0], args[1], when, alongside)
				res = fromAPIRestored(r)
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(c.OutOrStdout(), res)
			}
			fmt.Fprintf(c.OutOrStdout(), "restored %s of %s from the snapshot of %s: %d files, %s\n",
				res.Path, res.Share, res.Time.Local().Format("2006-01-02 15:04"), res.Files, bytesText(uint64(max(res.Bytes, 0))))
			return nil
		},
	}
	c.Flags().StringVar(&at, "at", "", "restore the version of the newest snapshot at or before `TIME` (\"2006-01-02 15:04\" local, \"15:04\" today, or a snapshot name)")
	c.Flags().BoolVar(&alongside, "alongside", false, "write the version next to the current one as \"NAME (restored DATE).EXT\" instead of replacing it")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was restored as JSON")
	return c
}
