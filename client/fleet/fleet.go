// SPDX-License-Identifier: GPL-3.0-or-later

// Package fleet keeps the list of boxes an integrator looks after and
// turns what each box answered into one report: who needs attention, worst
// first, as text or as JSON. It asks no box itself: a Prober does (possectl
// gives one that goes over SSH to possed), so the rules here are tested
// with a fake one.
package fleet

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Entry is one box of the fleet.
type Entry struct {
	// Name is the integrator's name for the box (see ValidName).
	Name string `json:"name" yaml:"name"`
	// Host is "user@host" or "user@host:port", as for possectl --host.
	Host string `json:"host" yaml:"host"`
	// Template is the site template the box should match; "" when the
	// box's drift is not checked.
	Template string `json:"template,omitempty" yaml:"template,omitempty"`
	// Secrets is the secrets file for Template's ${secret:…} references;
	// secrets the box kept from its last apply may be left out.
	Secrets string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidName checks a box's name: letters, digits, '-', '_' and '.', 1 to
// 63 characters, starting with a letter or digit.
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("box name %q: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit", name)
	}
	return nil
}

var (
	userRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`)
	labelRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// ParseHost checks "user@host[:port]" and returns its parts: user a login
// name, host a host name or an IP address (IPv6 in brackets when a port
// follows), port 1 to 65535 (22 when left out). Nothing that could be
// read as an option (a leading '-') gets through.
func ParseHost(s string) (user, host string, port int, err error) {
	bad := func(why string) (string, string, int, error) {
		return "", "", 0, fmt.Errorf("host %q: %s (write it as user@host or user@host:port)", s, why)
	}
	user, rest, ok := strings.Cut(s, "@")
	if !ok {
		return bad("no user")
	}
	if !userRE.MatchString(user) {
		return bad("the user is not a valid login name")
	}
	host, port = rest, 22
	if h, p, err := net.SplitHostPort(rest); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p != strconv.Itoa(n) {
			return bad("the port must be a number from 1 to 65535")
		}
		host, port = h, n
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		host = rest[1 : len(rest)-1]
	}
	if !validHostname(host) {
		return bad("not a host name or IP address")
	}
	return user, host, port, nil
}

// validHostname accepts an IP address or a DNS name of letters, digits and
// inner hyphens.
func validHostname(h string) bool {
	if h == "" || strings.HasPrefix(h, "-") {
		return false
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Zone() == ""
	}
	if len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if !labelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// Validate checks an entry's name and host.
func (e Entry) Validate() error {
	if err := ValidName(e.Name); err != nil {
		return err
	}
	if _, _, _, err := ParseHost(e.Host); err != nil {
		return fmt.Errorf("box %s: %w", e.Name, err)
	}
	if strings.HasPrefix(e.Template, "-") || strings.HasPrefix(e.Secrets, "-") {
		return fmt.Errorf("box %s: a file name may not start with '-'", e.Name)
	}
	return nil
}
