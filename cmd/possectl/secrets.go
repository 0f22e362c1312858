// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// secretsCmd is the parent of the commands about a site's secrets file
// (secrets generate, …).
var secretsCmd = &cobra.Command{
	Use:   "secrets",
	Short: "Work with a site's secrets file",
	Args:  noArgs,
}

func init() { rootCmd.AddCommand(secretsCmd) }

// loadSecrets reads the secrets file (if given) and POSSE_SECRET_* variables.
func loadSecrets(path string) (*site.Store, error) {
	if path == "" {
		return site.EnvSecrets(), nil
	}
	return site.LoadSecrets(path)
}

// checkSecrets loads secrets and checks them against the site.
func checkSecrets(s *site.Site, path string) (*site.Store, error) {
	store, err := loadSecrets(path)
	if err != nil {
		return nil, err
	}
	if ps := site.CheckSecrets(s, store); len(ps) > 0 {
		return nil, problemsError(ps, secretsNext(ps, s.Source.File, path))
	}
	return store, nil
}

// secretsNext says what to do about CheckSecrets' problems: add the
// missing secrets, change the refused values, or both.
func secretsNext(ps site.Problems, template, secretsPath string) string {
	missing, weak := false, false
	for _, p := range ps {
		if site.IsSecretMissing(p) {
			missing = true
		} else {
			weak = true
		}
	}
	file := secretsPath
	if file == "" {
		file = "the secrets file (--secrets FILE, mode 0600)"
	}
	add := "add the missing secrets to " + file + " or set POSSE_SECRET_<NAME>"
	if secretsPath != "" {
		add += "; 'possectl secrets generate " + template + " --secrets " + secretsPath + "' makes the missing ones"
	}
	change := "change the refused values in " + file
	switch {
	case missing && weak:
		return add + ", and " + change
	case missing:
		return add
	}
	return change
}
