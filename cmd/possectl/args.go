// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// noArgs and exactArgs wrap cobra's checks so that wrong arguments are usage
// errors (exit code 2).
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q\nrun '%s --help' for usage", c.CommandPath(), args[0], c.CommandPath())}
	}
	return nil
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s needs %s\nrun '%s --help' for usage", c.CommandPath(), what, c.CommandPath())}
		}
		return nil
	}
}

// rangeArgs is exactArgs for min to max arguments.
func rangeArgs(min, max int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			return usageError{fmt.Errorf("%s needs %s\nrun '%s --help' for usage", c.CommandPath(), what, c.CommandPath())}
		}
		return nil
	}
}
