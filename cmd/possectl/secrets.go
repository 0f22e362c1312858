// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"github.com/posse-project/posse/provisioning/site"
)

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
		return nil, problemsError(ps, "add the missing secrets to the secrets file (--secrets FILE, mode 0600) or set POSSE_SECRET_<NAME>")
	}
	return store, nil
}
