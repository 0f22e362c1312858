// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"runtime"

	"github.com/posse-project/posse/internal/version"
	"github.com/spf13/cobra"
)

func init() {
	rootCmd.Version = version.Version
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version of possectl",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "possectl %s (%s, %s/%s)\n", version.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
