// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Export reads the mail part of a template back from the files Posse wrote
// on the box: the mail domains (main.cf), the mailbox quota (dovecot.conf,
// in either Dovecot format) and the site aliases (posse-aliases, with their
// targets as expanded addresses), DKIM (off without the milter in
// main.cf; else the selector of dkim_signing.conf), and the relay (main.cf's
// relayhost, the login from its password table, the password as
// ${secret:mail_relay}). Per-user aliases live in the directory
// and are exported with the users. It returns nil when the box has no
// Posse mail setup.
func Export(env *host.Env) (*site.Mail, error) {
	main, err := os.ReadFile(env.Path(MainCfPath))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(string(main), header) {
		return nil, nil
	}
	m := &site.Mail{}
	milter := false
	relay := map[string]string{}
	for _, l := range lines(string(main)) {
		if k, v, ok := strings.Cut(l, " = "); ok && (k == "relayhost" || k == "smtp_tls_wrappermode") {
			relay[k] = v
		}
		if k, _, ok := strings.Cut(l, " = "); ok && k == "smtpd_milters" {
			milter = true
		}
		if k, v, ok := strings.Cut(l, " = "); ok && k == "virtual_mailbox_domains" {
			for _, d := range strings.Split(v, ",") {
				if d = strings.TrimSpace(d); d != "" {
					if !site.ValidDomain(d) {
						return nil, fmt.Errorf("%s: mail domain %q is not a valid DNS name", MainCfPath, d)
					}
					m.Domains = append(m.Domains, d)
				}
			}
		}
	}
	if dc, err := os.ReadFile(env.Path(DovecotConfPath)); err == nil {
		if m.MailboxQuotaMB, err = exportQuota(string(dc)); err != nil {
			return nil, err
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	if m.DKIM, err = exportDKIM(env, milter); err != nil {
		return nil, err
	}
	if m.Relay, err = exportRelay(env, relay["relayhost"], relay["smtp_tls_wrappermode"] == "yes"); err != nil {
		return nil, err
	}
	al, err := os.ReadFile(env.Path(AliasesPath))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	aliases, _, err := parseAliases(string(al))
	if err != nil {
		return nil, err
	}
	m.Aliases = aliases
	return m, nil
}

// ExportGroupMail reads the groups' addresses back from the alias table:
// group name → address. It is empty when the box has no Posse mail setup.
func ExportGroupMail(env *host.Env) (map[string]string, error) {
	al, err := os.ReadFile(env.Path(AliasesPath))
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	_, groups, err := parseAliases(string(al))
	return groups, err
}

// parseAliases reads the alias table RenderAliases writes: the site
// aliases, and the groups' addresses (group name → address), each of
// which follows a "# group NAME" line.
func parseAliases(table string) ([]site.Alias, map[string]string, error) {
	var aliases []site.Alias
	groups := map[string]string{}
	group := ""
	sc := bufio.NewScanner(strings.NewReader(table))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if name, ok := strings.CutPrefix(l, groupMarker); ok {
			if !groupNameRE.MatchString(name) {
				return nil, nil, fmt.Errorf("%s: %q names no group", AliasesPath, l)
			}
			group = name
			continue
		}
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		addr, rest, ok := strings.Cut(l, " ")
		if !ok || checkAddress(addr) != nil {
			return nil, nil, fmt.Errorf("%s: line %q is not an alias", AliasesPath, l)
		}
		a := site.Alias{Address: addr}
		for _, t := range strings.Split(rest, ",") {
			t = strings.TrimSpace(t)
			if checkAddress(t) != nil {
				return nil, nil, fmt.Errorf("%s: alias %s has a bad target %q", AliasesPath, addr, t)
			}
			a.To = append(a.To, t)
		}
		if group != "" {
			groups[group], group = addr, ""
			continue
		}
		aliases = append(aliases, a)
	}
	return aliases, groups, sc.Err()
}

// exportDKIM reads the DKIM settings back: off when main.cf has no
// milter; else the selector in dkim_signing.conf (nil for the default).
func exportDKIM(env *host.Env, milter bool) (*site.DKIM, error) {
	if !milter {
		off := false
		return &site.DKIM{Enabled: &off}, nil
	}
	conf, err := os.ReadFile(env.Path(RspamdDKIMSigningPath))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, l := range lines(string(conf)) {
		v, ok := strings.CutPrefix(l, "selector = ")
		if !ok {
			continue
		}
		sel := strings.TrimSuffix(strings.Trim(strings.TrimSuffix(v, ";"), `"`), `"`)
		if !site.ValidDKIMSelector(sel) {
			return nil, fmt.Errorf("%s: selector %q is not one lower-case DNS label", RspamdDKIMSigningPath, sel)
		}
		if sel == site.DefaultDKIMSelector {
			return nil, nil
		}
		return &site.DKIM{Selector: sel}, nil
	}
	return nil, nil
}

// exportQuota reads the mailbox quota out of a dovecot.conf Posse wrote:
// "quota_rule = *:storage=<N>M" in the 2.3 format, "quota_storage_size =
// <N>M" in the 2.4 format; 0 (unlimited) when neither is there.
func exportQuota(conf string) (int, error) {
	quota := 0
	for _, l := range lines(conf) {
		v, ok := strings.CutPrefix(l, "quota_rule = *:storage=")
		if !ok {
			v, ok = strings.CutPrefix(l, "quota_storage_size = ")
		}
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(v, "M"))
		if err != nil || !strings.HasSuffix(v, "M") || n < 0 {
			return 0, fmt.Errorf("%s: quota %q is not in megabytes", DovecotConfPath, v)
		}
		quota = n
	}
	return quota, nil
}

// lines returns the non-blank, non-comment lines of a config file.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// ExportedRelaySecret names the relay password's secret in an export.
const ExportedRelaySecret = "mail_relay"

// exportRelay reads the relay back from main.cf's relayhost ("[host]:port";
// nil when there is none) and the login from its password table, never the
// password.
func exportRelay(env *host.Env, nexthop string, wrapper bool) (*site.Relay, error) {
	if nexthop == "" {
		return nil, nil
	}
	hp, ok := strings.CutPrefix(nexthop, "[")
	h, p, ok2 := strings.Cut(hp, "]:")
	port, err := strconv.Atoi(p)
	if !ok || !ok2 || err != nil || !site.ValidRelayHost(h) {
		return nil, fmt.Errorf("%s: relayhost %q is not [host]:port", MainCfPath, nexthop)
	}
	r := &site.Relay{Host: h, Port: port}
	if wrapper {
		r.TLS = site.RelayTLSImplicit
	} else {
		r.TLS = site.RelayTLSStartTLS
	}
	if r.RelayTLS() == (&site.Relay{Port: port}).RelayTLS() && (port == site.DefaultRelayPort || port == site.RelayImplicitPort) {
		r.TLS = ""
	}
	tbl, err := os.ReadFile(env.Path(RelayPasswordPath))
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	for _, l := range lines(string(tbl)) {
		key, val, _ := strings.Cut(l, " ")
		user, _, ok := strings.Cut(strings.TrimSpace(val), ":")
		if key != nexthop || !ok || !site.ValidRelayUsername(user) {
			return nil, fmt.Errorf("%s: a line is not \"%s username:password\"", RelayPasswordPath, nexthop)
		}
		r.Username, r.Password = user, site.NewSecretRef(ExportedRelaySecret)
	}
	return r, nil
}
