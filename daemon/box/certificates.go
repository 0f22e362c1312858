// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"path/filepath"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/ad"
)

// Certificates implements daemon.Backend: the certificates Posse manages
// (those the alerts watch) and when they end; none before a site is
// applied.
func (b *Box) Certificates(context.Context) ([]api.Certificate, error) {
	out := []api.Certificate{}
	s, _, err := b.applied()
	if err != nil {
		return out, nil
	}
	for _, c := range b.certs(s, b.env(nil)) {
		out = append(out, api.Certificate{Name: certName(c.Path), Path: c.Path, NotAfter: c.NotAfter.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

// certName says what a managed certificate is for.
func certName(path string) string {
	switch filepath.Base(path) {
	case ad.CACertFile:
		return "site CA"
	case ad.ServerCrtFile:
		return "directory (LDAPS)"
	}
	return "mail"
}
