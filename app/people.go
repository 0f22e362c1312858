package app

import (
	"regexp"
	"strings"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

// usernameGrammar is the site's username pattern, to tell a grammar
// mistake from a reserved name.
var usernameGrammar = regexp.MustCompile(site.UsernamePattern)

// CheckUsername returns what is wrong with a username, or "": the site
// template's rule (site.UsernameError), which possed applies too; the
// common mistakes in the app's words, the rest (reserved names such as
// sysvol or root) in the site's.
func CheckUsername(s string) string {
	err := site.UsernameError(s)
	switch {
	case err == nil:
		return ""
	case s == "":
		return tr("Enter a username.")
	case len(s) > 20:
		return tr("Use at most 20 characters.")
	case !usernameGrammar.MatchString(s):
		return tr("Use lower-case letters, digits, dot, dash or underscore, starting with a letter.")
	}
	return err.Error()
}

// CheckEmail returns what is wrong with a mail address ("" is allowed), by
// the site's rule (site.ValidEmail).
func CheckEmail(s string) string {
	if s != "" && !site.ValidEmail(s) {
		return tr("Enter a mail address like name@example.de, or leave it empty.")
	}
	return ""
}

var translit = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "á", "a", "à", "a", "ç", "c", " ", "", "'", "")

// SuggestUsername makes "given.surname" in lower case ASCII (ä → ae).
func SuggestUsername(given, surname string) string {
	clean := func(s string) string {
		s = translit.Replace(strings.ToLower(strings.TrimSpace(s)))
		var b strings.Builder
		for _, r := range s {
			if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	g, s := clean(given), clean(surname)
	switch {
	case g == "":
		return s
	case s == "":
		return g
	}
	u := g + "." + s
	if len(u) > 20 {
		u = u[:20]
	}
	return strings.TrimRight(u, ".-")
}

// GeneratePassword returns an initial password from Posse's one generator
// (site.GeneratePassword): 16 characters without look-alikes (no 0/O,
// 1/l) that meet the default policy.
func GeneratePassword() string {
	pw, err := site.GeneratePassword(site.PasswordPolicy{}, "")
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return pw
}

// checkDefaultPolicy checks password against the default AD policy.
func checkDefaultPolicy(username, password string) error {
	return site.CheckPassword(site.PasswordPolicy{}, username, password)
}

// people drops the service accounts (site.IsServiceAccount: posse-mail, …)
// from us, in place. They are not people: the Users screen and the user
// count leave them out, so that nobody deletes or disables mail's lookup
// account by mistake.
func people(us []api.User) []api.User {
	out := us[:0]
	for _, u := range us {
		if !site.IsServiceAccount(u.Username) {
			out = append(out, u)
		}
	}
	clear(us[len(out):])
	return out
}
