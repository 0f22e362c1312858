// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"time"
)

// dnsResolver asks one DNS server, the old DC, with Go's own resolver.
type dnsResolver struct {
	r *net.Resolver
}

// NewResolver returns a Resolver that sends every query to the DNS server
// at addr (port 53), the old DC, whatever this box's resolv.conf says.
func NewResolver(addr string, timeout time.Duration) Resolver {
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	server := net.JoinHostPort(addr, "53")
	return dnsResolver{r: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: timeout}
			return d.DialContext(ctx, network, server)
		},
	}}
}

func (d dnsResolver) Check(ctx context.Context, domain, dcHost string) DNSFacts {
	var f DNSFacts
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	f.Domain, f.DomainErr = retry(ctx, func() ([]string, string) { return d.hosts(ctx, domain) })
	f.LDAP, f.LDAPErr = retry(ctx, func() ([]string, string) { return d.srv(ctx, "ldap", domain) })
	f.Kerberos, f.KerberosErr = retry(ctx, func() ([]string, string) { return d.srv(ctx, "kerberos", domain) })
	if dcHost != "" {
		f.DCHost, f.DCHostErr = retry(ctx, func() ([]string, string) { return d.hosts(ctx, dcHost) })
	} else {
		f.DCHostErr = "the DC sends no host name"
	}
	return f
}

// retry asks again, up to three times in all, while the DNS server does
// not answer: a busy old DC drops a query now and then.
func retry(ctx context.Context, lookup func() ([]string, string)) ([]string, string) {
	for i := 0; ; i++ {
		out, why := lookup()
		if why != msgTimeout || i == 2 || ctx.Err() != nil {
			return out, why
		}
	}
}

// msgTimeout is dnsMessage's words for a lookup that timed out.
const msgTimeout = "the DNS server did not answer"

func (d dnsResolver) hosts(ctx context.Context, name string) ([]string, string) {
	addrs, err := d.r.LookupHost(ctx, name)
	if err != nil {
		return nil, dnsMessage(err)
	}
	sort.Strings(addrs)
	return addrs, ""
}

func (d dnsResolver) srv(ctx context.Context, service, domain string) ([]string, string) {
	_, recs, err := d.r.LookupSRV(ctx, service, "tcp", domain)
	if err != nil {
		return nil, dnsMessage(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, strings.ToLower(strings.TrimSuffix(r.Target, ".")))
	}
	sort.Strings(out)
	return out, ""
}

// dnsMessage says why a lookup failed in words.
func dnsMessage(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return "no such record"
		case de.IsTimeout:
			return msgTimeout
		}
		return de.Err
	}
	return err.Error()
}
