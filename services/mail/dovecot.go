// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"

	"github.com/posse-project/posse/services/ad"
)

// DovecotDHFile is Debian's Diffie-Hellman parameter file for Dovecot.
const DovecotDHFile = "/usr/share/dovecot/dh.pem"

// RenderDovecotConf renders a complete dovecot.conf in the format of
// c.Dovecot (Debian's conf.d is not included, so nothing else adds a passdb
// or listener): IMAP on 143 with STARTTLS and 993, LMTP and SASL sockets in
// Postfix's spool, logins and users from the directory, Maildirs under
// /var/vmail owned by vmail, TLS required with the site certificate, and
// the quota plugin with a policy service for Postfix.
func RenderDovecotConf(c Config) string {
	if c.Dovecot == Dovecot23 {
		return renderDovecot23(c)
	}
	return renderDovecot24(c)
}

// RenderDovecotLDAP renders the file that holds the service account's
// password, in the format of c.Dovecot: in 2.3 all of Dovecot's LDAP
// settings (dovecot.conf names it as the passdb's and userdb's args), in
// 2.4 the account's DN password alone (dovecot.conf includes it).
func RenderDovecotLDAP(c Config) string {
	if c.Dovecot == Dovecot23 {
		return renderDovecot23LDAP(c)
	}
	return renderDovecot24LDAP(c)
}

// inboxNamespaceOpen is the INBOX namespace with the special-use folders,
// the same in Dovecot 2.3 and 2.4, up to the open Trash block (2.4 adds
// its quota allowance there).
const inboxNamespaceOpen = `namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
`

// renderDovecot23 renders dovecot.conf for Dovecot 2.3.
func renderDovecot23(c Config) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(`protocols = imap lmtp
listen = *, ::

# Mail as Maildir under /var/vmail/<domain>/<user>, owned by vmail.
mail_location = maildir:/var/vmail/%d/%n/Maildir
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 5000
mail_plugins = $mail_plugins quota
` + inboxNamespaceOpen + `  }
}

# TLS with the site certificate; no plaintext logins.
ssl = required
`)
	fmt.Fprintf(&b, "ssl_cert = <%s\n", DovecotCertPath)
	fmt.Fprintf(&b, "ssl_key = <%s\n", DovecotKeyPath)
	fmt.Fprintf(&b, "ssl_dh = <%s\n", DovecotDHFile)
	b.WriteString(`ssl_min_protocol = TLSv1.2
ssl_prefer_server_ciphers = yes
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_username_format = %Lu

# Logins and users from the directory (see posse-ldap.conf.ext).
passdb {
  driver = ldap
  args = ` + DovecotLDAPPath + `
}
userdb {
  driver = ldap
  args = ` + DovecotLDAPPath + `
}
`)
	b.WriteString(dovecotServices(c))
	b.WriteString(`
protocol lmtp {
  postmaster_address = postmaster@` + c.Domain + `
`)
	if c.Spam() {
		b.WriteString("  mail_plugins = $mail_plugins sieve\n}\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota imap_sieve\n}\n")
	} else {
		b.WriteString("  mail_plugins = $mail_plugins\n}\nprotocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n")
	}
	b.WriteString(`lmtp_rcpt_check_quota = yes

plugin {
  quota = maildir:User quota
`)
	if c.QuotaMB > 0 {
		fmt.Fprintf(&b, "  quota_rule = *:storage=%dM\n", c.QuotaMB)
		b.WriteString("  quota_rule2 = Trash:storage=+10%\n")
	}
	b.WriteString(`  quota_grace = 0%
  quota_status_success = DUNNO
  quota_status_nouser = DUNNO
  quota_status_overquota = "552 5.2.2 Mailbox is full"
`)
	if c.Spam() {
		b.WriteString(sieve23)
	}
	b.WriteString("}\n")
	return b.String()
}

// sieve23 are Dovecot 2.3's plugin settings of spam filing and learning
// (see spam.go): the global script before the user's in LMTP, and
// IMAPSieve scripts on moves into and out of Junk.
const sieve23 = `
  # Spam into Junk; moves into and out of Junk teach Rspamd (see spam.go).
  sieve_before = ` + SpamToJunkPath + `
  sieve_plugins = sieve_imapsieve sieve_extprograms
  sieve_global_extensions = +vnd.dovecot.pipe
  sieve_pipe_bin_dir = ` + SievePipeDir + `
  imapsieve_mailbox1_name = ` + JunkMailbox + `
  imapsieve_mailbox1_causes = COPY APPEND
  imapsieve_mailbox1_before = file:` + LearnSpamPath + `
  imapsieve_mailbox2_name = *
  imapsieve_mailbox2_from = ` + JunkMailbox + `
  imapsieve_mailbox2_causes = COPY
  imapsieve_mailbox2_before = file:` + LearnHamPath + `
`

// renderDovecot23LDAP renders Dovecot 2.3's LDAP settings: the service
// account finds a user by mail address or username (auth_bind then checks
// the password with a bind as that user), and the login becomes the user's
// mail address, so both spellings reach the same mailbox. The service
// account itself and disabled accounts never log in.
func renderDovecot23LDAP(c Config) string {
	var b strings.Builder
	b.WriteString(header)
	fmt.Fprintf(&b, "uris = %s\n", c.LDAPURI())
	b.WriteString("ldap_version = 3\n")
	fmt.Fprintf(&b, "tls_ca_cert_file = %s\n", DovecotCAPath)
	b.WriteString("tls_require_cert = demand\n")
	fmt.Fprintf(&b, "dn = %s\n", c.BindDN)
	fmt.Fprintf(&b, "dnpass = %s\n", passwordPlaceholder)
	b.WriteString("auth_bind = yes\n")
	fmt.Fprintf(&b, "base = %s\n", c.SearchBase)
	b.WriteString("scope = subtree\n")
	b.WriteString("deref = never\n")
	fmt.Fprintf(&b, "pass_filter = %s\n", PassFilter(Dovecot23))
	b.WriteString("pass_attrs = mail=user\n")
	fmt.Fprintf(&b, "user_filter = %s\n", UserFilter(Dovecot23))
	b.WriteString("user_attrs = =home=/var/vmail/%d/%n, =uid=vmail, =gid=vmail\n")
	fmt.Fprintf(&b, "iterate_filter = %s\n", IterateFilter())
	b.WriteString("iterate_attrs = mail=user\n")
	return b.String()
}

// PassFilter is Dovecot's login filter: a user with a mailbox, by mail
// address or username (the login name, %u in 2.3 and %{user} in 2.4, is
// escaped by Dovecot); the service account's name is a literal, escaped
// here.
func PassFilter(f DovecotFormat) string {
	u := userVar(f)
	return "(&(objectClass=user)(mail=*)(|(mail=" + u + ")(sAMAccountName=" + u + "))" + notService() + "(!" + disabledFilter + "))"
}

// UserFilter finds a mailbox owner by mail address (after login the user
// name is always the mail address; LMTP and quota-status pass it too).
func UserFilter(f DovecotFormat) string {
	return "(&(objectClass=user)(mail=" + userVar(f) + ")" + notService() + "(!" + disabledFilter + "))"
}

// IterateFilter lists every mailbox owner (doveadm user '*').
func IterateFilter() string {
	return "(&(objectClass=user)(mail=*)" + notService() + "(!" + disabledFilter + "))"
}

// userVar is Dovecot's variable for the user name.
func userVar(f DovecotFormat) string {
	if f == Dovecot23 {
		return "%u"
	}
	return "%{user}"
}

func notService() string {
	return "(!(sAMAccountName=" + ad.EscapeFilter(ServiceAccount) + "))"
}

// needsRestart reports whether replacing the box's dovecot.conf with conf
// changes what a reload does not apply: protocols, listen addresses,
// service blocks (listeners, sockets) and the config version (a file of
// another Dovecot format). A file Posse did not write always needs a
// restart.
func needsRestart(env *host.Env, conf string) bool {
	cur, err := os.ReadFile(env.Path(DovecotConfPath))
	if err != nil || !strings.HasPrefix(string(cur), header) {
		return true
	}
	return listenerSettings(string(cur)) != listenerSettings(conf)
}

// listenerSettings extracts the config version, the protocols and listen
// settings and every top-level service block of a dovecot.conf (2.3 or
// 2.4).
func listenerSettings(conf string) string {
	var b strings.Builder
	depth, inService := 0, false
	for _, l := range strings.Split(conf, "\n") {
		t := strings.TrimSpace(l)
		if depth == 0 && topSetting(t, "dovecot_config_version", "protocols", "listen") {
			b.WriteString(t + "\n")
		}
		if depth == 0 && strings.HasPrefix(t, "service ") {
			inService = true
		}
		if inService {
			b.WriteString(t + "\n")
		}
		depth += strings.Count(t, "{") - strings.Count(t, "}")
		if depth <= 0 {
			depth, inService = 0, false
		}
	}
	return b.String()
}

// topSetting reports whether line t sets one of names.
func topSetting(t string, names ...string) bool {
	for _, n := range names {
		if rest, ok := strings.CutPrefix(t, n); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "=")) {
			return true
		}
	}
	return false
}
