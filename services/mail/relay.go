// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// RelayPasswordPath is the Postfix table holding the relay login: a
// texthash table (read when a Postfix SMTP client starts, before it drops
// privileges, so no postmap and root-only 0600 work; Posse runs no Postfix
// service chrooted).
const RelayPasswordPath = "/etc/postfix/posse-relay-password"

// Relay is the smarthost outgoing mail goes through (mail.relay).
type Relay struct {
	// Host is the server's DNS name or IPv4 address.
	Host string
	Port int
	// Implicit is TLS from the first byte (Postfix's wrapper mode);
	// otherwise STARTTLS, required.
	Implicit bool
	// Username logs in; "" means no SMTP AUTH.
	Username string
	// PasswordSecret names the secret holding the password.
	PasswordSecret string
}

// Nexthop is the relay as Postfix's relayhost and the key of its password
// table: [host]:port, with no MX lookup.
func (r *Relay) Nexthop() string { return "[" + r.Host + "]:" + strconv.Itoa(r.Port) }

// validate checks every value that reaches main.cf or the password table;
// a nil relay is valid.
func (r *Relay) validate() error {
	if r == nil {
		return nil
	}
	if !site.ValidRelayHost(r.Host) {
		return fmt.Errorf("relay host %q is not a lower-case DNS name or an IPv4 address", r.Host)
	}
	if r.Port < 1 || r.Port > 65535 {
		return fmt.Errorf("relay port %d is out of range", r.Port)
	}
	if (r.Username == "") != (r.PasswordSecret == "") {
		return fmt.Errorf("the relay needs both a username and a password, or neither")
	}
	if r.Username != "" && !site.ValidRelayUsername(r.Username) {
		return fmt.Errorf("relay username %q cannot go into Postfix's password table", r.Username)
	}
	if r.PasswordSecret != "" && !site.ValidSecretName(r.PasswordSecret) {
		return fmt.Errorf("relay password secret %q is not a valid secret name", r.PasswordSecret)
	}
	return nil
}

// renderRelay writes main.cf's relay settings: every outgoing message to
// the relay, over TLS only (wrapper mode on 465), logged in when there is
// a username.
func renderRelay(b *strings.Builder, kv func(k, v string), r *Relay) {
	b.WriteString("\n# Outgoing mail goes through the provider's server (smarthost), only over\n# TLS, logged in with the password from a root-only table.\n")
	kv("relayhost", r.Nexthop())
	if r.Implicit {
		kv("smtp_tls_wrappermode", "yes")
	}
	if r.Username == "" {
		return
	}
	kv("smtp_sasl_auth_enable", "yes")
	kv("smtp_sasl_password_maps", "texthash:"+RelayPasswordPath)
	kv("smtp_sasl_security_options", "noanonymous")
	kv("smtp_sasl_tls_security_options", "noanonymous")
}

// RenderRelayPassword renders the relay's password table: one line
// "[host]:port username:${secret:NAME}"; the reference is filled in only
// when the file is written, on the box.
func RenderRelayPassword(r *Relay) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("# The login at the mail relay (mail.relay), for Postfix's SMTP client.\n")
	fmt.Fprintf(&b, "%s %s:%s\n", r.Nexthop(), r.Username, site.NewSecretRef(r.PasswordSecret))
	return b.String()
}

// relayFileStep plans the relay's password table: root-only 0600 with the
// secret filled in, or its removal when the site has no login for a relay.
func relayFileStep(env *host.Env, c Config) (plan.Step, bool, error) {
	if c.Relay == nil || c.Relay.Username == "" {
		return plan.DeleteFileStep(Name, env, RelayPasswordPath)
	}
	return plan.FileStep(Name, env, plan.FileSpec{Path: RelayPasswordPath, Content: RenderRelayPassword(c.Relay),
		Mode: 0o600, Owner: "root", Group: "root", Secret: true})
}

// checkSASLModules names the package of the SASL mechanisms Postfix's SMTP
// client logs in with (PLAIN and LOGIN), when it is missing.
func checkSASLModules(env *host.Env) error {
	m, _ := filepath.Glob(env.Path("/usr/lib/*/sasl2/libplain.so*"))
	if len(m) == 0 {
		return fmt.Errorf("a mail relay with a login needs the package libsasl2-modules (Postfix logs in with its PLAIN mechanism): install it with apt-get install libsasl2-modules, then plan again")
	}
	return nil
}
