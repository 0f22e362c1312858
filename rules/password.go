// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password defaults and limits.
const (
	// DefaultMinPasswordLength is the policy's min_length when absent.
	DefaultMinPasswordLength = 10
	// MaxPasswordLength is the longest password Posse sets, in characters.
	MaxPasswordLength = 256
)

// PasswordPolicy is the domain's password policy.
type PasswordPolicy struct {
	// MinLength is the minimum password length, 7–128; 0 means the default 10.
	MinLength int `yaml:"min_length" json:"min_length,omitempty"`
	// Complexity requires three of four character classes and no username.
	// Parse sets it to true when the key is absent.
	Complexity bool `yaml:"complexity" json:"complexity"`
	// MaxAgeDays is the maximum password age; 0 means passwords never expire.
	MaxAgeDays int `yaml:"max_age_days" json:"max_age_days,omitempty"`
}

// DefaultPolicy is the policy a site without one gets, AD's default: at
// least DefaultMinPasswordLength characters, complexity on, no expiry.
func DefaultPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: DefaultMinPasswordLength, Complexity: true}
}

// Messages of CheckPassword.
const (
	errPasswordControl  = "password contains control characters or line breaks: use printable characters only"
	errPasswordShort    = "password is too short: the policy needs at least %d characters, it has %d"
	errPasswordLong     = "password is longer than %d characters"
	errPasswordSimple   = "password is too simple: use at least three of upper case, lower case, digits and symbols"
	errPasswordUsername = "password contains the username: choose one that does not"
)

// Reasons of a PasswordError.
const (
	PasswordControl  = "control"
	PasswordShort    = "short"
	PasswordLong     = "long"
	PasswordSimple   = "simple"
	PasswordUsername = "username"
)

// PasswordError is what CheckPassword finds wrong: Reason is one of the
// reasons above, Limit the length the policy names (short, long).
type PasswordError struct {
	Reason string
	Limit  int
	msg    string
}

// Error says what is wrong and what to do; it never holds the password.
func (e *PasswordError) Error() string { return e.msg }

// CheckPassword checks password against policy the way AD does: at least
// policy.MinLength characters and, with Complexity, characters from at least
// three of upper case, lower case, digits and others, and not containing
// username (case-insensitively, for usernames of three or more characters).
// Control characters are always refused. A zero policy means the defaults
// (DefaultPolicy). The error never contains the password.
func CheckPassword(policy PasswordPolicy, username, password string) error {
	if policy == (PasswordPolicy{}) {
		policy = DefaultPolicy()
	}
	if policy.MinLength == 0 {
		policy.MinLength = DefaultMinPasswordLength
	}
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password) || HasControl(password):
		return &PasswordError{Reason: PasswordControl, msg: errPasswordControl}
	case n < policy.MinLength:
		return &PasswordError{Reason: PasswordShort, Limit: policy.MinLength, msg: fmt.Sprintf(errPasswordShort, policy.MinLength, n)}
	case n > MaxPasswordLength:
		return &PasswordError{Reason: PasswordLong, Limit: MaxPasswordLength, msg: fmt.Sprintf(errPasswordLong, MaxPasswordLength)}
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
		return &PasswordError{Reason: PasswordSimple, msg: errPasswordSimple}
	}
	if len(username) >= 3 && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return &PasswordError{Reason: PasswordUsername, msg: errPasswordUsername}
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
		policy = DefaultPolicy()
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
