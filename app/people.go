// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"regexp"
	"strings"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/rules"
)

// usernameGrammar is the site's username pattern, to tell a grammar
// mistake from a reserved name.
var usernameGrammar = regexp.MustCompile(rules.UsernamePattern)

// CheckUsername returns what is wrong with a username, or "": the site
// template's rule (rules.UsernameError), which possed applies too; the
// common mistakes in the app's words, the rest (reserved names such as
// sysvol or root) in the site's.
func CheckUsername(s string) string {
	err := rules.UsernameError(s)
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
// the site's rule (rules.ValidEmail).
func CheckEmail(s string) string {
	if s != "" && !rules.ValidEmail(s) {
		return tr("Enter a mail address like name@example.de, or leave it empty.")
	}
	return ""
}

// nameASCII is a name as usernames and mail addresses spell it: lower
// case ASCII letters, digits and dashes, German umlauts spelt out
// ("Müller" → "mueller", "Yılmaz" → "yilmaz", "von der Heide" →
// "vonderheide").
func nameASCII(s string) string {
	s = foldGerman(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		}
	}
	return strings.Trim(b.String(), "-")
}

// UsernameStyle is how a site makes usernames (or the local parts of mail
// addresses) from people's names.
type UsernameStyle int

// The styles, tried in this order when several fit equally well.
const (
	StyleDotted         UsernameStyle = iota // anna.mueller
	StyleInitialSurname                      // amueller
	StyleInitialDot                          // a.mueller
	StyleGivenSurname                        // annamueller
	StyleUnderscore                          // anna_mueller
	StyleSurnameInitial                      // muellera
	StyleGiven                               // anna
	StyleSurname                             // mueller
	styleCount
)

// maxUsername is the longest username CheckUsername allows.
const maxUsername = 20

// Suggest makes a username in this style from a name.
func (st UsernameStyle) Suggest(given, surname string) string {
	g, s := nameASCII(given), nameASCII(surname)
	switch {
	case g == "" && s == "":
		return ""
	case g == "":
		return cut(s)
	case s == "":
		return cut(g)
	}
	i := g[:1]
	var u string
	switch st {
	case StyleInitialSurname:
		u = i + s
	case StyleInitialDot:
		u = i + "." + s
	case StyleGivenSurname:
		u = g + s
	case StyleUnderscore:
		u = g + "_" + s
	case StyleSurnameInitial:
		u = s + i
	case StyleGiven:
		u = g
	case StyleSurname:
		u = s
	default:
		u = g + "." + s
	}
	return cut(u)
}

// cut shortens a username to maxUsername without a dot or dash at its end.
func cut(u string) string {
	if len(u) > maxUsername {
		u = u[:maxUsername]
	}
	return strings.TrimRight(u, "._-")
}

// SuggestUsername makes "given.surname" in lower case ASCII (ä → ae).
func SuggestUsername(given, surname string) string {
	return StyleDotted.Suggest(given, surname)
}

// styleOf finds the style most of the names follow, and how many follow
// it: names holds, per person with a given name and a surname, what the
// site made of them (a username or a mail address's local part). A number
// at the end ("efischer2") is allowed. With n 0 no style fits anybody, and
// best is StyleDotted.
func styleOf(names [][3]string) (best UsernameStyle, n int) {
	var count [styleCount]int
	for _, p := range names {
		have := strings.ToLower(p[2])
		bare := strings.TrimRight(have, "0123456789")
		for st := range styleCount {
			if want := st.Suggest(p[0], p[1]); want != "" && (want == have || want == bare) {
				count[st]++
			}
		}
	}
	for st := range styleCount {
		if count[st] > n {
			best, n = st, count[st]
		}
	}
	return best, n
}

// namingStyle is how a site names its users and their mail addresses.
type namingStyle struct {
	user UsernameStyle
	// mail is the style of the mail addresses' local parts; mailIsUser
	// means they are the username.
	mail       UsernameStyle
	mailIsUser bool
}

// siteNaming derives the site's styles from its users: the style most
// usernames follow (given.surname when none fits), and whether most
// addresses are the username or follow a style of their own.
func siteNaming(users []api.User) namingStyle {
	var names, locals [][3]string
	same := 0
	for _, u := range users {
		if strings.TrimSpace(u.GivenName) == "" || strings.TrimSpace(u.Surname) == "" {
			continue
		}
		names = append(names, [3]string{u.GivenName, u.Surname, u.Username})
		if at := strings.LastIndexByte(u.Email, '@'); at > 0 {
			local := u.Email[:at]
			locals = append(locals, [3]string{u.GivenName, u.Surname, local})
			if strings.EqualFold(local, u.Username) {
				same++
			}
		}
	}
	var ns namingStyle
	ns.user, _ = styleOf(names)
	mail, n := styleOf(locals)
	ns.mail, ns.mailIsUser = mail, same >= n
	return ns
}

// GeneratePassword returns an initial password from Posse's one generator
// (rules.GeneratePassword): 16 characters without look-alikes (no 0/O,
// 1/l) that meet the default policy.
func GeneratePassword() string {
	pw, err := rules.GeneratePassword(rules.PasswordPolicy{}, "")
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return pw
}

// checkDefaultPolicy checks password against the default AD policy.
func checkDefaultPolicy(username, password string) error {
	return rules.CheckPassword(rules.PasswordPolicy{}, username, password)
}

// people drops the service accounts (rules.IsServiceAccount: posse-mail, …)
// from us, in place. They are not people: the Users screen and the user
// count leave them out, so that nobody deletes or disables mail's lookup
// account by mistake.
func people(us []api.User) []api.User {
	out := us[:0]
	for _, u := range us {
		if !rules.IsServiceAccount(u.Username) {
			out = append(out, u)
		}
	}
	clear(us[len(out):])
	return out
}
