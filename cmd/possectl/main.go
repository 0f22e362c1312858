// SPDX-License-Identifier: GPL-3.0-or-later

// Command possectl manages a Posse box from the command line: validate, plan
// and apply site templates, manage users, backups and sandboxes.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1 // invalid input or failed apply
	exitUsage   = 2
)

// usageError marks an error in how possectl was called.
type usageError struct{ error }

var rootCmd = &cobra.Command{
	Use:           "possectl",
	Short:         "Manage a Posse small-business server",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func init() {
	rootCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nrun '%s --help' for usage", err, c.CommandPath())}
	})
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes possectl with args and returns its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	rootCmd.SetArgs(args)
	rootCmd.SetOut(stdout)
	rootCmd.SetErr(stderr)
	err := rootCmd.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "possectl:", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitUsage
	}
	return exitInvalid
}

// isCobraUsage recognises cobra's own usage errors (unknown command or flag).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "required flag", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
