// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/rules"
)

// Password and recycle bin defaults and limits.
const (
	// DefaultMinPasswordLength is the policy's min_length when absent
	// (rules.DefaultMinPasswordLength).
	DefaultMinPasswordLength = rules.DefaultMinPasswordLength
	// MinBackupPasswordLength is the shortest backup repository password.
	MinBackupPasswordLength = 12
	// MaxPasswordLength is the longest password Posse sets, in characters
	// (rules.MaxPasswordLength).
	MaxPasswordLength = rules.MaxPasswordLength
	// DefaultRecycleDays is a share's recycle_days when absent.
	DefaultRecycleDays = 30
)

// CheckPassword checks password against policy; it is rules.CheckPassword,
// kept here for the site model's callers.
func CheckPassword(policy PasswordPolicy, username, password string) error {
	return rules.CheckPassword(policy, username, password)
}

// GeneratePassword returns a new random password for username that passes
// CheckPassword(policy, username, ·); it is rules.GeneratePassword, the one
// password generator of Posse, kept here for the site model's callers.
func GeneratePassword(policy PasswordPolicy, username string) (string, error) {
	return rules.GeneratePassword(policy, username)
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
	if s.Mail != nil {
		for i, c := range s.Mail.Collect {
			check(joinIndex("mail.collect", i)+".password", c.Password, "collect password of "+c.Username, CheckCollectPassword)
		}
	}
	if s.Backup != nil {
		check("backup.password", s.Backup.Password, "backup password", func(pw string) error {
			return CheckPassword(PasswordPolicy{MinLength: MinBackupPasswordLength}, "", pw)
		})
	}
	v.probs.Sort()
	return v.probs
}
