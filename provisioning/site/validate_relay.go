// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
)

// Relay sends all outgoing mail through a smarthost (mail.relay): the
// provider's SMTP server, with SMTP AUTH, always over TLS.
type Relay struct {
	// Host is the server's DNS name or IPv4 address.
	Host string `yaml:"host" json:"host"`
	// Port is 465 (implicit TLS) or 587 (STARTTLS); another port needs TLS.
	// 0 means the port of TLS, or DefaultRelayPort.
	Port int `yaml:"port" json:"port,omitempty"`
	// TLS is RelayTLSStartTLS or RelayTLSImplicit; empty means the one of
	// the port.
	TLS string `yaml:"tls" json:"tls,omitempty"`
	// Username and Password log in; both or neither.
	Username string    `yaml:"username" json:"username,omitempty"`
	Password SecretRef `yaml:"password" json:"password,omitempty"`
}

// Ways of encrypting the connection to a relay.
const (
	// RelayTLSStartTLS starts TLS on a plain connection and refuses to go
	// on without it (submission, port 587).
	RelayTLSStartTLS = "starttls"
	// RelayTLSImplicit speaks TLS from the first byte (port 465).
	RelayTLSImplicit = "implicit"
)

// Relay ports and limits.
const (
	// DefaultRelayPort is the port of a relay that names none and no TLS.
	DefaultRelayPort = 587
	// RelayImplicitPort is the port of implicit TLS.
	RelayImplicitPort = 465
	// MaxRelayUsernameLen limits a relay login.
	MaxRelayUsernameLen = 256
	// MaxRelayPasswordLen limits a relay password's value.
	MaxRelayPasswordLen = 256
	// RelayUsernamePattern is a relay login: printable ASCII without
	// spaces or ':' (Postfix's password table separates the login from the
	// password with ':').
	RelayUsernamePattern = `^[!-9;-~]+$`
)

var relayUsernameRE = regexp.MustCompile(RelayUsernamePattern)

// ValidRelayHost reports whether h can name a relay: a lower-case DNS name
// or an IPv4 address.
func ValidRelayHost(h string) bool {
	if ip := net.ParseIP(h); ip != nil {
		return ip.To4() != nil && !strings.Contains(h, ":")
	}
	return ValidDomain(h)
}

// ValidRelayUsername reports whether u can stand in Postfix's password
// table as a login.
func ValidRelayUsername(u string) bool {
	return len(u) <= MaxRelayUsernameLen && relayUsernameRE.MatchString(u)
}

// CheckRelayPassword checks a relay password's value: it must fit on one
// line of Postfix's password table. The error never holds the value.
func CheckRelayPassword(pw string) error {
	switch {
	case pw == "":
		return errors.New("it is empty")
	case len(pw) > MaxRelayPasswordLen:
		return fmt.Errorf("it is longer than %d bytes", MaxRelayPasswordLen)
	case hasControl(pw):
		return errors.New("it holds a line break or another control character")
	case strings.TrimSpace(pw) != pw:
		return errors.New("it starts or ends with a space")
	}
	return nil
}

// RelayTLS is the relay's way of encrypting: the tls key, or the one of
// the port.
func (r *Relay) RelayTLS() string {
	if r.TLS != "" {
		return r.TLS
	}
	if r.Port == RelayImplicitPort {
		return RelayTLSImplicit
	}
	return RelayTLSStartTLS
}

// RelayPort is the relay's port: the port key, or the one of the TLS.
func (r *Relay) RelayPort() int {
	switch {
	case r.Port != 0:
		return r.Port
	case r.TLS == RelayTLSImplicit:
		return RelayImplicitPort
	}
	return DefaultRelayPort
}

const (
	errRelayHost        = "relay host %q is not a lower-case DNS name or an IPv4 address"
	hintRelayHost       = `write the provider's SMTP server, such as host: "smtp.provider.example"`
	hintRelayHostAdd    = `add the provider's SMTP server, such as host: "smtp.provider.example"`
	errRelayPort        = "relay port %d is out of range"
	hintRelayPort       = "use 587 (STARTTLS) or 465 (implicit TLS)"
	errRelayPortTLS     = "relay port %d is neither 587 (STARTTLS) nor 465 (implicit TLS), and tls does not say which"
	hintRelayPortTLS    = "use port 587 or 465, or add tls: starttls or tls: implicit as your provider documents it"
	errRelayTLS         = "relay tls %q is refused: mail goes to a relay only over TLS"
	hintRelayTLS        = "use tls: starttls (usually port 587) or tls: implicit (usually port 465); a relay without TLS would send the password in clear"
	errRelayUsername    = "relay username %q has spaces, ':' or characters outside printable ASCII"
	hintRelayUsername   = "write the login your provider gave you; Posse cannot pass a login with spaces or ':'"
	errRelayNoPassword  = "relay username is set but password is not"
	hintRelayNoPassword = `add password: "${secret:mail_relay}" and put the value in the secrets file`
	errRelayNoUsername  = "relay password is set but username is not"
	hintRelayNoUsername = "add the login your provider gave you, such as username: \"office@example.com\""
)

// relay checks mail.relay.
func (v *validator) relay() {
	m := v.s.Mail
	if m == nil || m.Relay == nil {
		return
	}
	r := m.Relay
	const p = "mail.relay"
	if r.Host == "" {
		if v.written(p + ".host") {
			v.add(p+".host", p+".host"+errMustNotBeEmpty, hintRelayHostAdd)
		} else {
			v.add(p, msgMissing("host"), hintRelayHostAdd)
		}
	} else if !ValidRelayHost(r.Host) {
		v.add(p+".host", fmt.Sprintf(errRelayHost, r.Host), hintRelayHost)
	}
	switch r.TLS {
	case "":
		if v.written(p+".port") && r.Port != DefaultRelayPort && r.Port != RelayImplicitPort && r.Port >= 1 && r.Port <= 65535 {
			v.add(p+".port", fmt.Sprintf(errRelayPortTLS, r.Port), hintRelayPortTLS)
		}
	case RelayTLSStartTLS, RelayTLSImplicit:
	default:
		v.add(p+".tls", fmt.Sprintf(errRelayTLS, r.TLS), hintRelayTLS)
	}
	if v.written(p+".port") && (r.Port < 1 || r.Port > 65535) {
		v.add(p+".port", fmt.Sprintf(errRelayPort, r.Port), hintRelayPort)
	}
	switch {
	case r.Username != "" && !ValidRelayUsername(r.Username):
		v.add(p+".username", fmt.Sprintf(errRelayUsername, r.Username), hintRelayUsername)
	case r.Username != "" && r.Password == "" && !v.written(p+".password"):
		v.add(p+".username", errRelayNoPassword, hintRelayNoPassword)
	case r.Username == "" && r.Password != "":
		v.add(p+".password", errRelayNoUsername, hintRelayNoUsername)
	}
	v.secret(p+".password", r.Password, false, "")
}
