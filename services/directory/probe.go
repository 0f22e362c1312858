// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
)

// probeStep is the health probe step; its spec says how to reach the DC.
func probeStep(c ad.ConnSpec) plan.Step {
	return plan.NewStep(Name, plan.Run, plan.KindProbe, Unit, "samba-ad-dc active, LDAPS bind, DNS and kinit work", c)
}

// Probe checks the domain controller: samba-ad-dc is active, an LDAPS bind
// as the admin works, the DC's DNS answers for the realm (the _ldap._tcp SRV
// record and the DC's A record, asked of 127.0.0.1:53), and kinit gets a
// ticket for the admin (password on stdin, a temporary credential cache
// destroyed afterwards). It retries for up to 30 seconds while the DC starts.
func Probe(ctx context.Context, env *host.Env, c ad.ConnSpec) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	for {
		if err = probeOnce(ctx, env, c); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("health probe: %w", err)
		case <-time.After(time.Second):
		}
	}
}

func probeOnce(ctx context.Context, env *host.Env, c ad.ConnSpec) error {
	st, err := env.Units.Status(ctx, Unit)
	if err != nil {
		return fmt.Errorf("reading the state of %s: %w", Unit, err)
	}
	if st.ActiveState != "active" {
		return fmt.Errorf("%s is %s: see journalctl -u %s", Unit, st.ActiveState, Unit)
	}
	d, err := ad.OpenEnv(ctx, env, c)
	if err != nil {
		return err
	}
	d.Close()
	if err := probeDNS(ctx, "127.0.0.1:53", c); err != nil {
		return err
	}
	return probeKinit(ctx, env, c)
}

// probeDNS asks the DC's own DNS server for the realm's LDAP SRV record and
// the DC's address.
func probeDNS(ctx context.Context, server string, c ad.ConnSpec) error {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	domain := ad.DNSDomain(c.Realm)
	_, srvs, err := r.LookupSRV(ctx, "ldap", "tcp", domain)
	if err != nil || len(srvs) == 0 {
		return fmt.Errorf("the DC's DNS server has no _ldap._tcp.%s record: %v", domain, err)
	}
	if c.FQDN != "" {
		if addrs, err := r.LookupHost(ctx, c.FQDN); err != nil || len(addrs) == 0 {
			return fmt.Errorf("the DC's DNS server does not resolve %s: %v", c.FQDN, err)
		}
	}
	return nil
}

// probeKinit gets and destroys a Kerberos ticket for the admin.
func probeKinit(ctx context.Context, env *host.Env, c ad.ConnSpec) error {
	pw, ok := env.Secrets.Lookup(c.AdminSecret)
	if !ok {
		return fmt.Errorf("secret %s is missing", c.AdminSecret)
	}
	f, err := os.CreateTemp("", "posse-probe-krb5cc-*")
	if err != nil {
		return err
	}
	cc := f.Name()
	f.Close()
	defer os.Remove(cc)
	env2 := []string{"KRB5CCNAME=FILE:" + cc}
	princ := "Administrator@" + strings.ToUpper(c.Realm)
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"kinit", princ}, Stdin: []byte(pw + "\n"), Env: env2})
	if err != nil {
		return fmt.Errorf("kinit %s failed: %s", princ, scrub(res.Stderr))
	}
	_, _ = env.Runner.Run(ctx, host.Cmd{Argv: []string{"kdestroy"}, Env: env2})
	return nil
}

// connFromStep reads the probe step's spec.
func connFromStep(step plan.Step) (ad.ConnSpec, error) {
	var c ad.ConnSpec
	if len(step.Spec) == 0 {
		return c, errors.New("probe step without a spec: plan again")
	}
	return c, step.DecodeSpec(&c)
}
