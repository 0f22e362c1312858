// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
)

// Limits on arguments, checked before anything else happens.
const (
	maxCSV        = 4 << 20
	maxQuery      = 256
	maxSecrets    = 256
	maxTextField  = 256
	maxListLength = 1000
)

// The validators below are the site package's rules, so the daemon
// accepts exactly what a template may contain, with the template's
// messages. Their errors are what the caller sees after "invalid input: ".
// The rules that need the directory or the applied site (names and
// addresses in use, a share's name) are the backend's
// (directory.Taken).

func checkUsername(name string) error {
	return api.Keyed(site.UsernameError(name), api.KeyUsernameInvalid, "name", clip(name))
}

// checkChangeable refuses changes to the accounts Posse's own services use
// to read the directory (posse-mail, …): disabling one or changing its
// password would stop that service for the whole office. A site apply
// manages them.
func checkChangeable(name string) error {
	if site.IsServiceAccount(name) {
		return api.Keyed(fmt.Errorf("%s is the directory account of one of Posse's services; Posse manages it (a site apply repairs it), so it cannot be changed here", clip(name)), api.KeyServiceAccount, "user", clip(name))
	}
	return nil
}

// checkMember refuses a user as a group member change: a valid username,
// and not one of Posse's service accounts.
func checkMember(name string) error {
	return firstErr(checkUsername(name), checkChangeable(name))
}

func checkGroupName(name string) error { return site.GroupNameError(name) }

// checkEmail accepts a mail address (of a site alias, or an alias's
// target).
func checkEmail(addr string) error {
	if !site.ValidEmail(addr) {
		return fmt.Errorf("mail address %q is not valid: use a lower-case address such as anna@example.com", clip(addr))
	}
	return nil
}

// checkUserEmail and checkUserAlias accept a user's own addresses: valid,
// and not a service address (postmaster@, …), which only site aliases may
// be.
func checkUserEmail(addr string) error { return site.UserAddressError("email", addr) }

func checkUserAlias(addr string) error { return site.UserAddressError("alias", addr) }

// checkText accepts free text (descriptions, display names) without
// control characters, of at most maxTextField characters.
func checkText(field, s string) error { return site.TextError(field, s, maxTextField) }

// checkName accepts a given name or surname, by the template's rule.
func checkName(field, s string) error { return site.TextError(field, s, site.MaxNameFieldLen) }

// checkPassword refuses what no policy accepts; the backend checks the
// site's password policy. The error never contains the password.
func checkPassword(pw string) error {
	switch {
	case pw == "":
		return api.Keyed(fmt.Errorf("password is empty"), api.KeyPasswordShort, "min", "1")
	case utf8.RuneCountInString(pw) > site.MaxPasswordLength:
		return api.Keyed(fmt.Errorf("password is longer than %d characters", site.MaxPasswordLength), api.KeyPasswordLong, "max", strconv.Itoa(site.MaxPasswordLength))
	case site.HasControl(pw):
		return api.Keyed(fmt.Errorf("password contains control characters or line breaks: use printable characters only"), api.KeyPasswordControl)
	}
	return nil
}

// KeyPassword gives a password policy's error (rules.PasswordError) its
// key for the bus; other errors stay as they are.
func KeyPassword(err error) error {
	var pe *rules.PasswordError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Reason {
	case rules.PasswordShort:
		return api.Keyed(err, api.KeyPasswordShort, "min", strconv.Itoa(pe.Limit))
	case rules.PasswordLong:
		return api.Keyed(err, api.KeyPasswordLong, "max", strconv.Itoa(pe.Limit))
	case rules.PasswordSimple:
		return api.Keyed(err, api.KeyPasswordSimple)
	case rules.PasswordUsername:
		return api.Keyed(err, api.KeyPasswordUsername)
	case rules.PasswordControl:
		return api.Keyed(err, api.KeyPasswordControl)
	}
	return err
}

func checkUser(u api.User) error {
	if err := firstErr(checkUsername(u.Username), checkChangeable(u.Username)); err != nil {
		return err
	}
	if err := firstErr(checkName("given name", u.GivenName), checkName("surname", u.Surname), checkText("display name", u.DisplayName)); err != nil {
		return err
	}
	if u.Email != "" {
		if err := checkUserEmail(u.Email); err != nil {
			return err
		}
	}
	if err := checkList("aliases", u.Aliases, checkUserAlias); err != nil {
		return err
	}
	if u.Kind != "" && u.Kind != site.KindPerson {
		return fmt.Errorf("kind %s: service accounts are made by the site template (users[].kind: service); leave Kind empty", clip(u.Kind))
	}
	if u.Admin {
		return fmt.Errorf("admin rights are given by the site template (admins:), not with Create; leave Admin false")
	}
	return checkList("groups", u.Groups, checkGroupName)
}

func checkList(field string, items []string, check func(string) error) error {
	if len(items) > maxListLength {
		return fmt.Errorf("%s: more than %d entries", field, maxListLength)
	}
	for _, it := range items {
		if err := check(it); err != nil {
			return err
		}
	}
	return nil
}

// checkSecrets checks secret names (never values, beyond their size).
func checkSecrets(secrets map[string]string) error {
	if len(secrets) > maxSecrets {
		return fmt.Errorf("more than %d secrets", maxSecrets)
	}
	for name, v := range secrets {
		if !site.ValidSecretName(name) {
			return fmt.Errorf("secret name %q is not valid: use 1–64 of a-z, 0-9 and '_'", clip(name))
		}
		if len(v) > 4096 {
			return fmt.Errorf("secret %s is longer than 4096 bytes", name)
		}
	}
	return nil
}

func checkTemplate(t []byte) error {
	switch {
	case len(t) == 0:
		return fmt.Errorf("the template is empty")
	case len(t) > site.MaxTemplateSize:
		return fmt.Errorf("the template is larger than %d bytes", site.MaxTemplateSize)
	}
	return nil
}

// checkPlanID accepts a plan id as api.PlanID makes it: 64 hex digits.
func checkPlanID(id string) error {
	if len(id) != 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return fmt.Errorf("plan %q is not a plan id (the SHA-256 of the plan's JSON in lower-case hex): make the plan again", clip(id))
	}
	return nil
}

// checkShareName accepts a share name the template accepts.
func checkShareName(name string) error { return site.ShareNameError(name) }

// checkVersionShare accepts a share's name or, for a home folder, its
// user's name.
func checkVersionShare(name string) error {
	if site.ShareNameError(name) == nil || site.ValidUsername(name) {
		return nil
	}
	return fmt.Errorf("%q is neither a share nor a user with a home folder", clip(name))
}

// checkSharePath accepts a path inside a share (site.CleanSharePath).
func checkSharePath(p string) error {
	_, err := site.CleanSharePath(p)
	return err
}

// checkShareRootOrPath accepts "" (a share's root) or a path inside a
// share.
func checkShareRootOrPath(p string) error {
	if p == "" {
		return nil
	}
	return checkSharePath(p)
}

// checkBoxPath accepts a clean absolute path without "..".
func checkBoxPath(field, p string) error {
	if p == "" || !strings.HasPrefix(p, "/") || path.Clean(p) != p || site.HasControl(p) || len(p) > 4096 {
		return fmt.Errorf("%s %q must be a clean absolute path such as /srv/data", field, clip(p))
	}
	return nil
}

// checkSnapshotID accepts restic ids (hex) and "latest".
var copyNameRE = regexp.MustCompile(site.CopyNamePattern)

// checkCopyName checks the name of a backup copy (it becomes part of a
// unit name).
func checkCopyName(name string) error {
	if !copyNameRE.MatchString(name) {
		return fmt.Errorf("backup copy name %q is not valid: 1 to 32 of a-z, 0-9 and -, as possectl backup status lists them", clip(name))
	}
	return nil
}

func checkSnapshotID(id string) error {
	if id == "latest" {
		return nil
	}
	if len(id) < 8 || len(id) > 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return fmt.Errorf("snapshot %q is not valid: use an id from Snapshots (8–64 hex digits) or \"latest\"", clip(id))
	}
	return nil
}

// clip shortens a caller's value for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
