// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Health probes Postfix and Dovecot for `possectl status`; a site without a
// mail section reports nothing.
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
	return fmt.Sprintf("%s; queue %d (%d deferred)", daemons, r.QueueSize, r.Deferred), nil
}
