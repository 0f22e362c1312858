// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a site template's structure and references (needs no secrets and no root)",
		Long: `Check a site template: structure, names, references between users, groups,
shares and aliases, paths and schedules. Every problem is reported at once as
FILE:LINE:COL: message. Secrets are not needed: they are checked by plan and apply.`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := loadSite(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: valid: site %q, %d users, %d groups, %d shares%s%s\n",
				args[0], s.Site.Name, len(s.Users), len(s.Groups), len(s.Shares),
				onOff(s.Mail != nil, ", mail"), onOff(s.Backup != nil, ", backup"))
			return nil
		},
	})
}

func onOff(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// loadSite loads and validates a template; problems come back as one error
// listing all of them.
func loadSite(path string) (*site.Site, error) {
	s, err := site.Load(path)
	if err != nil {
		return nil, problemsError(err, "fix the problems above and run 'possectl validate "+path+"' again")
	}
	return s, nil
}

// problemsError formats a list of problems for stderr with what to do next.
func problemsError(err error, next string) error {
	if ps, ok := err.(site.Problems); ok {
		n := len(ps)
		word := "problems"
		if n == 1 {
			word = "problem"
		}
		return fmt.Errorf("%d %s found:\n%v\n%s", n, word, ps, next)
	}
	return err
}
