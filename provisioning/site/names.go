// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/posse-project/posse/rules"
)

// Grammars for names that reach LDAP filters and DNs, config files, paths and
// command arguments. They are exported so the GUI, CSV import and the JSON
// Schema use exactly the same rules.
const (
	// UsernamePattern is the grammar of usernames (rules.UsernamePattern).
	UsernamePattern = rules.UsernamePattern
	// GroupPattern is the grammar of group names.
	GroupPattern = `^[a-z][a-z0-9._-]{0,63}$`
	// WorkgroupPattern is the grammar of the NetBIOS domain name.
	WorkgroupPattern = `^[A-Z0-9-]{1,15}$`
	// SecretNamePattern is the grammar of secret names.
	SecretNamePattern = `^[a-z0-9_]{1,64}$`
	// SecretRefPattern is the only accepted form of a secret field.
	SecretRefPattern = `^\$\{secret:[a-z0-9_]{1,64}\}$`
	// DomainPattern is the grammar of a lower-case DNS name with at least
	// two labels (rules.DomainPattern).
	DomainPattern = rules.DomainPattern
	// RealmPattern is the grammar of a Kerberos realm: an upper-case DNS name.
	RealmPattern = `^([A-Z0-9]([A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9]([A-Z0-9-]{0,61}[A-Z0-9])?$`
	// EmailPattern is the grammar of mail addresses Posse accepts
	// (rules.EmailPattern).
	EmailPattern = rules.EmailPattern
	// TimezonePattern is the grammar of time zone names, systemd's: runs of
	// letters, digits, '_', '+' and '-' separated by single slashes, so a
	// name can never be an absolute path or climb out of /usr/share/zoneinfo
	// ("." and ".." have no place in it).
	TimezonePattern = `^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`
	// MaxTimezoneLen is the longest time zone name Posse accepts.
	MaxTimezoneLen = 255
	// ShareNameForbidden lists the characters a share name must not contain.
	ShareNameForbidden = `\/:*?"<>|[]=;,+%`
	// MaxShareNameLen is the longest share name, in characters.
	MaxShareNameLen = 80
	// SharesRoot is the directory every share lies in.
	SharesRoot = "/srv"
	// DefaultSharesDir is where shares without a path live.
	DefaultSharesDir = "/srv/posse/shares"
	// HomesDir is where home folders live when homes are enabled; shares
	// and the backup repository must stay out of it.
	HomesDir = "/srv/posse/homes"
	// RecycleDir is a share's recycle bin, a folder in the share's root;
	// template folders must stay out of it.
	RecycleDir = ".recycle"
	// MaxFolderPathLen is the longest folder path inside a share, in bytes.
	MaxFolderPathLen = 1024
)

var (
	usernameRE   = regexp.MustCompile(UsernamePattern)
	groupRE      = regexp.MustCompile(GroupPattern)
	workgroupRE  = regexp.MustCompile(WorkgroupPattern)
	secretNameRE = regexp.MustCompile(SecretNamePattern)
	realmRE      = regexp.MustCompile(RealmPattern)
	pathCharsRE  = regexp.MustCompile(`^[A-Za-z0-9._/+@-]+$`)
	timezoneRE   = regexp.MustCompile(TimezonePattern)
)

// notTimezones are files in /usr/share/zoneinfo (and Go's names) that match
// TimezonePattern but are not zones to set: "localtime" links back to
// /etc/localtime, "posixrules" is a rules template, "Local" is Go's name for
// whatever the machine uses.
var notTimezones = setOf("localtime", "posixrules", "Local")

// TimezoneNameOK reports whether name has the shape of a time zone name
// (TimezonePattern, at most MaxTimezoneLen bytes, not one of the few files
// in /usr/share/zoneinfo that are no zone). It does not look the zone up:
// the name is safe to join to /usr/share/zoneinfo once it passes.
func TimezoneNameOK(name string) bool {
	return len(name) <= MaxTimezoneLen && timezoneRE.MatchString(name) && !notTimezones[name]
}

// reservedGroups are AD built-in groups and privileged local groups,
// compared case-insensitively.
var reservedGroups = setOf(
	rules.EveryoneGroup, "domain admins", "domain users", "domain guests", "domain computers",
	"domain controllers", "schema admins", "enterprise admins",
	"group policy creator owners", "administrators", "users", "guests",
	"account operators", "server operators", "print operators",
	"backup operators", "replicator", "remote desktop users",
	"network configuration operators", "performance monitor users",
	"performance log users", "distributed com users", "iis_iusrs",
	"cryptographic operators", "event log readers",
	"certificate service dcom access", "cert publishers",
	"ras and ias servers", "dnsadmins", "dnsupdateproxy",
	"read-only domain controllers", "enterprise read-only domain controllers",
	"allowed rodc password replication group",
	"denied rodc password replication group", "protected users",
	"key admins", "enterprise key admins",
	"windows authorization access group", "terminal server license servers",
	"incoming forest trust builders", "pre-windows 2000 compatible access",
	"root", "wheel", "sudo", "adm", "shadow", "disk", "daemon", "sys",
	"bin", "nogroup", "systemd-journal",
)

// IsSambaSection reports whether name is, ignoring case and surrounding
// spaces, one of Samba's own sections or special shares
// (rules.IsSambaSection).
func IsSambaSection(name string) bool { return rules.IsSambaSection(name) }

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// HasControl reports whether s holds a control character, a line or
// paragraph separator or invalid UTF-8 (rules.HasControl).
func HasControl(s string) bool { return rules.HasControl(s) }

func hasControl(s string) bool { return rules.HasControl(s) }

// ValidDomain reports whether s is a lower-case DNS name with at least two
// labels and at most 253 characters (rules.ValidDomain).
func ValidDomain(s string) bool { return rules.ValidDomain(s) }

// ValidEmail reports whether s is a lower-case mail address Posse accepts
// (rules.ValidEmail).
func ValidEmail(s string) bool { return rules.ValidEmail(s) }

// ValidUsername reports whether s is a valid username that is not
// reserved (rules.ValidUsername).
func ValidUsername(s string) bool { return rules.ValidUsername(s) }

// UsernameError says what is wrong with a username, or returns nil
// (rules.UsernameError); (*Site).UsernameError adds the rules that depend
// on the site.
func UsernameError(name string) error { return rules.UsernameError(name) }

// UsernameError is the package's UsernameError plus the rule that needs the
// site: with home folders enabled, a username must not be the name of one
// of the site's shares (ignoring case), because the user's home folder
// would be shared under that name too.
func (s *Site) UsernameError(name string) error {
	if err := UsernameError(name); err != nil {
		return err
	}
	if sh, ok := s.homeShareClash(name); ok {
		return nameErr(fmt.Sprintf(errUsernameIsShare, name, sh), hintUsernameIsShare)
	}
	return nil
}

// homeShareClash returns the share whose name a home folder of username
// would take, when the site shares home folders.
func (s *Site) homeShareClash(username string) (string, bool) {
	if !s.Homes.Enabled {
		return "", false
	}
	for _, sh := range s.Shares {
		if strings.EqualFold(strings.TrimSpace(sh.Name), username) {
			return sh.Name, true
		}
	}
	return "", false
}

// posseGroups are the local groups polkit grants possed's actions to
// (daemon/authz.go); a directory group that looks like one could be taken
// for it.
var posseGroups = setOf("posse-admin", "posse-office")

// groupKey folds a group name for look-alike comparisons: lower case,
// without '-', '_', '.' and spaces, and without a plural "s", so that
// "Domain-Admins", "domain_admin" and "domain admins" are one name.
func groupKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch r {
		case '-', '_', '.', ' ':
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimSuffix(b.String(), "s")
}

// reservedGroupKeys are the groupKeys of reservedGroups and posseGroups.
var reservedGroupKeys = func() map[string]string {
	m := map[string]string{}
	for _, set := range []map[string]bool{reservedGroups, posseGroups} {
		for n := range set {
			m[groupKey(n)] = n
		}
	}
	return m
}()

// ValidGroupName reports whether s is a valid group name that is neither
// reserved nor a look-alike of a reserved group (see GroupNameError).
func ValidGroupName(s string) bool {
	msg, _ := groupNameProblem(s)
	return msg == ""
}

// GroupNameError says what is wrong with a group name, or returns nil: the
// grammar GroupPattern; AD's built-in groups and the box's privileged
// local groups; Posse's own groups (posse-admin, posse-office and any name
// "posse" followed by a separator); and names that differ from one of
// those only in case, separators ('-', '_', '.', space) or a plural "s",
// such as "domain-admins" or "Enterprise_Admins".
func GroupNameError(name string) error { return nameErr(groupNameProblem(name)) }

func groupNameProblem(name string) (msg, hint string) {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return errGroupEmpty, hintGroupName
	case lower == rules.EveryoneGroup:
		return errGroupEveryone, hintGroupEveryone
	case reservedGroups[lower]:
		return fmt.Sprintf(errGroupReserved, clipName(name)), hintGroupReserved
	case !groupRE.MatchString(name):
		return fmt.Sprintf(errGroupInvalid, clipName(name)), hintGroupGrammar
	case posseGroups[lower] || lower == "posse" || (strings.HasPrefix(lower, "posse") && strings.ContainsRune("-_. ", rune(lower[len("posse")]))):
		return fmt.Sprintf(errGroupPosse, name), hintGroupPosse
	}
	if orig, ok := reservedGroupKeys[groupKey(name)]; ok {
		return fmt.Sprintf(errGroupLookAlike, name, orig), hintGroupLookAlike
	}
	return "", ""
}

// ShareNameError says what is wrong with a share name, or returns nil:
// empty, longer than MaxShareNameLen characters, control characters, any
// of ShareNameForbidden, surrounding spaces, one of Samba's own sections
// (IsSambaSection), a trailing "$" (Windows hides such shares as
// administrative ones) or a leading "#" or ";" (comment characters in
// smb.conf).
func ShareNameError(name string) error { return nameErr(shareNameProblem(name)) }

// shareNameProblem returns what is wrong with a share name, or "".
func shareNameProblem(name string) (msg, hint string) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "share name must not be empty", ""
	case n > MaxShareNameLen:
		return "share name is longer than 80 characters", "use a shorter name"
	case hasControl(name):
		return "share name contains control characters", hintControl
	case strings.ContainsAny(name, ShareNameForbidden):
		return "share name contains a character SMB does not allow", "do not use any of " + ShareNameForbidden
	case strings.TrimSpace(name) != name:
		return "share name starts or ends with a space", "remove the surrounding spaces"
	case IsSambaSection(name):
		return "share name " + quote(name) + " is reserved by Samba", "choose another name"
	case strings.HasSuffix(name, "$"):
		return "share name " + quote(name) + ` ends in "$", which hides administrative shares`, "choose another name"
	case strings.HasPrefix(name, "#") || strings.HasPrefix(name, ";"):
		return "share name " + quote(name) + " starts with a comment character", "choose another name"
	}
	return "", ""
}

// TextError says what is wrong with a free-text value such as a given
// name, surname, display name or description, or returns nil: control
// characters, line breaks or invalid UTF-8 (HasControl), or more than max
// characters. what names the field in the message.
func TextError(what, s string, max int) error {
	if hasControl(s) {
		return nameErr(what+errTextControl, hintControl)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return nameErr(fmt.Sprintf(errTextTooLong, what, n, max), hintShorten)
	}
	return nil
}

// nameErr turns a message and hint into an error (rules.NameError).
func nameErr(msg, hint string) error { return rules.NameError(msg, hint) }

// clipName shortens a hostile name for a message (rules.ClipName).
func clipName(s string) string { return rules.ClipName(s) }

func quote(s string) string { return `"` + s + `"` }
