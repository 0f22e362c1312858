// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/posse-project/posse/services/backup"
)

func backupDrillCmd() *cobra.Command {
	var (
		sample    int
		snapshot  string
		scheduled bool
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "drill",
		Short: "Restore a random sample of files into a scratch folder and check they come back whole",
		Long: `Run a restore drill, in this process as root on the box: restore a random
sample of the files of the latest snapshot (or --snapshot) into a scratch
folder with restic restore --verify, check that each exists with the size
the snapshot recorded and (up to 32 MiB) the same checksum as restic dump
streams from the repository, then remove the scratch folder. Nothing
outside the scratch folder is written. The result is logged as a drill
record that backup status shows; a file that does not come back whole is
named, and the command exits non-zero.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := localOnly(c); err != nil {
				return err
			}
			if sample < 1 || sample > 10000 {
				return usageError{fmt.Errorf("--sample %d: give a number of files from 1 to 10000", sample)}
			}
			_, cfg, env, cleanup, err := backupBox(c.Context())
			if err != nil {
				return err
			}
			defer cleanup()
			opt := backup.DrillOptions{Snapshot: snapshot, Sample: sample, Scheduled: scheduled}
			if !asJSON {
				opt.Progress = func(s string) { fmt.Fprintln(c.ErrOrStderr(), s+" …") }
			}
			res, err := backup.Drill(c.Context(), env, cfg, opt)
			if asJSON {
				if perr := printJSON(c.OutOrStdout(), res); perr != nil {
					return perr
				}
			}
			if err != nil {
				return fmt.Errorf("restore drill failed: %w", err)
			}
			if !asJSON {
				fmt.Fprintf(c.OutOrStdout(), "restore drill of snapshot %s: %d of %d sampled files came back whole (%d files in the snapshot), %.1fs\n",
					shortID(res.Snapshot), res.Matched, res.Tried, res.Files, res.Seconds)
			}
			return nil
		},
	}
	c.Flags().IntVar(&sample, "sample", 20, "how many files to restore")
	c.Flags().StringVar(&snapshot, "snapshot", "latest", "the snapshot to restore from")
	c.Flags().BoolVar(&scheduled, "scheduled", false, "mark the run as started by the timer")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}
