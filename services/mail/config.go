// SPDX-License-Identifier: GPL-3.0-or-later

// Package mail configures Postfix (SMTP on 25, submission on 587) and
// Dovecot (IMAP on 143/993, LMTP delivery, SASL for Postfix) on the
// directory: recipients, aliases and logins come from Samba AD over LDAPS,
// bound as a read-only service account; site aliases from the template;
// mailboxes are Maildirs under /var/vmail with a per-user quota.
//
// See docs/mail.md for the files Posse owns and the design choices.
package mail

import (
	"fmt"
	"github.com/posse-project/posse/rules"
	"regexp"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Name is the service name used in plans.
const Name = "mail"

// Files and directories Posse owns.
const (
	MainCfPath          = "/etc/postfix/main.cf"
	MasterCfPath        = "/etc/postfix/master.cf"
	AliasesPath         = "/etc/postfix/posse-aliases"
	LDAPMailboxesPath   = "/etc/postfix/posse-ldap-mailboxes.cf"
	LDAPAliasesPath     = "/etc/postfix/posse-ldap-aliases.cf"
	LDAPSendersPath     = "/etc/postfix/posse-ldap-senders.cf"
	DovecotConfPath     = "/etc/dovecot/dovecot.conf"
	DovecotLDAPPath     = "/etc/dovecot/posse-ldap.conf.ext"
	VmailDir            = "/var/vmail"
	PasswordFile        = "secrets/mail-ldap.pw" // under the state directory
	ServiceAccount      = "posse-mail"
	VmailUser           = "vmail"
	VmailID             = 5000
	PostfixUnit         = "postfix.service"
	PostfixInstance     = "postfix@-.service"
	DovecotUnit         = "dovecot.service"
	passwordPlaceholder = "${posse:mail_ldap_password}"
)

// groupNameRE is the grammar of a group name that may follow "# group "
// in the alias table.
var groupNameRE = regexp.MustCompile(site.GroupPattern)

// disabledFilter matches accounts whose ACCOUNTDISABLE bit (2) is set.
const disabledFilter = "(userAccountControl:1.2.840.113556.1.4.803:=2)"

// Alias is one site alias, or a group's address, with its fully expanded
// delivery addresses.
type Alias struct {
	Address string
	Targets []string
	// Group names the group whose address this is (groups[].mail);
	// empty for a site alias.
	Group string
}

// Config is everything the mail configuration is rendered from. Every
// field is validated by NewConfig (or Validate) before it reaches a file.
type Config struct {
	// FQDN is the box's name in the directory (host.ad.example.com): the
	// name on the site certificate and Postfix's myhostname.
	FQDN string
	// Domain is the site domain (Postfix's mydomain).
	Domain string
	// Domains are the mail domains this box receives mail for.
	Domains []string
	// QuotaMB is the mailbox quota; 0 means unlimited.
	QuotaMB int
	// Aliases are the site aliases, sorted by address.
	Aliases []Alias
	// Groups are the groups' addresses, sorted by address; each
	// delivers to the group's members with a mailbox.
	Groups []Alias
	// SearchBase is where users live (OU=Posse under the base DN).
	SearchBase string
	// BindDN is the service account's DN.
	BindDN string
	// TLSDir is the box path of the site PKI (CA, server cert and key).
	TLSDir string
	// Dovecot is the installed Dovecot's configuration format; empty
	// means the newest (2.4).
	Dovecot DovecotFormat
	// DKIM is set when Rspamd signs outgoing mail (Postfix's milter).
	DKIM bool
	// DKIMSelector names the signing keys (one per domain) in DNS.
	DKIMSelector string
	// DKIMSelectors are the selectors of the domains whose keys were
	// rotated (see dkimrotate.go); the others sign with DKIMSelector.
	DKIMSelectors map[string]string
	// Relay is the smarthost all outgoing mail goes through; nil means
	// Postfix delivers directly.
	Relay *Relay
	// Collect are the mailboxes fetchmail collects from the provider.
	Collect []Collect
}

// LDAPURI is the LDAPS URI of the domain controller, by the name its
// certificate carries.
func (c Config) LDAPURI() string { return "ldaps://" + c.FQDN + ":636" }

// CAFile is the box path of the site CA certificate.
func (c Config) CAFile() string { return c.TLSDir + "/" + ad.CACertFile }

// NewConfig derives the mail configuration from the site and the box. It
// returns an error when the site has no mail section.
func NewConfig(s *site.Site, env *host.Env) (Config, error) {
	if s.Mail == nil {
		return Config{}, fmt.Errorf("the site has no mail section")
	}
	h, _, _ := strings.Cut(strings.ToLower(env.Hostname), ".")
	base := s.BaseDN()
	c := Config{
		FQDN:       h + "." + s.DNSDomain(),
		Domain:     strings.ToLower(s.Site.Domain),
		Domains:    slices.Clone(s.Mail.Domains),
		QuotaMB:    s.Mail.MailboxQuotaMB,
		SearchBase: ad.OU + "," + base,
		BindDN:     "CN=" + ad.EscapeDN(ServiceAccount) + "," + ad.OU + "," + base,
		TLSDir:     stateFile(env, ad.TLSDir),
	}
	if s.Mail.DKIMOn() {
		c.DKIM, c.DKIMSelector = true, s.Mail.DKIMSelector()
		r, err := readDKIMRotation(env)
		if err != nil {
			return c, err
		}
		c.applyRotation(r)
	}
	if r := s.Mail.Relay; r != nil {
		c.Relay = &Relay{Host: r.Host, Port: r.RelayPort(), Implicit: r.RelayTLS() == site.RelayTLSImplicit, Username: r.Username}
		if r.Password != "" {
			name, ok := r.Password.Name()
			if !ok {
				return c, fmt.Errorf("mail.relay.password must be a secret reference: write ${secret:NAME}")
			}
			c.Relay.PasswordSecret = name
		}
	}
	cs, err := collectConfig(s)
	if err != nil {
		return c, err
	}
	c.Collect = cs
	if rules.ServerNameError(h) != nil {
		return c, fmt.Errorf("host name %q cannot name the mail server: use 1–15 of [a-z0-9-]", env.Hostname)
	}
	p, err := env.Platform()
	if err != nil {
		return c, err
	}
	if c.Dovecot, err = dovecotFormat(p); err != nil {
		return c, err
	}
	if _, ok := s.FindUser(ServiceAccount); ok {
		return c, fmt.Errorf("user %s is reserved for the mail service's directory account: rename that user", ServiceAccount)
	}
	for _, a := range s.Mail.Aliases {
		c.Aliases = append(c.Aliases, Alias{Address: strings.ToLower(a.Address), Targets: s.AliasTargets(a.Address)})
	}
	slices.SortFunc(c.Aliases, func(a, b Alias) int { return strings.Compare(a.Address, b.Address) })
	for _, g := range s.Groups {
		if g.Mail != "" {
			c.Groups = append(c.Groups, Alias{Address: strings.ToLower(g.Mail), Targets: s.GroupMailTargets(g.Name), Group: g.Name})
		}
	}
	slices.SortFunc(c.Groups, func(a, b Alias) int { return strings.Compare(a.Address, b.Address) })
	return c, c.Validate()
}

// Validate checks every value that reaches a config file against a strict
// grammar, so no value can end a line or start a new setting.
func (c Config) Validate() error {
	if !site.ValidDomain(c.FQDN) {
		return fmt.Errorf("mail host name %q is not a valid DNS name", c.FQDN)
	}
	if !site.ValidDomain(c.Domain) {
		return fmt.Errorf("site domain %q is not a valid DNS name", c.Domain)
	}
	if len(c.Domains) == 0 {
		return fmt.Errorf("mail.domains is empty: list at least one mail domain")
	}
	for _, d := range c.Domains {
		if !site.ValidDomain(d) {
			return fmt.Errorf("mail domain %q is not a valid DNS name", d)
		}
	}
	if c.QuotaMB < 0 || c.QuotaMB > 1<<30 {
		return fmt.Errorf("mailbox_quota_mb %d is out of range: use 0 (unlimited) to 1073741824", c.QuotaMB)
	}
	for _, a := range slices.Concat(c.Aliases, c.Groups) {
		if err := checkAddress(a.Address); err != nil {
			return fmt.Errorf("alias %w", err)
		}
		if a.Group != "" && !groupNameRE.MatchString(a.Group) {
			return fmt.Errorf("group name %q cannot go into the alias table", a.Group)
		}
		if len(a.Targets) == 0 {
			return fmt.Errorf("alias %s delivers to nobody: give it a user or an address", a.Address)
		}
		for _, t := range a.Targets {
			if err := checkAddress(t); err != nil {
				return fmt.Errorf("alias %s target %w", a.Address, err)
			}
		}
	}
	for _, dn := range []string{c.SearchBase, c.BindDN} {
		if !safeValue(dn) || strings.ContainsAny(dn, "\\\"") {
			return fmt.Errorf("directory name %q cannot go into a config file", dn)
		}
	}
	if !strings.HasPrefix(c.TLSDir, "/") || !pathRE.MatchString(c.TLSDir) {
		return fmt.Errorf("TLS directory %q must be an absolute path of [A-Za-z0-9._/-]", c.TLSDir)
	}
	if c.DKIM && !site.ValidDKIMSelector(c.DKIMSelector) {
		return fmt.Errorf("DKIM selector %q is not one lower-case DNS label", c.DKIMSelector)
	}
	for d, sel := range c.DKIMSelectors {
		if !site.ValidDKIMSelector(sel) {
			return fmt.Errorf("DKIM selector %q of %s is not one lower-case DNS label", sel, d)
		}
	}
	if err := c.Relay.validate(); err != nil {
		return err
	}
	if !validFormat(c.Dovecot) {
		return fmt.Errorf("dovecot format %q is not one Posse renders: use %s", c.Dovecot, supportedDovecot())
	}
	return nil
}

var pathRE = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

// checkAddress accepts a lower-case mail address that is safe as a key or
// value of a Postfix table: no whitespace, no comment sign at the start.
func checkAddress(a string) error {
	if !site.ValidEmail(a) || strings.HasPrefix(a, "#") || !safeValue(a) || strings.Contains(a, ",") {
		return fmt.Errorf("%q is not a valid mail address", a)
	}
	return nil
}

// safeValue reports whether v can stand on one config line: printable
// ASCII without whitespace.
func safeValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	return true
}
