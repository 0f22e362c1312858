package directory

import (
	"crypto/rand"
	"errors"
	"math/big"
	"strings"
	"unicode"
)

// Character classes of generated passwords; no look-alikes (0O1lI).
const (
	pwLower  = "abcdefghijkmnopqrstuvwxyz"
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwDigit  = "23456789"
	pwSymbol = "!#%+-=?@_"
)

// GeneratePassword returns a random password of n characters (at least 12)
// from crypto/rand with at least one lower, upper, digit and symbol, so it
// meets Active Directory's complexity rule.
func GeneratePassword(n int) (string, error) {
	if n < 12 {
		n = 12
	}
	classes := []string{pwLower, pwUpper, pwDigit, pwSymbol}
	all := strings.Join(classes, "")
	b := make([]byte, n)
	for i := range b {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		b[i] = c
	}
	// Shuffle so the class prefix is not predictable (Fisher–Yates).
	for i := n - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		b[i], b[j.Int64()] = b[j.Int64()], b[i]
	}
	return string(b), nil
}

func pick(set string) (byte, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[i.Int64()], nil
}

// CheckPassword checks pw against a password policy the way Samba does:
// minimum length and, with complexity, three of the four character classes
// and not containing the account name. The error never contains pw.
func CheckPassword(pw, username string, p Policy) error {
	if len([]rune(pw)) < p.MinLength {
		return errors.New("password is shorter than the policy's minimum length")
	}
	if !p.Complexity {
		return nil
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return errors.New("password needs three of: lower case, upper case, digits, symbols")
	}
	if len(username) >= 3 && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return errors.New("password must not contain the username")
	}
	return nil
}
