// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

func init() {
	var secretsPath string
	var asJSON bool
	c := &cobra.Command{
		Use:   "generate TEMPLATE --secrets FILE",
		Short: "Add a generated password for every secret the template needs and the secrets file lacks",
		Long: `Add a generated password to the secrets file for every secret the template
references that the file lacks: users' initial passwords meet the template's
password policy and do not contain the username, the domain administrator's
meets the policy, the backup password has 32 characters. Secrets already in
the file keep their values, and its comments and order are kept: the new
lines are added at its end. A missing file is created. The file is written
atomically with mode 0600 and must be yours and private already
(chmod 600). POSSE_SECRET_<NAME> variables are not looked at: the file gets
every secret.

Only the names of the secrets added are printed, never a value. Values in
the file that the policy refuses are reported as warnings and left alone:
delete such a line and run the command again for a new value.`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			if secretsPath == "" {
				return usageError{errors.New("possectl secrets generate needs --secrets FILE, the secrets file to add to (created if missing)\nrun 'possectl secrets generate --help' for usage")}
			}
			s, err := loadSite(args[0])
			if err != nil {
				return err
			}
			res, err := generateSecrets(s, secretsPath)
			if err != nil {
				return err
			}
			if asJSON {
				return printSafeJSON(c.OutOrStdout(), res)
			}
			for _, w := range res.Weak {
				fmt.Fprintf(c.ErrOrStderr(), "warning: %s\n", w.Message)
			}
			out := c.OutOrStdout()
			switch {
			case len(res.Added) == 0:
				fmt.Fprintf(out, "%s has every secret %s references (%d); nothing added\n", secretsPath, args[0], len(res.Kept))
			default:
				verb := "added"
				if res.Created {
					verb = "created " + secretsPath + " (mode 0600) with"
				} else {
					verb += " to " + secretsPath + ":"
				}
				fmt.Fprintf(out, "%s %d %s: %s\n", verb, len(res.Added), plural(len(res.Added), "secret", "secrets"), strings.Join(res.Added, ", "))
				if len(res.Kept) > 0 {
					fmt.Fprintf(out, "kept %d %s already in the file\n", len(res.Kept), plural(len(res.Kept), "secret", "secrets"))
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&secretsPath, "secrets", "", "the secrets `FILE` to add to (required; created 0600 if missing)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the names added and kept as JSON (never a value)")
	secretsCmd.AddCommand(c)
}

// generateResult is what secrets generate did; it holds names, never
// values.
type generateResult struct {
	SecretsFile string `json:"secrets_file"`
	// Created is true when the file did not exist.
	Created bool `json:"created"`
	// Added are the secrets generated, in template order.
	Added []string `json:"added"`
	// Kept are the secrets the template references that the file had.
	Kept []string `json:"kept"`
	// Weak are kept values the policy refuses.
	Weak []weakSecret `json:"weak"`
}

// weakSecret is a kept value the policy refuses, with why (never the value).
type weakSecret struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// generateSecrets adds the missing secrets of s to the file at path.
func generateSecrets(s *site.Site, path string) (*generateResult, error) {
	res := &generateResult{SecretsFile: path, Added: []string{}, Kept: []string{}, Weak: []weakSecret{}}
	old, err := readSecretsFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		res.Created = true
	case err != nil:
		return nil, err
	}
	have, probs := site.ParseSecrets(path, old)
	if len(probs) > 0 {
		return nil, problemsError(probs, "correct the secrets file and run the command again")
	}
	gen, err := site.GenerateMissingSecrets(s, func(name string) bool {
		_, ok := have.Lookup(name)
		return ok
	})
	if err != nil {
		return nil, err
	}
	for _, u := range s.SecretUses() {
		v, ok := have.Lookup(u.Name)
		if !ok {
			continue
		}
		res.Kept = append(res.Kept, u.Name)
		if err := u.Check(v); err != nil {
			res.Weak = append(res.Weak, weakSecret{Name: u.Name, Message: fmt.Sprintf(
				"secret %q in %s is kept, but the policy refuses it: %v; delete its line and run the command again for a new value", u.Name, path, err)})
		}
	}
	if len(gen) == 0 {
		return res, nil
	}
	data := appendSecrets(old, gen, filepath.Base(s.Source.File))
	// The file must still read back, with every value it had and the new
	// ones (a file in flow style, {a: "x"}, cannot be added to).
	after, probs := site.ParseSecrets(path, data)
	if len(probs) > 0 || after.Len() != have.Len()+len(gen) {
		return nil, fmt.Errorf("cannot add to %s: write it as one \"name: value\" line per secret, then run the command again", path)
	}
	if err := fsutil.WriteFileAtomic(path, data, fsutil.PrivateMode, fsutil.NoID, fsutil.NoID); err != nil {
		return nil, err
	}
	for _, g := range gen {
		res.Added = append(res.Added, g.Name)
	}
	return res, nil
}

// readSecretsFile reads an existing secrets file after the checks of
// site.LoadSecrets (a regular file of yours with mode 0600, not a
// symbolic link): it is about to get more secrets. A missing file is
// fs.ErrNotExist.
func readSecretsFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		// Writing would replace the link, not the file it points at.
		return nil, fmt.Errorf("secrets file %s is a symbolic link: give the path of the file itself", path)
	}
	if _, err := site.LoadSecrets(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, site.MaxTemplateSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	}
	return data, nil
}

// appendSecrets adds the generated secrets to the file's bytes as lines at
// its end, after a comment; a new file gets a header first.
func appendSecrets(old []byte, gen []site.GeneratedSecret, template string) []byte {
	var b bytes.Buffer
	if len(bytes.TrimSpace(old)) == 0 {
		fmt.Fprintf(&b, "# Secrets for %s. Only its owner may read it: keep it at mode 0600,\n# and out of version control and mail.\n", commentSafe(template))
	} else {
		b.Write(old)
		if !bytes.HasSuffix(old, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "# Generated by possectl secrets generate for %s:\n", commentSafe(template))
	b.Write(site.FormatSecrets(gen))
	return b.Bytes()
}

// commentSafe keeps a name on its comment line.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if site.HasControl(string(r)) {
			return ' '
		}
		return r
	}, s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
