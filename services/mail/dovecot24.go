// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"strings"
)

// Dovecot 2.4's required version settings. 2.4.0 is the oldest 2.4 every
// 2.4.x accepts; a newer config version would change defaults (2.4.1:
// LMTP process reuse, header caching) without Posse asking for it.
const (
	dovecotConfigVersion  = "2.4.0"
	dovecotStorageVersion = "2.4.0"
)

// renderDovecot24 renders dovecot.conf for Dovecot 2.4: the same service as
// the 2.3 file, in 2.4's settings (dovecot_config_version first, %{user}
// variables, passdb and userdb ldap blocks, quota roots). The service
// account's password is in DovecotLDAPPath, which only root reads; this
// file, readable by everyone, includes it.
func renderDovecot24(c Config) string {
	var b strings.Builder
	b.WriteString(header)
	fmt.Fprintf(&b, "dovecot_config_version = %s\n", dovecotConfigVersion)
	fmt.Fprintf(&b, "dovecot_storage_version = %s\n", dovecotStorageVersion)
	b.WriteString(`protocols = imap lmtp
listen = *, ::

# Mail as Maildir under /var/vmail/<domain>/<user>, owned by vmail.
mail_driver = maildir
mail_path = /var/vmail/%{user | domain}/%{user | username}/Maildir
mailbox_list_layout = Maildir++
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 5000
mail_plugins {
  quota = yes
}
`)
	b.WriteString(inboxNamespaceOpen)
	if c.QuotaMB > 0 {
		b.WriteString("    quota_storage_percentage = 110\n")
	}
	b.WriteString(`  }
}

# TLS with the site certificate; no cleartext logins.
ssl = required
`)
	fmt.Fprintf(&b, "ssl_server_cert_file = %s\n", DovecotCertPath)
	fmt.Fprintf(&b, "ssl_server_key_file = %s\n", DovecotKeyPath)
	fmt.Fprintf(&b, "ssl_server_dh_file = %s\n", DovecotDHFile)
	b.WriteString(`ssl_min_protocol = TLSv1.2
ssl_server_prefer_ciphers = server
auth_allow_cleartext = no
auth_mechanisms = plain login
auth_username_format = %{user | lower}

# Logins and users from the directory over LDAPS, trusting only the site
# CA. The service account searches; a login is checked by binding as the
# user (passdb bind), and the login name becomes the user's mail address.
`)
	fmt.Fprintf(&b, "ldap_uris = %s\n", c.LDAPURI())
	fmt.Fprintf(&b, "ssl_client_ca_file = %s\n", DovecotCAPath)
	b.WriteString("ssl_client_require_valid_cert = yes\n")
	b.WriteString(`# Dovecot 2.4.1 and 2.4.2 set ssl_client_ca_file on an LDAP connection
# without giving it its own TLS context, so libldap would check the DC's
# certificate against ldap.conf's CAs; libldap's environment makes the site
# CA its default in Dovecot's processes.
import_environment {
`)
	fmt.Fprintf(&b, "  LDAPTLS_CACERT = %s\n", DovecotCAPath)
	b.WriteString("  LDAPTLS_REQCERT = demand\n}\n")
	fmt.Fprintf(&b, "ldap_auth_dn = %s\n", c.BindDN)
	b.WriteString("# The service account's password (ldap_auth_dn_password), readable by root only.\n")
	fmt.Fprintf(&b, "!include %s\n", DovecotLDAPPath)
	fmt.Fprintf(&b, "ldap_base = %s\n", c.SearchBase)
	b.WriteString("ldap_scope = subtree\n")
	b.WriteString("ldap_deref = never\n")
	b.WriteString("passdb ldap {\n  bind = yes\n")
	fmt.Fprintf(&b, "  filter = %s\n", PassFilter(Dovecot24))
	b.WriteString(`  fields {
    user = %{ldap:mail}
  }
}
userdb ldap {
`)
	fmt.Fprintf(&b, "  filter = %s\n", UserFilter(Dovecot24))
	b.WriteString(`  fields {
    home = /var/vmail/%{user | domain}/%{user | username}
    uid = vmail
    gid = vmail
  }
`)
	fmt.Fprintf(&b, "  iterate_filter = %s\n", IterateFilter())
	b.WriteString(`  iterate_fields {
    user = %{ldap:mail}
  }
}
`)
	b.WriteString(dovecotServices(c))
	b.WriteString(`
protocol lmtp {
  postmaster_address = postmaster@` + c.Domain + `
`)
	if c.Spam() {
		b.WriteString("  mail_plugins {\n    sieve = yes\n  }\n")
	}
	b.WriteString(`}
protocol imap {
  mail_plugins {
    imap_quota = yes
`)
	if c.Spam() {
		b.WriteString("    imap_sieve = yes\n")
	}
	b.WriteString(`  }
}
lmtp_rcpt_check_quota = yes

# Maildir++ quota, as with Dovecot 2.3; Trash may hold 10% more.
quota "User quota" {
  driver = maildir
}
`)
	if c.QuotaMB > 0 {
		fmt.Fprintf(&b, "quota_storage_size = %dM\n", c.QuotaMB)
	}
	// Dovecot 2.4 answers a message larger than the whole quota with
	// quota_status_toolarge, or with an empty action when that is empty;
	// 2.3 answered it as over quota.
	b.WriteString(`quota_storage_grace = 0
quota_status_success = DUNNO
quota_status_nouser = DUNNO
quota_status_overquota = "552 5.2.2 Mailbox is full"
quota_status_toolarge = "552 5.2.2 Mailbox is full"
`)
	if c.Spam() {
		b.WriteString(sieve24)
	}
	return b.String()
}

// sieve24 are Dovecot 2.4's settings of spam filing and learning (see
// spam.go): the global script before the user's in LMTP, and IMAPSieve
// scripts on moves into and out of Junk.
const sieve24 = `
# Spam into Junk; moves into and out of Junk teach Rspamd (see spam.go).
sieve_plugins {
  sieve_imapsieve = yes
  sieve_extprograms = yes
}
sieve_global_extensions {
  vnd.dovecot.pipe = yes
}
sieve_pipe_bin_dir = ` + SievePipeDir + `
sieve_script spam_to_junk {
  type = before
  path = ` + SpamToJunkPath + `
}
mailbox ` + JunkMailbox + ` {
  sieve_script learn_spam {
    type = before
    cause = copy append
    path = ` + LearnSpamPath + `
  }
}
imapsieve_from ` + JunkMailbox + ` {
  sieve_script learn_ham {
    type = before
    cause = copy
    path = ` + LearnHamPath + `
  }
}
`

// dovecotServices renders the listeners; they are the same in 2.4 as in
// 2.3.
func dovecotServices(c Config) string {
	var b strings.Builder
	b.WriteString(`
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service lmtp {
  unix_listener /var/spool/postfix/private/dovecot-lmtp {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
  unix_listener auth-userdb {
    mode = 0600
    user = vmail
  }
}
`)
	if c.QuotaMB > 0 {
		b.WriteString(`service quota-status {
  executable = quota-status -p postfix
  unix_listener /var/spool/postfix/private/quota-status {
    mode = 0600
    user = postfix
  }
  client_limit = 1
}
`)
	}
	return b.String()
}

// renderDovecot24LDAP renders the file dovecot.conf includes: the service
// account's password, and nothing else.
func renderDovecot24LDAP(Config) string {
	return header + "# The password of the directory account Dovecot searches as; included by dovecot.conf.\n" +
		"ldap_auth_dn_password = " + passwordPlaceholder + "\n"
}
