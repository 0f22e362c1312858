// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"fmt"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Health probes the domain controller of the applied site for
// `possectl status`: samba-ad-dc active, LDAPS bind as the admin, DNS and
// Kerberos answering, and in a site with more than one domain controller
// the replication with the others (samba-tool drs showrepl).
func (s *Service) Health(ctx context.Context, st *site.Site, env *host.Env) (string, error) {
	in, err := newSiteInfo(st, env)
	if err != nil {
		return "", err
	}
	if err := Probe(ctx, env, in.conn); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("domain %s: samba-ad-dc active, LDAPS, DNS and Kerberos answer", in.realm)
	repl, err := replicationHealth(ctx, st, env)
	if err != nil {
		return "", err
	}
	if repl != "" {
		msg += "; " + repl
	}
	return msg, nil
}

// ConnFor says how to reach the domain controller of site st on this box
// as its admin (the password comes from env.Secrets).
func ConnFor(st *site.Site, env *host.Env) (ad.ConnSpec, error) {
	in, err := newSiteInfo(st, env)
	return in.conn, err
}

// replicationHealth checks the local DC's replication in a site with more
// than one domain controller; it returns "" for a site with one.
func replicationHealth(ctx context.Context, st *site.Site, env *host.Env) (string, error) {
	dcs := st.DCs()
	if len(dcs) < 2 {
		return "", nil
	}
	r, err := ad.ReadReplication(ctx, env, "")
	if err != nil {
		return "", err
	}
	if p := r.Problems(len(dcs) - 1); len(p) > 0 {
		return "", fmt.Errorf("replication: %s (possectl dc status shows every partner)", strings.Join(p, "; "))
	}
	var parts []string
	for _, l := range r.Inbound {
		parts = append(parts, strings.ToLower(l.Partner))
	}
	return "replicates from " + strings.Join(parts, ", "), nil
}
