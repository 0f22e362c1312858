// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"strings"
	"testing"

	"github.com/posse-project/posse/services/ad"
)

// These checks read the rendered Dovecot files the way Dovecot does
// (sections, settings, includes) and assert what both formats must do, so
// a golden file rewritten with -update cannot bless a weaker setup.

// confEntry is one setting of a Dovecot config file: its section path
// ("" at the top, "passdb ldap/fields" inside blocks), key and value.
type confEntry struct{ section, key, value string }

// parseDovecot reads a Dovecot config file (either format) into its
// settings; "!include" lines become entries with key "!include".
func parseDovecot(t *testing.T, conf string) []confEntry {
	t.Helper()
	var out []confEntry
	var stack []string
	for _, l := range strings.Split(conf, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "}":
			if len(stack) == 0 {
				t.Fatalf("unbalanced } in\n%s", conf)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(l, "{"):
			stack = append(stack, strings.TrimSpace(strings.TrimSuffix(l, "{")))
		case strings.HasPrefix(l, "!include "):
			out = append(out, confEntry{strings.Join(stack, "/"), "!include", strings.TrimPrefix(l, "!include ")})
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("line %q is neither a setting nor a block", l)
			}
			v = strings.TrimSpace(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			out = append(out, confEntry{strings.Join(stack, "/"), strings.TrimSpace(k), v})
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed blocks %q", stack)
	}
	return out
}

// get returns the last value of key in section.
func get(entries []confEntry, section, key string) string {
	v := ""
	for _, e := range entries {
		if e.section == section && e.key == key {
			v = e.value
		}
	}
	return v
}

// sections lists the top-level sections whose name starts with kind.
func sections(entries []confEntry, kind string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		top, _, _ := strings.Cut(e.section, "/")
		if strings.HasPrefix(top, kind+" ") || top == kind {
			if !seen[top] {
				out = append(out, top)
			}
			seen[top] = true
		}
	}
	return out
}

// dovecotFacts is what a rendered Dovecot setup says, in words both
// formats share.
type dovecotFacts struct {
	ssl, cleartext, authBind              string
	passFilter, userFilter, iterateFilter string
	loginBecomes                          string // the LDAP attribute the login name is replaced by
	ldapURI, caFile, bindDN               string
	requireCert                           bool
	certFile, keyFile                     string
	passdbs, userdbs                      []string // drivers
	overquota, rcptCheckQuota             string
	includesSecret                        bool // dovecot.conf reads the secret file
	passwordSettings                      int  // settings in the secret file holding the password
}

func facts23(t *testing.T, conf, ext string) dovecotFacts {
	c, x := parseDovecot(t, conf), parseDovecot(t, ext)
	f := dovecotFacts{ssl: get(c, "", "ssl"), authBind: get(x, "", "auth_bind"),
		passFilter: get(x, "", "pass_filter"), userFilter: get(x, "", "user_filter"), iterateFilter: get(x, "", "iterate_filter"),
		ldapURI: get(x, "", "uris"), caFile: get(x, "", "tls_ca_cert_file"), bindDN: get(x, "", "dn"),
		requireCert: get(x, "", "tls_require_cert") == "demand",
		certFile:    strings.TrimPrefix(get(c, "", "ssl_cert"), "<"), keyFile: strings.TrimPrefix(get(c, "", "ssl_key"), "<"),
		overquota: get(c, "plugin", "quota_status_overquota"), rcptCheckQuota: get(c, "", "lmtp_rcpt_check_quota")}
	if get(c, "", "disable_plaintext_auth") == "yes" {
		f.cleartext = "no"
	}
	if attr, field, ok := strings.Cut(get(x, "", "pass_attrs"), "="); ok && field == "user" {
		f.loginBecomes = attr
	}
	for _, db := range []struct {
		kind string
		to   *[]string
	}{{"passdb", &f.passdbs}, {"userdb", &f.userdbs}} {
		for _, s := range sections(c, db.kind) {
			*db.to = append(*db.to, get(c, s, "driver"))
			if get(c, s, "args") == DovecotLDAPPath {
				f.includesSecret = true
			}
		}
	}
	for _, e := range x {
		if strings.Contains(e.value, passwordPlaceholder) && e.key == "dnpass" {
			f.passwordSettings++
		}
	}
	return f
}

func facts24(t *testing.T, conf, ext string) dovecotFacts {
	c, x := parseDovecot(t, conf), parseDovecot(t, ext)
	f := dovecotFacts{ssl: get(c, "", "ssl"), cleartext: get(c, "", "auth_allow_cleartext"), authBind: get(c, "passdb ldap", "bind"),
		passFilter: get(c, "passdb ldap", "filter"), userFilter: get(c, "userdb ldap", "filter"), iterateFilter: get(c, "userdb ldap", "iterate_filter"),
		ldapURI: get(c, "", "ldap_uris"), caFile: get(c, "", "ssl_client_ca_file"), bindDN: get(c, "", "ldap_auth_dn"),
		requireCert: get(c, "", "ssl_client_require_valid_cert") == "yes",
		certFile:    get(c, "", "ssl_server_cert_file"), keyFile: get(c, "", "ssl_server_key_file"),
		overquota: get(c, "", "quota_status_overquota"), rcptCheckQuota: get(c, "", "lmtp_rcpt_check_quota"),
		includesSecret: get(c, "", "!include") == DovecotLDAPPath}
	// 2.4's quota-status answers a message larger than the whole quota
	// with an empty action unless quota_status_toolarge is set.
	if tl := get(c, "", "quota_status_toolarge"); tl != f.overquota {
		f.overquota = "too large: " + tl
	}
	// Dovecot 2.4.1's libldap takes the CA from its environment.
	if env := get(c, "import_environment", "LDAPTLS_CACERT"); env != f.caFile || get(c, "import_environment", "LDAPTLS_REQCERT") != "demand" {
		f.caFile, f.requireCert = "libldap's environment: "+env, false
	}
	if v, ok := strings.CutPrefix(get(c, "passdb ldap/fields", "user"), "%{ldap:"); ok {
		f.loginBecomes = strings.TrimSuffix(v, "}")
	}
	for _, db := range []struct {
		kind string
		to   *[]string
	}{{"passdb", &f.passdbs}, {"userdb", &f.userdbs}} {
		for _, s := range sections(c, db.kind) {
			driver := get(c, s, "driver")
			if driver == "" {
				driver = strings.TrimPrefix(s, db.kind+" ")
			}
			*db.to = append(*db.to, driver)
		}
	}
	for _, e := range x {
		if e.key == "ldap_auth_dn_password" && e.value == passwordPlaceholder {
			f.passwordSettings++
		}
	}
	return f
}

func TestDovecotBehaviour(t *testing.T) {
	for _, tc := range []struct {
		format DovecotFormat
		facts  func(*testing.T, string, string) dovecotFacts
	}{{Dovecot23, facts23}, {Dovecot24, facts24}} {
		t.Run(string(tc.format), func(t *testing.T) {
			c := testConfigFor(t, tc.format)
			conf, ext := RenderDovecotConf(c), RenderDovecotLDAP(c)
			f := tc.facts(t, conf, ext)
			check := func(what string, ok bool) {
				t.Helper()
				if !ok {
					t.Errorf("%s: %s\nfacts: %+v", tc.format, what, f)
				}
			}
			check("TLS is required (ssl = required)", f.ssl == "required")
			check("no cleartext logins", f.cleartext == "no")
			check("TLS with the site certificate", f.certFile == DovecotCertPath && f.keyFile == DovecotKeyPath)
			check("passwords are checked by binding as the user", f.authBind == "yes")
			check("the directory is the only passdb and userdb", len(f.passdbs) == 1 && f.passdbs[0] == "ldap" && len(f.userdbs) == 1 && f.userdbs[0] == "ldap")
			check("LDAPS to the DC by its certificate name, only the site CA trusted, certificate required",
				f.ldapURI == c.LDAPURI() && strings.HasPrefix(f.ldapURI, "ldaps://") && f.caFile == DovecotCAPath && f.requireCert)
			check("searches as the service account", f.bindDN == c.BindDN)
			check("the login name becomes the mail address", f.loginBecomes == "mail")
			notSvc := "(!(sAMAccountName=" + ad.EscapeFilter(ServiceAccount) + "))"
			notDisabled := "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"
			for name, filter := range map[string]string{"login": f.passFilter, "user": f.userFilter, "iterate": f.iterateFilter} {
				check(name+" filter excludes the (escaped) service account", strings.Contains(filter, notSvc))
				check(name+" filter excludes disabled accounts", strings.Contains(filter, notDisabled))
				check(name+" filter is one balanced filter", strings.HasPrefix(filter, "(&") && strings.Count(filter, "(") == strings.Count(filter, ")"))
			}
			u := userVar(tc.format)
			check("login by mail address or username", strings.Contains(f.passFilter, "(|(mail="+u+")(sAMAccountName="+u+"))"))
			check("the password is not in dovecot.conf", !strings.Contains(conf, passwordPlaceholder) && !strings.Contains(conf, "dnpass") && !strings.Contains(conf, "ldap_auth_dn_password ="))
			check("the secret file holds the password once, and dovecot.conf reads it", f.passwordSettings == 1 && f.includesSecret)
			check("a full mailbox is refused with 552 5.2.2 at RCPT", f.overquota == "552 5.2.2 Mailbox is full" && f.rcptCheckQuota == "yes")
			// No block weakens the top-level settings.
			for _, e := range parseDovecot(t, conf) {
				switch e.key {
				case "ssl":
					check("no listener or block turns TLS off ("+e.section+")", e.value == "required" || (e.value == "yes" && strings.HasPrefix(e.section, "service imap-login/")))
				case "auth_allow_cleartext", "disable_plaintext_auth":
					check("no block allows cleartext logins ("+e.section+")", e.section == "")
				}
			}
		})
	}
	for _, f := range secretFiles {
		if f.path == DovecotLDAPPath && (f.mode&0o007 != 0 || f.owner != "root") {
			t.Errorf("%s is %04o %s:%s: others can read the password", f.path, f.mode, f.owner, f.group)
		}
	}
}

func TestDovecot24ConfigVersionFirst(t *testing.T) {
	conf := RenderDovecotConf(testConfigFor(t, Dovecot24))
	entries := parseDovecot(t, conf)
	if len(entries) < 2 || entries[0] != (confEntry{"", "dovecot_config_version", dovecotConfigVersion}) || get(entries, "", "dovecot_storage_version") != dovecotStorageVersion {
		t.Errorf("dovecot_config_version is not the first setting, or dovecot_storage_version is missing:\n%s", conf)
	}
	for _, old := range []string{"mail_location", "disable_plaintext_auth", "ssl_cert ", "ssl_key ", "ssl_dh ", "plugin {", "args =", "%u", "%d", "%n", "%L"} {
		if strings.Contains(conf, old) {
			t.Errorf("the 2.4 dovecot.conf has the 2.3 %q", old)
		}
	}
}
