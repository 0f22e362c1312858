// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testSite is a small office with two users, a user alias and two site
// aliases, one of which leads through the other.
func testSite() *site.Site {
	return &site.Site{
		Version:   1,
		Site:      site.Info{Name: "Müller & Partner", Domain: "mueller-partner.example", Workgroup: "MUELLER"},
		Directory: site.Directory{AdminPassword: site.NewSecretRef("domain_admin")},
		Users: []site.User{
			{Username: "amueller", Email: "anna.mueller@mueller-partner.example", Aliases: []string{"anna@mueller-partner.example"}},
			{Username: "bschmidt"},
		},
		Mail: &site.Mail{
			Domains:        []string{"mueller-partner.example"},
			MailboxQuotaMB: 2048,
			Aliases: []site.Alias{
				{Address: "info@mueller-partner.example", To: []string{"amueller", "office@mueller-partner.example"}},
				{Address: "office@mueller-partner.example", To: []string{"bschmidt", "anna@mueller-partner.example"}},
			},
		},
	}
}

func testEnv(t *testing.T) *host.Env {
	return &host.Env{Root: t.TempDir(), Offline: true, Hostname: "dc", IP: "10.0.0.2"}
}

func testConfig(t *testing.T) Config {
	t.Helper()
	c, err := NewConfig(testSite(), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", name, got)
	}
}

// testConfigFor is testConfig rendering for Dovecot format f.
func testConfigFor(t *testing.T, f DovecotFormat) Config {
	t.Helper()
	c := testConfig(t)
	c.Dovecot = f
	return c
}

func TestRenderGolden(t *testing.T) {
	c := testConfigFor(t, Dovecot23)
	maps := RenderLDAPMaps(c)
	unlimited := c
	unlimited.QuotaMB = 0
	c24, unlimited24 := c, unlimited
	c24.Dovecot, unlimited24.Dovecot = Dovecot24, Dovecot24
	for _, tc := range []struct{ name, got string }{
		{"main.cf", RenderMainCf(c)},
		{"main-unlimited.cf", RenderMainCf(unlimited)},
		{"master.cf", RenderMasterCf()},
		{"posse-aliases", RenderAliases(c)},
		{"posse-ldap-mailboxes.cf", maps[LDAPMailboxesPath]},
		{"posse-ldap-aliases.cf", maps[LDAPAliasesPath]},
		{"posse-ldap-senders.cf", maps[LDAPSendersPath]},
		{"dovecot.conf", RenderDovecotConf(c)},
		{"dovecot-unlimited.conf", RenderDovecotConf(unlimited)},
		{"posse-ldap.conf.ext", RenderDovecotLDAP(c)},
		{"dovecot-2.4.conf", RenderDovecotConf(c24)},
		{"dovecot-2.4-unlimited.conf", RenderDovecotConf(unlimited24)},
		{"posse-ldap-2.4.conf.ext", RenderDovecotLDAP(c24)},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.got) })
	}
}

func TestRenderSettings(t *testing.T) {
	c := testConfigFor(t, Dovecot23)
	c24 := testConfigFor(t, Dovecot24)
	maps := RenderLDAPMaps(c)
	mbox, alias := maps[LDAPMailboxesPath], maps[LDAPAliasesPath]
	for _, tc := range []struct {
		file, content string
		want          []string
	}{
		{"main.cf", RenderMainCf(c), []string{
			"compatibility_level = 3.6\n",
			"myhostname = dc.ad.mueller-partner.example\n",
			"mydestination = localhost\n",
			"mynetworks = \n",
			"virtual_mailbox_domains = mueller-partner.example\n",
			"virtual_transport = lmtp:unix:private/dovecot-lmtp\n",
			"virtual_alias_maps = texthash:/etc/postfix/posse-aliases, ldap:/etc/postfix/posse-ldap-aliases.cf\n",
			"smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination\n",
			"reject_unlisted_recipient, check_policy_service unix:private/quota-status, permit_sasl_authenticated, reject_unauth_destination\n",
			"smtpd_tls_cert_file = /etc/postfix/posse-server.crt\n",
			"smtpd_tls_key_file = /etc/postfix/posse-server.key\n",
			"smtpd_tls_auth_only = yes\n",
			"smtpd_sender_login_maps = texthash:/etc/postfix/posse-aliases, ldap:/etc/postfix/posse-ldap-senders.cf\n",
		}},
		{"master.cf", RenderMasterCf(), []string{
			"submission inet  n       -       n       -       -       smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n",
			"  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n  -o smtpd_sender_restrictions=reject_sender_login_mismatch\n",
			"smtp       inet  n       -       n       -       -       smtpd\n",
			"smtp       unix  -       -       n       -       -       smtp\n",
			"relay      unix  -       -       n       -       -       smtp\n",
		}},
		{"mailboxes", mbox, []string{
			"server_host = ldaps://dc.ad.mueller-partner.example:636\n",
			"tls_ca_cert_file = /etc/postfix/posse-ca.crt\n",
			"bind_dn = CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example\n",
			"bind_pw = " + passwordPlaceholder + "\n",
			"search_base = OU=Posse,DC=ad,DC=mueller-partner,DC=example\n",
			"query_filter = (&(objectClass=user)(mail=%s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))\n",
		}},
		{"aliases map", alias, []string{"query_filter = (&(objectClass=user)(proxyAddresses=smtp:%s)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))\n"}},
		{"senders map", maps[LDAPSendersPath], []string{"query_filter = (&(objectClass=user)(|(mail=%s)(proxyAddresses=smtp:%s))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))\n"}},
		{"aliases", RenderAliases(c), []string{
			"info@mueller-partner.example anna.mueller@mueller-partner.example, bschmidt@mueller-partner.example\n",
			"office@mueller-partner.example bschmidt@mueller-partner.example, anna.mueller@mueller-partner.example\n",
		}},
		{"dovecot.conf", RenderDovecotConf(c), []string{
			"mail_location = maildir:/var/vmail/%d/%n/Maildir\n",
			"ssl = required\n",
			"disable_plaintext_auth = yes\n",
			"quota_rule = *:storage=2048M\n",
			"lmtp_rcpt_check_quota = yes\n",
			"unix_listener /var/spool/postfix/private/dovecot-lmtp {",
			"unix_listener /var/spool/postfix/private/auth {",
			"executable = quota-status -p postfix\n",
			"inet_listener imaps {\n    port = 993\n    ssl = yes\n",
		}},
		{"dovecot ldap", RenderDovecotLDAP(c), []string{
			"uris = ldaps://dc.ad.mueller-partner.example:636\n",
			"auth_bind = yes\n",
			"dnpass = " + passwordPlaceholder + "\n",
			"pass_filter = (&(objectClass=user)(mail=*)(|(mail=%u)(sAMAccountName=%u))(!(sAMAccountName=posse-mail))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))\n",
		}},
		{"dovecot.conf 2.4", RenderDovecotConf(c24), []string{
			header + "dovecot_config_version = 2.4.0\ndovecot_storage_version = 2.4.0\n",
			"mail_driver = maildir\nmail_path = /var/vmail/%{user | domain}/%{user | username}/Maildir\n",
			"ssl = required\n",
			"ssl_server_cert_file = /etc/dovecot/posse-server.crt\nssl_server_key_file = /etc/dovecot/posse-server.key\n",
			"auth_allow_cleartext = no\n",
			"auth_username_format = %{user | lower}\n",
			"ldap_uris = ldaps://dc.ad.mueller-partner.example:636\n",
			"ssl_client_ca_file = /etc/dovecot/posse-ca.crt\n",
			"ldap_auth_dn = CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example\n",
			"!include /etc/dovecot/posse-ldap.conf.ext\n",
			"passdb ldap {\n  bind = yes\n  filter = (&(objectClass=user)(mail=*)(|(mail=%{user})(sAMAccountName=%{user}))(!(sAMAccountName=posse-mail))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))\n  fields {\n    user = %{ldap:mail}\n  }\n}\n",
			"    home = /var/vmail/%{user | domain}/%{user | username}\n",
			"quota_storage_size = 2048M\n",
			"    quota_storage_percentage = 110\n",
			"lmtp_rcpt_check_quota = yes\n",
			"quota_status_overquota = \"552 5.2.2 Mailbox is full\"\n",
			"  postmaster_address = postmaster@mueller-partner.example\n",
			"unix_listener /var/spool/postfix/private/dovecot-lmtp {",
			"unix_listener /var/spool/postfix/private/auth {",
			"executable = quota-status -p postfix\n",
			"inet_listener imaps {\n    port = 993\n    ssl = yes\n",
		}},
		{"dovecot ldap 2.4", RenderDovecotLDAP(c24), []string{
			"\nldap_auth_dn_password = " + passwordPlaceholder + "\n",
		}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.content, w) {
				t.Errorf("%s lacks %q", tc.file, w)
			}
		}
	}
	for _, f := range []DovecotFormat{Dovecot23, Dovecot24} {
		if strings.Contains(RenderDovecotConf(Config{FQDN: "a.b", Domain: "b", TLSDir: "/x", Dovecot: f}), "quota-status") {
			t.Errorf("%s: quota-status service rendered without a quota", f)
		}
	}
}

// TestRenderOneLinePerSetting checks that no rendered value spans lines:
// every non-blank line of the Postfix files is a comment, a setting, an
// -o option or a master.cf row.
func TestRenderOneLinePerSetting(t *testing.T) {
	c := testConfigFor(t, Dovecot23)
	maps := RenderLDAPMaps(c)
	for name, content := range map[string]string{"main.cf": RenderMainCf(c), "mailboxes": maps[LDAPMailboxesPath], "aliases": maps[LDAPAliasesPath],
		"senders": maps[LDAPSendersPath], "ldap.conf.ext": RenderDovecotLDAP(c), "ldap.conf.ext 2.4": RenderDovecotLDAP(testConfigFor(t, Dovecot24))} {
		for _, l := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") && !strings.Contains(l, " = ") {
				t.Errorf("%s: line %q is not a setting", name, l)
			}
		}
	}
}
