package site

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Grammars for names that reach LDAP filters and DNs, config files, paths and
// command arguments. They are exported so the GUI, CSV import and the JSON
// Schema use exactly the same rules.
const (
	// UsernamePattern is the grammar of usernames (sAMAccountName, mailbox).
	UsernamePattern = `^[a-z][a-z0-9._-]{0,19}$`
	// GroupPattern is the grammar of group names.
	GroupPattern = `^[a-z][a-z0-9._-]{0,63}$`
	// WorkgroupPattern is the grammar of the NetBIOS domain name.
	WorkgroupPattern = `^[A-Z0-9-]{1,15}$`
	// SecretNamePattern is the grammar of secret names.
	SecretNamePattern = `^[a-z0-9_]{1,64}$`
	// SecretRefPattern is the only accepted form of a secret field.
	SecretRefPattern = `^\$\{secret:[a-z0-9_]{1,64}\}$`
	// DomainPattern is the grammar of a lower-case DNS name with at least two labels.
	DomainPattern = `^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
	// RealmPattern is the grammar of a Kerberos realm: an upper-case DNS name.
	RealmPattern = `^([A-Z0-9]([A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9]([A-Z0-9-]{0,61}[A-Z0-9])?$`
	// EmailPattern is the grammar of mail addresses Posse accepts: lower
	// case, and a local part of dot-separated runs of a-z, 0-9, '_', '+' and
	// '-' (none of the characters that mean something in LDAP filters,
	// Postfix tables or shells).
	EmailPattern = `^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
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
)

var (
	usernameRE   = regexp.MustCompile(UsernamePattern)
	groupRE      = regexp.MustCompile(GroupPattern)
	workgroupRE  = regexp.MustCompile(WorkgroupPattern)
	secretNameRE = regexp.MustCompile(SecretNamePattern)
	domainRE     = regexp.MustCompile(DomainPattern)
	realmRE      = regexp.MustCompile(RealmPattern)
	emailRE      = regexp.MustCompile(EmailPattern)
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

// reservedUsers are names a template must not define: built-in AD accounts
// and system accounts on the box.
var reservedUsers = setOf(
	"administrator", "admin", "guest", "krbtgt", "root", "nobody", "daemon",
	"bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp",
	"proxy", "www-data", "backup", "list", "irc", "gnats", "sshd",
	"messagebus", "postfix", "dovecot", "dovenull", "vmail", "postmaster",
	"mailer-daemon", "abuse", "hostmaster", "webmaster", "posse", "samba",
	"dns", "dns-admin", "operator", "ftp", "systemd-network",
	"systemd-resolve", "systemd-timesync", "_apt", "restic",
)

// reservedGroups are AD built-in groups and privileged local groups,
// compared case-insensitively.
var reservedGroups = setOf(
	"domain admins", "domain users", "domain guests", "domain computers",
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

// reservedShares are share names Samba uses itself.
var reservedShares = setOf("ipc$", "homes", "netlogon", "sysvol", "print$", "printers", "global")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// hasControl reports whether s holds a control character (including tab
// and newline) or an invalid UTF-8 sequence.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// ValidDomain reports whether s is a lower-case DNS name with at least two
// labels and at most 253 characters.
func ValidDomain(s string) bool {
	return len(s) <= 253 && domainRE.MatchString(s) && !allDigitsTLD(s)
}

func allDigitsTLD(s string) bool {
	tld := s[strings.LastIndexByte(s, '.')+1:]
	return strings.Trim(tld, "0123456789") == ""
}

// ValidEmail reports whether s is a lower-case mail address Posse accepts.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && len(local) <= 64 && len(s) <= 254 && emailRE.MatchString(s) && ValidDomain(domain)
}

// ValidUsername reports whether s is a valid, non-reserved username.
func ValidUsername(s string) bool { return usernameRE.MatchString(s) && !reservedUsers[s] }

// ValidGroupName reports whether s is a valid, non-reserved group name.
func ValidGroupName(s string) bool {
	return groupRE.MatchString(s) && !reservedGroups[strings.ToLower(s)]
}

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
	case reservedShares[strings.ToLower(name)]:
		return "share name " + quote(name) + " is reserved by Samba", "choose another name"
	}
	return "", ""
}

func quote(s string) string { return `"` + s + `"` }
