// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Health probes Postfix and Dovecot for `possectl status`: the daemons, the
// queue, the relay, why mail was last deferred and a failed collection
// from the provider; a site without a mail
// section reports nothing.
func (s *Service) Health(ctx context.Context, st *site.Site, env *host.Env) (string, error) {
	if st.Mail == nil {
		return "", nil
	}
	c, err := NewConfig(st, env)
	if err != nil {
		return "", err
	}
	probe := &Service{Accounts: s.Accounts, Bind: s.Bind, Dial: s.Dial, ProbeTimeout: 15 * time.Second}
	r, err := probe.Probe(ctx, env, ProbeSpec{FQDN: c.FQDN, Domain: c.Domains[0], CAFile: c.CAFile(), BindDN: c.BindDN, Rspamd: c.DKIM})
	if err != nil {
		return "", err
	}
	daemons := "postfix and dovecot active, SMTP and IMAPS answer"
	if c.DKIM {
		daemons = "postfix, dovecot and rspamd active, SMTP, IMAPS and the DKIM milter answer"
	}
	out := fmt.Sprintf("%s; queue %d (%d deferred)", daemons, r.QueueSize, r.Deferred)
	if c.Relay != nil {
		out = fmt.Sprintf("%s; relay %s", out, c.Relay.Nexthop())
	}
	if why := deferReason(r.DeferReason, c.Relay != nil); why != "" {
		out += "; deferred: " + why
	}
	if len(c.Collect) > 0 && env.Units != nil {
		// A password changed at the provider fails every run after.
		if u, err := env.Units.Status(ctx, CollectService); err == nil && u.ActiveState == "failed" {
			out += "; collecting from the provider failed: see journalctl -u " + CollectService
		}
	}
	return out, nil
}

// deferReason says why mail waits: Postfix's delay_reason, and when the
// relay refused the login, that first.
func deferReason(reason string, relay bool) string {
	if relay && strings.Contains(reason, "SASL authentication failed") {
		return "relay refused login: " + reason
	}
	return reason
}
