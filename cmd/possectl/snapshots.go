// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

func init() {
	c := &cobra.Command{
		Use:   "snapshots",
		Short: "Take and list the read-only snapshots of the shares (Windows Previous Versions)",
		Long: `Take, list and restore from the btrfs snapshots of the shares of the site applied to this
box, which Windows shows in a file's or folder's Previous Versions tab.
The site's snapshots section says when posse-snapshots.timer takes them
and how many stay; see docs/snapshots.md.

take and list [SHARE] run in this process as root on the box. The versions
of a file (list SHARE PATH) and restore go through possed (this box or
--host) for members of posse-office and posse-admin, or with --direct in
this process as root.`,
	}
	c.AddCommand(snapshotsTakeCmd(), snapshotsListCmd(), snapshotsRestoreCmd())
	rootCmd.AddCommand(c)
}

// snapshotService is what the files service offers for snapshots; its
// results are JSON-encodable values read here through their JSON form, so
// that this command needs no import of the service.
type snapshotService interface {
	TakeSiteSnapshots(ctx context.Context, st *site.Site, env *host.Env, share string, now time.Time) (any, error)
	ListSiteSnapshots(ctx context.Context, st *site.Site, env *host.Env, share string) (any, error)
}

// shareSnapshot is one snapshot as the files service reports it.
type shareSnapshot struct {
	Share string    `json:"share"`
	Name  string    `json:"name"`
	Time  time.Time `json:"time"`
	Path  string    `json:"path"`
}

// takeResult is what a take did.
type takeResult struct {
	Taken          []shareSnapshot `json:"taken"`
	Pruned         []shareSnapshot `json:"pruned"`
	PrunedForSpace []shareSnapshot `json:"pruned_for_space,omitempty"`
	Warning        string          `json:"warning,omitempty"`
}

// snapshotsBox loads the applied site and the box's environment and finds
// the files service.
func snapshotsBox(ctx context.Context) (*site.Site, *host.Env, snapshotService, func(), error) {
	s, svc, env, cleanup, err := appliedService[snapshotService](ctx, "snapshots need root on the box: run with sudo", func(s *site.Site) error {
		if s.Snapshots == nil {
			return errors.New("the applied site has no snapshots section: add one to the template and apply it (see docs/snapshots.md)")
		}
		return nil
	}, "no service takes snapshots in this build")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return s, env, svc, cleanup, nil
}

// reJSON reads v (a service's result) into out through its JSON form.
func reJSON(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func snapshotsTakeCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "take [SHARE]",
		Short: "Take a snapshot of every share with snapshots (or of SHARE) now, then prune by the keep rules",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, env, svc, cleanup, err := snapshotsBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			share := ""
			if len(args) == 1 {
				share = args[0]
			}
			v, takeErr := svc.TakeSiteSnapshots(c.Context(), s, env, share, time.Now())
			var res takeResult
			if v != nil {
				if err := reJSON(v, &res); err != nil {
					return err
				}
			}
			if res.Taken == nil {
				res.Taken = []shareSnapshot{}
			}
			if res.Pruned == nil {
				res.Pruned = []shareSnapshot{}
			}
			out := c.OutOrStdout()
			if asJSON {
				if err := printJSON(out, res); err != nil {
					return err
				}
				return takeErr
			}
			for _, t := range res.Taken {
				fmt.Fprintf(out, "took %s of %s (%s)\n", t.Name, t.Share, t.Time.Local().Format("2006-01-02 15:04:05 MST"))
			}
			for _, p := range res.Pruned {
				fmt.Fprintf(out, "pruned %s of %s\n", p.Name, p.Share)
			}
			for _, p := range res.PrunedForSpace {
				fmt.Fprintf(out, "pruned %s of %s to make room on the disk\n", p.Name, p.Share)
			}
			if res.Warning != "" {
				fmt.Fprintf(c.ErrOrStderr(), "possectl: warning: %s\n", res.Warning)
			}
			if len(res.Taken) == 0 && takeErr == nil {
				fmt.Fprintln(out, "no new snapshot: one was taken this second already")
			}
			return takeErr
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print what was taken and pruned as JSON")
	return c
}

func snapshotsListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [SHARE [PATH]]",
		Short: "List the snapshots of every share with snapshots (or of SHARE), or the versions of a file or folder, newest first",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 2 {
				var list []fileVersion
				err := withVersions(c, func(b versionsBackend) error {
					v, err := b.Versions(c.Context(), args[0], args[1])
					list = fromAPIVersions(args[0], args[1], v)
					return err
				})
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(c.OutOrStdout(), list)
				}
				return printVersions(c.OutOrStdout(), list)
			}
			s, env, svc, cleanup, err := snapshotsBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			share := ""
			if len(args) == 1 {
				share = args[0]
			}
			v, err := svc.ListSiteSnapshots(c.Context(), s, env, share)
			if err != nil {
				return err
			}
			list := []shareSnapshot{}
			if err := reJSON(v, &list); err != nil {
				return err
			}
			if asJSON {
				return printJSON(c.OutOrStdout(), list)
			}
			return printSnapshots(c.OutOrStdout(), list)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the snapshots as JSON")
	return c
}

func printSnapshots(w io.Writer, list []shareSnapshot) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tSNAPSHOT\tLOCAL TIME")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Share, s.Name, s.Time.Local().Format("2006-01-02 15:04:05 MST"))
	}
	return tw.Flush()
}
