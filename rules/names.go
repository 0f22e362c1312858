// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Grammars for names that reach LDAP filters and DNs, config files, paths
// and command arguments. They are exported so the site model, the JSON
// Schema, the CSV import and the app use exactly the same rules.
const (
	// UsernamePattern is the grammar of usernames (sAMAccountName, mailbox).
	UsernamePattern = `^[a-z][a-z0-9._-]{0,19}$`
	// DomainPattern is the grammar of a lower-case DNS name with at least two labels.
	DomainPattern = `^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
	// EmailPattern is the grammar of mail addresses Posse accepts: lower
	// case, and a local part of dot-separated runs of a-z, 0-9, '_', '+' and
	// '-' (none of the characters that mean something in LDAP filters,
	// Postfix tables or shells).
	EmailPattern = `^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
)

var (
	usernameRE = regexp.MustCompile(UsernamePattern)
	domainRE   = regexp.MustCompile(DomainPattern)
	emailRE    = regexp.MustCompile(EmailPattern)
)

// Messages and hints of UsernameProblem.
const (
	errUsernameEmpty     = "username must not be empty"
	hintUsername         = "give every user a username"
	errUsernameInvalid   = "username %q is not valid"
	hintUsernameGrammar  = "use 1 to 20 of a-z, 0-9, '.', '_' and '-', starting with a letter"
	errUsernameReserved  = "username %q is reserved"
	hintUsernameReserved = "choose another username; built-in and system accounts cannot be managed by a template"
	errUsernameSamba     = "username %q is the name of one of Samba's own sections or shares"
	hintUsernameSamba    = "choose another username; a user's home folder is a share named after the user and must not replace global, homes, printers, netlogon, sysvol, IPC$, ADMIN$ or print$"
)

// reservedUsers are names a template must not define: built-in AD accounts
// and system accounts on the box.
var reservedUsers = setOf(
	"administrator", "admin", "guest", "krbtgt", "root", "nobody", "daemon",
	"bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp",
	"proxy", "www-data", "backup", "list", "irc", "gnats", "sshd",
	"messagebus", "postfix", "dovecot", "dovenull", "vmail", "postmaster",
	"mailer-daemon", "abuse", "hostmaster", "webmaster", "posse", "samba",
	"dns", "dns-admin", "operator", "ftp", "systemd-network",
	"systemd-resolve", "systemd-timesync", "_apt", "restic",
)

// sambaSections are the section names smb.conf gives a meaning of its own
// ([global], [homes], [printers]) and the shares Samba and the domain
// controller provide themselves (IPC$, ADMIN$, print$, netlogon, sysvol).
// Samba compares section names ignoring case. A share of the site must
// not take one, and neither may a username: a user's home folder is a
// section named after the user, and a section [sysvol] or [global] in
// Posse's include file would override the domain's own.
var sambaSections = setOf("global", "homes", "printers", "ipc$", "admin$", "print$", "netlogon", "sysvol")

// IsSambaSection reports whether name is, ignoring case and surrounding
// spaces, one of Samba's own sections or special shares.
func IsSambaSection(name string) bool {
	return sambaSections[strings.ToLower(strings.TrimSpace(name))]
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// HasControl reports whether s holds a control character (C0, C1 and DEL,
// so also tab and newline), a Unicode line or paragraph separator, or an
// invalid UTF-8 sequence: what no name, free-text field or password may
// contain.
func HasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// ValidDomain reports whether s is a lower-case DNS name with at least two
// labels and at most 253 characters.
func ValidDomain(s string) bool {
	return len(s) <= 253 && domainRE.MatchString(s) && !AllDigitsTLD(s)
}

// AllDigitsTLD reports whether the last label of a DNS name is all digits
// (or empty), which no real top-level domain is: such a name is an IP
// address or a typo.
func AllDigitsTLD(s string) bool {
	tld := s[strings.LastIndexByte(s, '.')+1:]
	return strings.Trim(tld, "0123456789") == ""
}

// ValidEmail reports whether s is a lower-case mail address Posse accepts.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && len(local) <= 64 && len(s) <= 254 && emailRE.MatchString(s) && ValidDomain(domain)
}

// ValidUsername reports whether s is a valid username that is not
// reserved (see UsernameError).
func ValidUsername(s string) bool {
	msg, _ := UsernameProblem(s)
	return msg == ""
}

// UsernameError says what is wrong with a username, or returns nil: the
// grammar UsernamePattern, Samba's own sections and special shares (a home
// folder is a section named after its user), built-in AD accounts and the
// box's system accounts. Every place that makes users uses it: templates,
// possed, the CSV import and the app; the site model adds the rules that
// depend on the site.
func UsernameError(name string) error { return NameError(UsernameProblem(name)) }

// UsernameProblem is UsernameError as a message and a hint, both empty for
// a good username, for callers that report problems with a position.
func UsernameProblem(name string) (msg, hint string) {
	switch {
	case name == "":
		return errUsernameEmpty, hintUsername
	case !usernameRE.MatchString(name):
		return fmt.Sprintf(errUsernameInvalid, ClipName(name)), hintUsernameGrammar
	case sambaSections[name]:
		return fmt.Sprintf(errUsernameSamba, name), hintUsernameSamba
	case reservedUsers[name]:
		return fmt.Sprintf(errUsernameReserved, name), hintUsernameReserved
	}
	return "", ""
}

// NameError turns a message and hint into an error ("message: hint"), or
// nil for an empty message.
func NameError(msg, hint string) error {
	switch {
	case msg == "":
		return nil
	case hint == "":
		return errors.New(msg)
	}
	return errors.New(msg + ": " + hint)
}

// ClipName shortens a hostile name for a message to 64 characters, keeping
// it valid UTF-8.
func ClipName(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
