// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/posse-project/posse/sandbox"
	"github.com/spf13/cobra"
)

func init() {
	var opts sandbox.RehearseOptions
	var secrets string
	c := &cobra.Command{
		Use:   "rehearse FILE --secrets F",
		Short: "Try a site template in a fresh sandbox box and report",
		Long: `Boot a fresh sandbox box, apply the site template FILE inside it, run every
service's health probe and print a report (pass or fail per service, with
timings), then bring the box down again; --keep keeps it for inspection.
Nothing on this host changes. Needs root. Exit code 0 only if everything
passed.`,
		Args: exactArgs(1, "a site template FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := sandbox.CheckRelease(opts.Release); err != nil {
				return usageError{err}
			}
			if secrets == "" {
				return usageError{errors.New("--secrets is required: name the secrets file of the site")}
			}
			for _, f := range []string{args[0], secrets} {
				if _, err := os.Stat(f); err != nil {
					return err
				}
			}
			// Ctrl-C still brings the box down.
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			opts.Progress = c.ErrOrStderr()
			opts.Output = c.OutOrStdout()
			r, err := sandbox.Rehearse(ctx, args[0], secrets, opts)
			if r != nil {
				r.Write(c.OutOrStdout())
			}
			if err != nil {
				return err
			}
			if !r.Passed() {
				return errors.New("the rehearsal failed; see the report above")
			}
			return nil
		},
	}
	c.Flags().StringVar(&secrets, "secrets", "", "secrets file of the site (required)")
	c.Flags().BoolVar(&opts.Keep, "keep", false, "keep the box running after the rehearsal")
	c.Flags().StringVar(&opts.Release, "release", sandbox.DefaultRelease, "Debian release of the box: "+strings.Join(sandbox.Releases, " or "))
	c.Flags().StringVar(&opts.BinDir, "bin", "", "directory of the Posse binaries to mount in the box (default $POSSE_BIN, else possectl's own)")
	rootCmd.AddCommand(c)
}
