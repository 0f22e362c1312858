// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"strings"
)

// header starts every file Posse owns.
const header = "# Managed by Posse: changes here are overwritten by the next apply.\n"

// RenderMainCf renders a complete Postfix main.cf: virtual mailboxes for the
// mail domains delivered to Dovecot over LMTP, recipients and aliases from
// the directory, site aliases from a texthash table, unknown recipients
// rejected at RCPT time, relaying only for authenticated clients, SASL
// through Dovecot, the site certificate, and with c.Relay every outgoing
// message through the relay over TLS.
//
// No network is trusted (mynetworks is empty and no restriction permits
// by it): a connection from the box itself, such as a user's SSH port
// forward to 127.0.0.1:25, is an unauthenticated client like any other.
// Programs on the box submit with sendmail, which goes through pickup,
// not smtpd, and is not subject to smtpd's restrictions.
func RenderMainCf(c Config) string {
	var b strings.Builder
	b.WriteString(header)
	kv := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, v) }
	kv("compatibility_level", "3.6")
	kv("myhostname", c.FQDN)
	kv("mydomain", c.Domain)
	kv("myorigin", "$mydomain")
	kv("mydestination", "localhost")
	kv("mynetworks", "")
	kv("inet_interfaces", "all")
	kv("inet_protocols", "all")
	kv("biff", "no")
	kv("append_dot_mydomain", "no")
	kv("readme_directory", "no")
	kv("alias_maps", "")
	kv("alias_database", "")
	kv("mailbox_size_limit", "0")
	kv("message_size_limit", "52428800")
	kv("smtputf8_enable", "no")
	b.WriteString("\n# Mailboxes: Dovecot over LMTP; recipients and aliases from the directory.\n")
	kv("virtual_mailbox_domains", strings.Join(c.Domains, ", "))
	kv("virtual_transport", "lmtp:unix:private/dovecot-lmtp")
	kv("virtual_mailbox_maps", "ldap:"+LDAPMailboxesPath)
	kv("virtual_alias_maps", "texthash:"+AliasesPath+", ldap:"+LDAPAliasesPath)
	b.WriteString("\n# Who may send as whom on submission: users as themselves, alias\n# members as the alias.\n")
	kv("smtpd_sender_login_maps", "texthash:"+AliasesPath+", ldap:"+LDAPSendersPath)
	b.WriteString("\n# Not an open relay, not even for the box itself (mynetworks is empty);\n# unknown recipients are rejected at RCPT time.\n")
	kv("smtpd_helo_required", "yes")
	kv("disable_vrfy_command", "yes")
	kv("smtpd_reject_unlisted_recipient", "yes")
	kv("smtpd_relay_restrictions", "permit_sasl_authenticated, reject_unauth_destination")
	rcpt := "reject_non_fqdn_recipient, reject_unlisted_recipient, "
	if c.QuotaMB > 0 {
		rcpt += "check_policy_service unix:private/quota-status, "
	}
	rcpt += "permit_sasl_authenticated, reject_unauth_destination"
	kv("smtpd_recipient_restrictions", rcpt)
	b.WriteString("\n# Authentication through Dovecot, only over TLS (enabled on submission).\n")
	kv("smtpd_sasl_type", "dovecot")
	kv("smtpd_sasl_path", "private/auth")
	kv("smtpd_sasl_auth_enable", "no")
	kv("smtpd_sasl_security_options", "noanonymous")
	kv("smtpd_tls_auth_only", "yes")
	b.WriteString("\n# TLS with the site certificate.\n")
	kv("smtpd_tls_cert_file", PostfixCertPath)
	kv("smtpd_tls_key_file", PostfixKeyPath)
	kv("smtpd_tls_security_level", "may")
	kv("smtpd_tls_protocols", ">=TLSv1.2")
	kv("smtpd_tls_mandatory_protocols", ">=TLSv1.2")
	kv("smtpd_tls_loglevel", "1")
	smtpTLS := "may"
	if c.Relay != nil {
		smtpTLS = "encrypt"
	}
	kv("smtp_tls_security_level", smtpTLS)
	kv("smtp_tls_CAfile", "/etc/ssl/certs/ca-certificates.crt")
	if c.Relay != nil {
		renderRelay(&b, kv, c.Relay)
	}
	if c.DKIM {
		b.WriteString("\n# Rspamd signs outgoing mail with DKIM; mail passes unsigned while it is down.\n")
		kv("smtpd_milters", "inet:"+RspamdMilterAddr)
		kv("non_smtpd_milters", "inet:"+RspamdMilterAddr)
		kv("milter_default_action", "accept")
		kv("milter_protocol", "6")
	}
	return b.String()
}

// masterServices is Debian's master.cf with every service outside the
// chroot (LDAP lookups need the site CA and the resolver), plus submission.
var masterServices = [][7]string{
	{"smtp", "inet", "n", "-", "n", "-", "-"},
	{"submission", "inet", "n", "-", "n", "-", "-"},
	{"pickup", "unix", "n", "-", "n", "60", "1"},
	{"cleanup", "unix", "n", "-", "n", "-", "0"},
	{"qmgr", "unix", "n", "-", "n", "300", "1"},
	{"tlsmgr", "unix", "-", "-", "n", "1000?", "1"},
	{"rewrite", "unix", "-", "-", "n", "-", "-"},
	{"bounce", "unix", "-", "-", "n", "-", "0"},
	{"defer", "unix", "-", "-", "n", "-", "0"},
	{"trace", "unix", "-", "-", "n", "-", "0"},
	{"verify", "unix", "-", "-", "n", "-", "1"},
	{"flush", "unix", "n", "-", "n", "1000?", "0"},
	{"proxymap", "unix", "-", "-", "n", "-", "-"},
	{"proxywrite", "unix", "-", "-", "n", "-", "1"},
	{"smtp", "unix", "-", "-", "n", "-", "-"},
	{"relay", "unix", "-", "-", "n", "-", "-"},
	{"showq", "unix", "n", "-", "n", "-", "-"},
	{"error", "unix", "-", "-", "n", "-", "-"},
	{"retry", "unix", "-", "-", "n", "-", "-"},
	{"discard", "unix", "-", "-", "n", "-", "-"},
	{"local", "unix", "-", "n", "n", "-", "-"},
	{"virtual", "unix", "-", "n", "n", "-", "-"},
	{"lmtp", "unix", "-", "-", "n", "-", "-"},
	{"anvil", "unix", "-", "-", "n", "-", "1"},
	{"scache", "unix", "-", "-", "n", "-", "1"},
	{"postlog", "unix-dgram", "n", "-", "n", "-", "1"},
}

// masterOptions are the -o overrides per service name and type.
var masterOptions = map[string][]string{
	"submission inet": {
		"syslog_name=postfix/submission",
		"smtpd_tls_security_level=encrypt",
		"smtpd_sasl_auth_enable=yes",
		"smtpd_tls_auth_only=yes",
		"smtpd_client_restrictions=permit_sasl_authenticated,reject",
		"smtpd_sender_restrictions=reject_sender_login_mismatch",
		"smtpd_relay_restrictions=permit_sasl_authenticated,reject",
		"smtpd_recipient_restrictions=reject_non_fqdn_recipient,permit_sasl_authenticated,reject",
		"milter_macro_daemon_name=ORIGINATING",
	},
	"relay unix": {"syslog_name=postfix/$service_name"},
}

// RenderMasterCf renders a complete Postfix master.cf. It depends on
// nothing in the site: the listeners are the same on every box.
func RenderMasterCf() string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("# service type  private unpriv  chroot  wakeup  maxproc command\n")
	for _, s := range masterServices {
		fmt.Fprintf(&b, "%-10s %-5s %-7s %-7s %-7s %-7s %-7s %s\n", s[0], s[1], s[2], s[3], s[4], s[5], s[6], command(s[0], s[1]))
		for _, o := range masterOptions[s[0]+" "+s[1]] {
			fmt.Fprintf(&b, "  -o %s\n", o)
		}
	}
	return b.String()
}

// command is the daemon of a master.cf service: the inet smtp and
// submission services run smtpd, the unix smtp and relay services the
// SMTP client.
func command(service, typ string) string {
	switch service {
	case "smtp", "submission":
		if typ == "inet" {
			return "smtpd"
		}
		return "smtp"
	case "relay":
		return "smtp"
	case "defer", "trace":
		return "bounce"
	case "retry":
		return "error"
	case "proxywrite":
		return "proxymap"
	case "rewrite":
		return "trivial-rewrite"
	case "postlog":
		return "postlogd"
	}
	return service
}

// LDAPMaps are the postfix-ldap lookup tables, by path.
type LDAPMaps map[string]string

// RenderLDAPMaps renders the postfix-ldap lookup tables: mailboxes (a
// user's mail attribute), aliases (a user's smtp: proxyAddresses,
// rewritten to the user's mail) and senders (who may use an address as
// sender on submission: the user owning it as mail or proxy address).
// Disabled accounts match none. The bind password stands as a placeholder
// that only the secret-file step replaces, on the box.
func RenderLDAPMaps(c Config) LDAPMaps {
	common := func(b *strings.Builder) {
		fmt.Fprintf(b, "server_host = %s\n", c.LDAPURI())
		b.WriteString("version = 3\n")
		b.WriteString("tls_require_cert = yes\n")
		fmt.Fprintf(b, "tls_ca_cert_file = %s\n", PostfixCAPath)
		b.WriteString("bind = yes\n")
		fmt.Fprintf(b, "bind_dn = %s\n", c.BindDN)
		fmt.Fprintf(b, "bind_pw = %s\n", passwordPlaceholder)
		fmt.Fprintf(b, "search_base = %s\n", c.SearchBase)
		b.WriteString("scope = sub\n")
		fmt.Fprintf(b, "domain = %s\n", strings.Join(c.Domains, ", "))
		b.WriteString("result_attribute = mail\n")
	}
	out := LDAPMaps{}
	for _, m := range []struct{ path, what, filter string }{
		{LDAPMailboxesPath, "virtual_mailbox_maps: directory users by their mail address", MailboxFilter},
		{LDAPAliasesPath, "virtual_alias_maps: a user's smtp: proxyAddresses deliver to their mail address", AliasFilter},
		{LDAPSendersPath, "smtpd_sender_login_maps: a user may send as their mail and proxy addresses", SenderFilter},
	} {
		var b strings.Builder
		b.WriteString(header)
		fmt.Fprintf(&b, "# Postfix %s.\n", m.what)
		common(&b)
		fmt.Fprintf(&b, "query_filter = %s\n", m.filter)
		out[m.path] = b.String()
	}
	return out
}

// Postfix query filters; %s is the address looked up, escaped by Postfix.
const (
	MailboxFilter = "(&(objectClass=user)(mail=%s)(!" + disabledFilter + "))"
	AliasFilter   = "(&(objectClass=user)(proxyAddresses=smtp:%s)(!" + disabledFilter + "))"
	SenderFilter  = "(&(objectClass=user)(|(mail=%s)(proxyAddresses=smtp:%s))(!" + disabledFilter + "))"
)

// RenderAliases renders the site aliases as a Postfix texthash table (read
// at process start, so a reload picks changes up and no postmap is needed):
// one "address target, target" line per alias, targets fully expanded;
// then the groups' addresses, each after a "# group NAME" line that
// Export reads back.
func RenderAliases(c Config) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("# Site aliases from the template (mail.aliases), fully expanded.\n")
	for _, a := range c.Aliases {
		fmt.Fprintf(&b, "%s %s\n", a.Address, strings.Join(a.Targets, ", "))
	}
	if len(c.Groups) > 0 {
		b.WriteString("\n# Group addresses (groups[].mail): every member with a mailbox.\n")
		for _, a := range c.Groups {
			fmt.Fprintf(&b, "%s%s\n%s %s\n", groupMarker, a.Group, a.Address, strings.Join(a.Targets, ", "))
		}
	}
	return b.String()
}

// groupMarker starts the comment line naming the group of the next line
// of the alias table.
const groupMarker = "# group "
