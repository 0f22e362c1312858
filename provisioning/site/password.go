// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/posse-project/posse/provisioning/host"
)

// Password and recycle bin defaults and limits.
const (
	// DefaultMinPasswordLength is the policy's min_length when absent.
	DefaultMinPasswordLength = 10
	// MinBackupPasswordLength is the shortest backup repository password.
	MinBackupPasswordLength = 12
	// MaxPasswordLength is the longest password Posse sets, in characters.
	MaxPasswordLength = 256
	// DefaultRecycleDays is a share's recycle_days when absent.
	DefaultRecycleDays = 30
)

// CheckPassword checks password against policy the way AD does: at least
// policy.MinLength characters and, with Complexity, characters from at least
// three of upper case, lower case, digits and others, and not containing
// username (case-insensitively, for usernames of three or more characters).
// Control characters are always refused. A zero policy means the defaults
// (see Site.Policy). The error never contains the password.
func CheckPassword(policy PasswordPolicy, username, password string) error {
	if policy == (PasswordPolicy{}) {
		policy = defaultPolicy()
	}
	if policy.MinLength == 0 {
		policy.MinLength = DefaultMinPasswordLength
	}
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password) || hasControl(password):
		return errors.New(errPasswordControl)
	case n < policy.MinLength:
		return fmt.Errorf(errPasswordShort, policy.MinLength, n)
	case n > MaxPasswordLength:
		return fmt.Errorf(errPasswordLong, MaxPasswordLength)
	}
	if !policy.Complexity {
		return nil
	}
	var upper, lower, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return errors.New(errPasswordSimple)
	}
	if len(username) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return errors.New(errPasswordUsername)
	}
	return nil
}

// Character classes of generated passwords: no look-alikes (0 O 1 l I),
// and symbols that need no quoting in a shell, CSV or YAML value.
const (
	pwLower  = "abcdefghijkmnopqrstuvwxyz"
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwDigit  = "23456789"
	pwSymbol = "!#%+-=?@_"
	// GeneratedPasswordLength is the shortest password GeneratePassword
	// makes.
	GeneratedPasswordLength = 16
)

// formulaStart are the characters that make a spreadsheet read a cell as a
// formula; a generated password never starts with one, so a passwords file
// opened in Excel or LibreOffice shows it as it is.
const formulaStart = "=+-@"

// GeneratePassword returns a new random password (crypto/rand) for
// username that passes CheckPassword(policy, username, ·): at least
// GeneratedPasswordLength characters and at least policy's minimum length,
// with lower case, upper case, digits and symbols, without look-alike
// characters, not containing the username, and starting with a letter or
// digit (never with =, +, - or @). It is the one password generator of
// Posse: the CSV import, possectl, new template users without a password
// and the app use it. A zero policy means the defaults.
func GeneratePassword(policy PasswordPolicy, username string) (string, error) {
	if policy == (PasswordPolicy{}) {
		policy = defaultPolicy()
	}
	n := max(GeneratedPasswordLength, policy.MinLength)
	if n > MaxPasswordLength {
		return "", fmt.Errorf(errPasswordLong, MaxPasswordLength)
	}
	for range 100 {
		pw, err := randomPassword(n)
		if err != nil {
			return "", fmt.Errorf("generating a password: %w", err)
		}
		if CheckPassword(policy, username, pw) == nil {
			return pw, nil
		}
	}
	return "", errors.New("could not generate a password that meets the password policy")
}

// randomPassword returns n (at least 5) random characters: a letter or
// digit first, then one of each class and the rest from all classes, in
// random order.
func randomPassword(n int) (string, error) {
	all := pwLower + pwUpper + pwDigit + pwSymbol
	sets := []string{pwLower + pwUpper + pwDigit, pwLower, pwUpper, pwDigit, pwSymbol}
	b := make([]byte, n)
	for i := range b {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		j, err := randInt(len(set))
		if err != nil {
			return "", err
		}
		b[i] = set[j]
	}
	// Shuffle all but the first (Fisher–Yates), so the classes' places are
	// not predictable.
	for i := n - 1; i > 1; i-- {
		j, err := randInt(i) // 0 ≤ j < i, so 1 ≤ j+1 ≤ i
		if err != nil {
			return "", err
		}
		b[i], b[j+1] = b[j+1], b[i]
	}
	return string(b), nil
}

func randInt(n int) (int, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(i.Int64()), nil
}

// CheckSecrets resolves every secret the site references and checks the
// values: the admin password and users' initial passwords against the
// site's password policy, the backup password for at least
// MinBackupPasswordLength characters, the mail relay password for one line
// of Postfix's password table. Missing secrets are listed by name
// with the place of each reference. References that are not valid are left
// to Validate. Problems never contain a secret value.
func CheckSecrets(s *Site, secrets host.Secrets) Problems {
	v := &validator{s: s, file: s.Source.File, pos: s.pos}
	policy := s.Policy()
	check := func(path string, ref SecretRef, what string, test func(string) error) {
		name, ok := ref.Name()
		if !ok {
			return
		}
		var val string
		if secrets != nil {
			val, ok = secrets.Lookup(name)
		}
		if !ok {
			v.add(path, msgSecretMissing(name), hintSecretMissing(name))
			return
		}
		if err := test(val); err != nil {
			v.add(path, fmt.Sprintf(errSecretWeak, name, what, err), hintSecretWeak)
		}
	}
	check("directory.admin_password", s.Directory.AdminPassword, "domain administrator password", func(pw string) error {
		return CheckPassword(policy, "administrator", pw)
	})
	for i, u := range s.Users {
		check(joinIndex("users", i)+".password", u.Password, "initial password of "+u.Username, func(pw string) error {
			return CheckPassword(policy, u.Username, pw)
		})
	}
	if s.Mail != nil && s.Mail.Relay != nil {
		check("mail.relay.password", s.Mail.Relay.Password, "mail relay password", CheckRelayPassword)
	}
	if s.Backup != nil {
		check("backup.password", s.Backup.Password, "backup password", func(pw string) error {
			return CheckPassword(PasswordPolicy{MinLength: MinBackupPasswordLength}, "", pw)
		})
	}
	v.probs.Sort()
	return v.probs
}
