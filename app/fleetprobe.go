// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"regexp"
	"time"

	"github.com/posse-project/posse/client/fleet"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

// newFleetProber is the prober of possectl fleet status (fleet.SSHProber):
// the same known_hosts, SSH agent and keys as the connect screen, and
// drift planned from each box's template and secrets as possectl reads
// them. It never prompts: no host key is accepted (a box whose key is
// unknown is reported, and opening it goes through the connect screen,
// which asks) and polkit asks for no password.
func newFleetProber() fleet.Prober {
	return fleet.SSHProber{ReadTemplate: readFleetTemplate}
}

var fleetSecretRef = regexp.MustCompile(`\$\{secret:([A-Za-z0-9_.-]+)\}`)

// readFleetTemplate reads a box's template, with the fragments it
// includes merged in as possed reads it, and the values of the secrets it
// references from its secrets file (mode 0600) or POSSE_SECRET_<NAME>;
// secrets found in neither are left to possed, which keeps them from the
// last apply. A template with problems is still returned when it could be
// read: possed names them.
func readFleetTemplate(file, secrets string) ([]byte, map[string]string, error) {
	_, raw, err := site.LoadFlat(file)
	if raw == nil {
		return nil, nil, err
	}
	store := site.EnvSecrets()
	if secrets != "" {
		if store, err = site.LoadSecrets(secrets); err != nil {
			return nil, nil, err
		}
	}
	out := map[string]string{}
	for _, m := range fleetSecretRef.FindAllSubmatch(raw, -1) {
		if v, ok := store.Lookup(string(m[1])); ok {
			out[string(m[1])] = v
		}
	}
	return raw, out, nil
}

// Updates implements fleet.Conn for the demo: nothing pending.
func (d *Demo) Updates(context.Context, bool) (api.Updates, error) {
	return api.Updates{Pending: []api.PendingUpdate{}}, nil
}

// Certificates implements fleet.Conn for the demo: the site CA and the
// LDAPS certificate.
func (d *Demo) Certificates(context.Context) ([]api.Certificate, error) {
	now := d.Now()
	return []api.Certificate{
		{Name: "site CA", Path: "/var/lib/posse/tls/ca.crt", NotAfter: now.AddDate(9, 0, 0).UTC().Format(time.RFC3339)},
		{Name: "directory (LDAPS)", Path: "/var/lib/posse/tls/server.crt", NotAfter: now.AddDate(0, 0, 300).UTC().Format(time.RFC3339)},
	}, nil
}
