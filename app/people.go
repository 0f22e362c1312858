package app

import (
	"crypto/rand"
	"math/big"
	"regexp"
	"strings"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,19}$`)

// CheckUsername returns what is wrong with a username, or "".
func CheckUsername(s string) string {
	switch {
	case s == "":
		return tr("Enter a username.")
	case len(s) > 20:
		return tr("Use at most 20 characters.")
	case !usernameRE.MatchString(s):
		return tr("Use lower-case letters, digits, dot, dash or underscore, starting with a letter.")
	}
	return ""
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// CheckEmail returns what is wrong with a mail address ("" is allowed).
func CheckEmail(s string) string {
	if s != "" && !emailRE.MatchString(s) {
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

// GeneratePassword returns an initial password that is easy to read out
// and type (no 0/O, 1/l) and meets the default policy: two capitalised
// syllable words and two digits, such as "Tokam-Rubel-47".
func GeneratePassword() string {
	const cons, vow, dig = "bdfghkmnprstvwz", "aeiu", "23456789"
	pick := func(set string) byte {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			panic(err) // crypto/rand does not fail on Linux
		}
		return set[n.Int64()]
	}
	word := func() string {
		b := []byte{pick(cons), pick(vow), pick(cons), pick(vow), pick(cons)}
		b[0] -= 'a' - 'A'
		return string(b)
	}
	return word() + "-" + word() + "-" + string([]byte{pick(dig), pick(dig)})
}

// checkDefaultPolicy checks password against the default AD policy.
func checkDefaultPolicy(username, password string) error {
	return site.CheckPassword(site.PasswordPolicy{}, username, password)
}

// serviceAccountPrefix starts the directory accounts Posse's services
// create for themselves (posse-mail, …; directory.ServiceAccountPrefix,
// not imported to keep the directory code out of the app). They are not
// people: the Users screen and the user count leave them out, so that
// nobody deletes or disables mail's lookup account by mistake.
const serviceAccountPrefix = "posse-"

func isServiceAccount(username string) bool {
	return strings.HasPrefix(strings.ToLower(username), serviceAccountPrefix)
}

// people drops the service accounts from us, in place.
func people(us []api.User) []api.User {
	out := us[:0]
	for _, u := range us {
		if !isServiceAccount(u.Username) {
			out = append(out, u)
		}
	}
	clear(us[len(out):])
	return out
}
