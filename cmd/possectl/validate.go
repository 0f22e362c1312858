// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

func init() {
	var secretsPath string
	c := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a site template's structure and references (needs no secrets and no root)",
		Long: `Check a site template: structure, names, references between users, groups,
shares and aliases, paths and schedules. Every problem is reported at once as
FILE:LINE:COL: message.

With --secrets FILE the secrets are checked too, as plan and apply will:
every secret the template references must be in the file (or in a
POSSE_SECRET_<NAME> variable), the passwords must meet the template's
password policy and the backup password have at least 12 characters. A
missing secret whose name is close to one in the file gets "did you mean";
secrets in the file that the template does not use are warnings.`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := loadSite(args[0])
			if err != nil {
				return err
			}
			secrets := ""
			if secretsPath != "" {
				n, err := validateSecrets(c.ErrOrStderr(), s, args[0], secretsPath)
				if err != nil {
					return err
				}
				secrets = fmt.Sprintf(", %d secrets", n)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: valid: site %q, %d users, %d groups, %d shares%s%s%s\n",
				args[0], s.Site.Name, len(s.Users), len(s.Groups), len(s.Shares),
				onOff(s.Mail != nil, ", mail"), onOff(s.Backup != nil, ", backup"), secrets)
			return nil
		},
	}
	c.Flags().StringVar(&secretsPath, "secrets", "", "check the secrets in `FILE` (YAML map name → value, mode 0600) as well; POSSE_SECRET_<NAME> variables also count")
	rootCmd.AddCommand(c)
}

// validateSecrets checks the secrets file against the site, prints the
// unused secrets as warnings to w and returns how many secrets the site
// references.
func validateSecrets(w io.Writer, s *site.Site, template, path string) (int, error) {
	store, err := site.LoadSecrets(path)
	if err != nil {
		return 0, err
	}
	// LoadSecrets checked owner, mode and syntax; the bytes are read again
	// for the names' lines.
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("cannot read secrets file: %w", err)
	}
	problems, unused := site.CheckSecretsFile(s, store, path, data)
	for _, p := range unused {
		fmt.Fprintf(w, "warning: %v\n", p)
	}
	if len(problems) > 0 {
		return 0, problemsError(problems, secretsNext(problems, template, path))
	}
	return len(s.SecretUses()), nil
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
