// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"strings"
)

// Collect fetches the mail of a mailbox at the provider into a user's
// INBOX (mail.collect[]), with fetchmail, always over TLS: for offices
// whose MX stays at the provider.
type Collect struct {
	// User is the Posse user the mail is delivered to.
	User string `yaml:"user" json:"user"`
	// Server is the provider's POP3 or IMAP server: a DNS name or an
	// IPv4 address.
	Server string `yaml:"server" json:"server"`
	// Protocol is CollectPOP3 or CollectIMAP (over TLS: 995, 993).
	Protocol string `yaml:"protocol" json:"protocol"`
	// Username and Password log in at the provider.
	Username string    `yaml:"username" json:"username"`
	Password SecretRef `yaml:"password" json:"password"`
	// Keep leaves collected messages at the provider; false deletes them
	// once they are delivered.
	Keep bool `yaml:"keep" json:"keep,omitempty"`
}

// Protocols of mail.collect.
const (
	CollectPOP3 = "pop3"
	CollectIMAP = "imap"
)

const (
	errCollectUser         = "collect user %q is not a user of the site"
	hintCollectUser        = "use the username of a user defined under users"
	hintCollectUserAdd     = "add the Posse user the mail goes to, such as user: anna"
	errCollectServer       = "collect server %q is not a lower-case DNS name or an IPv4 address"
	hintCollectServer      = `write the provider's POP3 or IMAP server, such as server: "pop.provider.example"`
	errCollectProtocol     = "collect protocol %q is not pop3 or imap"
	hintCollectProtocol    = "use protocol: pop3 or protocol: imap (both always over TLS, ports 995 and 993)"
	errCollectUsername     = "collect username %q has spaces, ':' or characters outside printable ASCII"
	hintCollectUsername    = "write the login your provider gave you, such as username: \"anna@provider.example\""
	errCollectDuplicate    = "mailbox %s at %s is collected twice"
	hintCollectDuplicate   = "collect each mailbox once; remove one of the entries"
	hintCollectPassword    = `add password: "${secret:collect_anna}" and put the value in the secrets file`
	hintCollectServerAdd   = `add the provider's server, such as server: "pop.provider.example"`
	hintCollectProtoAdd    = "add protocol: pop3 or protocol: imap"
	hintCollectUsernameAdd = "add the login your provider gave you, such as username: \"anna@provider.example\""
)

// CheckCollectPassword checks a collect password's value: one line of
// fetchmail's configuration, in double quotes. The error never holds the
// value.
func CheckCollectPassword(pw string) error {
	if err := CheckRelayPassword(pw); err != nil {
		return err
	}
	if strings.ContainsAny(pw, `"\`) {
		return errors.New(`it holds " or \, which fetchmail's configuration cannot take safely: choose another password at the provider`)
	}
	return nil
}

// collect checks mail.collect.
func (v *validator) collect() {
	m := v.s.Mail
	if m == nil {
		return
	}
	seenBox := map[string]bool{}
	for i, c := range m.Collect {
		p := joinIndex("mail.collect", i)
		if v.required(p+".user", c.User == "", hintCollectUserAdd) {
			if _, ok := v.s.FindUser(c.User); !ok {
				v.add(p+".user", fmt.Sprintf(errCollectUser, c.User), hintCollectUser)
			}
		}
		if v.required(p+".server", c.Server == "", hintCollectServerAdd) && !ValidRelayHost(c.Server) {
			v.add(p+".server", fmt.Sprintf(errCollectServer, c.Server), hintCollectServer)
		}
		if v.required(p+".protocol", c.Protocol == "", hintCollectProtoAdd) && c.Protocol != CollectPOP3 && c.Protocol != CollectIMAP {
			v.add(p+".protocol", fmt.Sprintf(errCollectProtocol, c.Protocol), hintCollectProtocol)
		}
		if v.required(p+".username", c.Username == "", hintCollectUsernameAdd) && !ValidRelayUsername(c.Username) {
			v.add(p+".username", fmt.Sprintf(errCollectUsername, c.Username), hintCollectUsername)
		}
		v.secret(p+".password", c.Password, true, hintCollectPassword)
		key := strings.ToLower(c.Server) + "\x00" + c.Username
		if c.Server != "" && c.Username != "" {
			if seenBox[key] {
				v.add(p+".username", fmt.Sprintf(errCollectDuplicate, c.Username, c.Server), hintCollectDuplicate)
			}
			seenBox[key] = true
		}
	}
}
