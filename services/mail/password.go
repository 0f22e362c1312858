// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// passwordLen is the length of the service account's password: 32 of 62
// characters, about 190 bits.
const passwordLen = 32

const (
	pwLower  = "abcdefghijklmnopqrstuvwxyz"
	pwUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	pwDigits = "0123456789"
)

// GeneratePassword returns a random password from crypto/rand of letters
// and digits only (safe unquoted in Postfix and Dovecot files), with at
// least one lower-case letter, upper-case letter and digit, so it meets
// Active Directory's complexity rule.
func GeneratePassword() (string, error) {
	all := pwLower + pwUpper + pwDigits
	for {
		b := make([]byte, passwordLen)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(all))))
			if err != nil {
				return "", fmt.Errorf("generating the mail service password: %w", err)
			}
			b[i] = all[n.Int64()]
		}
		pw := string(b)
		if strings.ContainsAny(pw, pwLower) && strings.ContainsAny(pw, pwUpper) && strings.ContainsAny(pw, pwDigits) {
			return pw, nil
		}
	}
}

// validPassword reports whether pw is a password this package generated
// (so it can stand unquoted on a config line).
func validPassword(pw string) bool {
	if len(pw) < 16 || len(pw) > 128 {
		return false
	}
	for i := 0; i < len(pw); i++ {
		if !strings.ContainsRune(pwLower+pwUpper+pwDigits, rune(pw[i])) {
			return false
		}
	}
	return true
}

// errNoPassword says the password file does not exist yet.
var errNoPassword = errors.New("the mail service password has not been generated yet")

// ReadPassword reads the service account's password from its 0600 file
// under the state directory. It refuses a file others can read.
func ReadPassword(env *host.Env) (string, error) {
	p := env.State(PasswordFile)
	fi, err := os.Lstat(p)
	if os.IsNotExist(err) {
		return "", errNoPassword
	}
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s must be a regular file with mode 0600: fix it with chmod 600 (or delete it and apply again to rotate the password)", p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	pw := strings.TrimSpace(string(b))
	if !validPassword(pw) {
		return "", fmt.Errorf("%s does not hold a password Posse generated: delete it and apply again to rotate the password", p)
	}
	return pw, nil
}

// EnsurePassword returns the stored password, generating and storing it
// (0600 in a 0700 directory) on first use; created reports a new one.
func EnsurePassword(env *host.Env) (pw string, created bool, err error) {
	pw, err = ReadPassword(env)
	if err == nil || !errors.Is(err, errNoPassword) {
		return pw, false, err
	}
	if pw, err = GeneratePassword(); err != nil {
		return "", false, err
	}
	p := env.State(PasswordFile)
	if _, err := fsutil.MkdirAll(filepath.Dir(filepath.Dir(p))); err != nil {
		return "", false, err
	}
	if _, err := fsutil.EnsureDir(filepath.Dir(p), 0o700, fsutil.NoID, fsutil.NoID); err != nil {
		return "", false, err
	}
	if err := fsutil.WriteFileAtomic(p, []byte(pw+"\n"), 0o600, fsutil.NoID, fsutil.NoID); err != nil {
		return "", false, fmt.Errorf("storing the mail service password: %w", err)
	}
	return pw, true, nil
}
