// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a template, tied to the place it was
// found. Line and Col are 1-based; they are 0 when the site was not parsed
// from a file (for example a Site built in memory and then validated).
// Problems never contain secret values.
type Problem struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	// Path is the model path of the offending value, such as
	// users[3].groups[1]; indices are 0-based.
	Path string `json:"path,omitempty"`
	// Message says what is wrong, in lower case.
	Message string `json:"message"`
	// Hint says what to do next; may be empty.
	Hint string `json:"hint,omitempty"`
}

// Position returns "FILE:LINE:COL", dropping the parts that are unknown.
// Without a line it returns the model path instead.
func (p Problem) Position() string {
	return formatPos(p.File, p.Line, p.Col, p.Path)
}

func formatPos(file string, line, col int, path string) string {
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d", fileOr(file), line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d", fileOr(file), line)
	case file != "" && path != "":
		return file + ": " + path
	case file != "":
		return file
	case path != "":
		return path
	}
	return "template"
}

func fileOr(file string) string {
	if file == "" {
		return "template"
	}
	return file
}

// Error prints the problem as "FILE:LINE:COL: message", followed by an
// indented "hint: …" line when there is a hint.
func (p Problem) Error() string {
	s := p.Position() + ": " + p.Message
	if p.Hint != "" {
		s += "\n  hint: " + p.Hint
	}
	return s
}

// Problems is every problem found in one run. It implements error; a nil or
// empty Problems means nothing is wrong (use Err to get a nil error).
type Problems []Problem

// Error prints one problem per line (plus hint lines).
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil when there are no problems and the sorted problems
// otherwise. Use it to avoid returning a non-nil error holding an empty list.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	ps.Sort()
	return ps
}

// Sort orders problems by file, line, column, then message, and drops exact
// duplicates.
func (ps *Problems) Sort() {
	s := *ps
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, p := range s {
		if i > 0 && p == s[i-1] {
			continue
		}
		out = append(out, p)
	}
	*ps = out
}

// The messages below are every message this package produces, kept in one
// place so they stay consistent: lower case, saying what is wrong and, in
// the hint, what to do next. None of them takes a secret value.

const (
	hintSeeDocs     = "see docs/templates.md for the template format"
	hintQuote       = "put the value in double quotes to make it a string"
	hintNoAnchors   = "write the value out in full; anchors (&) and aliases (*) are not supported"
	hintInline      = "put the value in the secrets file and write ${secret:NAME} here"
	hintOnCalendar  = `use a systemd OnCalendar expression such as "daily" or "*-*-* 22:00"; see systemd.time(7)`
	hintControl     = "remove tabs, newlines and other control characters"
	hintAbsPathSrv  = "use an absolute path below /srv such as /srv/posse/shares/name"
	hintSecretName  = "secret names are 1 to 64 of a-z, 0-9 and _"
	msgInlineSecret = "inline passwords are refused: use ${secret:NAME} and put the value in the secrets file"
)

func msgTooLarge(limit int) string {
	return fmt.Sprintf("template is larger than %d bytes", limit)
}

func msgNotUTF8() string { return "template is not valid UTF-8" }

func msgEmpty() string { return "template is empty" }

func msgMultiDoc() string { return "template holds more than one YAML document" }

func msgAnchor() string { return "anchors (&) and aliases (*) are not allowed" }

func msgMergeKey() string { return "merge keys (<<) are not allowed" }

func msgUnknownKey(key string) string { return fmt.Sprintf("unknown key %q", key) }

func hintDidYouMean(s string) string { return fmt.Sprintf("did you mean %q?", s) }

func msgDuplicateKey(key, first string) string {
	return fmt.Sprintf("duplicate key %q (first defined at %s)", key, first)
}

func msgWrongType(want, got string) string {
	return fmt.Sprintf("expected %s, got %s", want, got)
}

func msgMissing(key string) string { return fmt.Sprintf("missing required key %q", key) }

func msgDuplicate(what, name, first string) string {
	return fmt.Sprintf("duplicate %s %q (first defined at %s)", what, name, first)
}

func msgUnknownGroup(name string) string { return fmt.Sprintf("unknown group %q", name) }

func hintAddUserPassword(name string) string {
	return "add password: ${secret:" + name + "} with the initial password in the secrets file"
}

func msgSecretMissing(name string) string { return fmt.Sprintf("secret %q is not set", name) }

func hintSecretMissing(name string) string {
	return fmt.Sprintf("add %s to the secrets file or set %s", name, EnvPrefix+strings.ToUpper(name))
}

// Validation rules.
const (
	errMustNotBeEmpty         = " must not be empty"
	errTextControl            = " contains control characters or line breaks"
	errTextTooLong            = "%s is %d characters long, the limit is %d"
	hintShorten               = "shorten it"
	hintRemoveOrRename        = "remove or rename one of them"
	hintAddSite               = "add site: with name, domain and workgroup; "
	hintAddSiteName           = "add name: with the client's display name under site"
	hintAddDomain             = "add domain: such as mueller-partner.example under site"
	errDomainInvalid          = "domain %q is not a valid DNS name"
	hintDomain                = "use a lower-case DNS name with at least two labels, such as mueller-partner.example"
	errRealmInvalid           = "realm %q is not an upper-case DNS name"
	hintRealm                 = "use upper case such as AD.MUELLER-PARTNER.EXAMPLE, or leave realm out for the default"
	hintAddWorkgroup          = "add workgroup: a NetBIOS name such as MUELLER under site"
	errWorkgroupInvalid       = "workgroup %q is not a valid NetBIOS name"
	hintWorkgroup             = "use 1 to 15 of A-Z, 0-9 and -, in upper case"
	errWorkgroupIsRealmLabel  = "workgroup %q equals the first label of the realm %q"
	hintWorkgroupIsRealmLabel = "Samba refuses this; choose another workgroup such as the company's short name"
	errTimezoneUnknown        = "unknown time zone %q"
	hintTimezone              = "use an IANA name such as Europe/Berlin (timedatectl list-timezones lists them)"
	errSecretRefBadName       = "secret reference has an invalid name"
	hintAddDirectory          = "add directory: with admin_password: ${secret:domain_admin}"
	hintAddAdminPassword      = "add admin_password: ${secret:domain_admin} under directory"
	errMinLengthRange         = "min_length %d is out of range"
	hintMinLength             = "use 7 to 128; leave it out for the default %d"
	errMaxAgeRange            = "max_age_days %d is out of range"
	hintMaxAge                = "use 0 (passwords never expire) to 999"
	hintGroupName             = "give every group a name"
	errGroupReserved          = "group name %q is reserved"
	hintGroupReserved         = "choose another name; built-in and system groups cannot be managed by a template"
	errGroupInvalid           = "group name %q is not valid"
	hintGroupGrammar          = "use 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter"
	hintDefineGroup           = "define it under groups, or remove it here"
	hintUsername              = "give every user a username"
	errUsernameIsShare        = "username %q is the name of share %q"
	hintUsernameIsShare       = "rename the user or the share; with home folders, each user's folder is shared under the username, and two shares cannot have one name"
	errGroupEmpty             = "group name must not be empty"
	errGroupPosse             = "group name %q is reserved for Posse's own groups"
	hintGroupPosse            = "choose a name that does not start with \"posse\" and a separator; posse-admin and posse-office decide who may manage the box"
	errGroupLookAlike         = "group name %q looks like the built-in group %q"
	hintGroupLookAlike        = "choose a name that does not differ from a built-in or Posse group only in case, '-', '_', '.', spaces or a plural s"
	errServiceAddress         = "%s %q is a service address of the mail domain"
	hintServiceAddress        = "postmaster, abuse, hostmaster, webmaster, mailer-daemon, admin, administrator and root belong to the site: deliver them with mail.aliases"
	errAddressTaken           = "mail address %q is already used by %s"
	hintAddressTaken          = "every mail address belongs to one user or site alias: choose another address"
	errAddressTwice           = "mail address %q is given twice"
	errUserIsGroup            = "username %q is also a group name (group defined at %s)"
	hintUserIsGroup           = "AD account names are unique across users and groups; rename one of them"
	errUserAliasesNeedMail    = "user aliases need a mail section"
	hintUserAliasesNeedMail   = "add mail: with domains, or remove the aliases"
	hintAddress               = "use a lower-case address such as anna@example.com"
	hintLowerCase             = "write it in lower case"
	errGroupEveryone          = "everyone is a built-in group: every user of the domain"
	hintGroupEveryone         = "do not define it: shares and folders may name everyone as it is; rename this group"
	errEveryoneMember         = "every user is in the built-in group everyone already"
	hintEveryoneMember        = "remove everyone from the user's groups"
	errDenyEveryone           = "deny: everyone would lock every user out, the office manager too"
	hintDenyEveryone          = "leave everyone out of read and write instead, or deny the groups that must not open it"
	hintASCIIAddress          = "mail addresses hold only ASCII letters here: write umlauts and accents out, as in %s"
	errAddressInvalid         = "%s %q is not a valid mail address"
	errNotInMailDomain        = "%s %q is not in a mail domain"
	hintNotInMailDomain       = "add %s to mail.domains or use an address in %s"
	hintMailDomains           = "list at least one mail domain, such as the site domain"
	errMailDomainInvalid      = "mail domain %q is not a valid DNS name"
	hintMailDomain            = "use a lower-case DNS name such as mueller-partner.example"
	errQuotaNegative          = "mailbox_quota_mb must not be negative"
	hintQuota                 = "use 0 for unlimited mailboxes"
	hintAliasAddress          = "give every alias an address"
	hintAliasTo               = "list the usernames or addresses this alias delivers to"
	errAliasTargetInvalid     = "alias target %q is not a valid mail address"
	hintAliasTargetInvalid    = "use a username or a lower-case address"
	errAliasTargetNotUser     = "alias target %q is neither a user nor a group"
	hintAliasTargetNotUser    = "use the username of a user or the name of a group defined in the template, everyone, or a full address"
	errAliasNobody            = "alias %q delivers to nobody: its groups have no member who receives mail"
	errGroupMailNeedsMail     = "group addresses need a mail section"
	errGroupMailNobody        = "group %q has an address but no member who receives mail"
	hintGroupMailNobody       = "add users with a mailbox to the group (service accounts and disabled users receive no mail), or remove the address"
	errDefaultAddressInvalid  = "default address %q is not a valid mail address"
	hintSetEmail              = "set email: for this user"
	errPathEmpty              = "path is empty"
	errPathRelative           = "path is not absolute"
	errPathDotDot             = `path contains ".."`
	errPathUnclean            = "path is not clean (no trailing /, // or /./)"
	errPathControl            = "path contains control characters"
	errPathSpace              = "a path element starts or ends with a space"
	errPathChar               = "path contains %q"
	hintShareName             = "give every share a name"
	errSharePath              = "share %s: %s"
	errShareOutsideSrv        = "share path %q is not inside %s/"
	errShareDefaultPath       = "the default path for share %q is unusable: %s"
	hintShareSetPath          = "set path: explicitly, such as "
	errShareNoGroups          = "share %q grants access to no group"
	hintShareNoGroups         = "list at least one group under read or write"
	errRecycleDaysRange       = "recycle_days %d is out of range"
	hintRecycleDays           = "use 1 to 3650; leave it out for the default %d"
	errShareHomes             = "share path %s overlaps the home folders in %s"
	hintShareHomes            = "use another directory below /srv, such as /srv/posse/shares/name"
	errSharesSamePath         = "share %q uses the same path as share %q (defined at %s)"
	hintSharesSamePath        = "give each share its own directory"
	errSharesNested           = "share %q and share %q (defined at %s) are nested: %s and %s"
	errFolderPath             = "folder path %q: %s"
	hintFolderPath            = "write the folder relative to the share, such as Mandanten/Intern"
	errFolderPathAbsolute     = "starts with /"
	errFolderPathUnclean      = "is not clean (no trailing /, // or ./ and ../ parts)"
	errFolderPathRecycle      = "is the share's recycle bin or inside it"
	errFolderPathLong         = "is longer than %d bytes"
	errFolderNoGroups         = "folder %q grants or denies access to nobody"
	hintFolderNoGroups        = "list at least one group under read or write, or a group or user under deny, or remove the folder"
	errDenyUnknown            = "deny names %q, which is neither a group nor a user of the site"
	hintDenyUnknown           = "define the group or user, or remove it here"
	errDenyAlsoGranted        = "%q is denied here and also listed under %s"
	hintDenyAlsoGranted       = "a deny entry wins over read and write: remove the name from one of the lists"
	errFolderGroupNoShare     = "group %q has no access to share %q, so it cannot reach folder %q"
	hintFolderGroupNoShare    = "add the group to the share's read or write list as well"
	hintSharesNested          = "shares must not lie inside each other; give each its own directory"
	hintAddRepository         = "add repository: such as /srv/posse/backup or sftp:user@host:/path"
	hintAddBackupPassword     = "add password: ${secret:backup} under backup"
	hintAddSchedule           = `add schedule: such as "daily" or "*-*-* 22:00"`
	errScheduleInvalid        = "schedule %q is not a valid OnCalendar expression: %v"
	errKeepNegative           = "keep.%s must not be negative"
	hintKeepNegative          = "use 0 to keep none of these snapshots"
	errKeepNothing            = "backup keeps no snapshots"
	hintKeepNothing           = "set at least one of daily, weekly, monthly above 0, such as keep: {daily: 7, weekly: 4, monthly: 12}"
	hintInclude               = "list what to back up: "
	errIncludeHomes           = "backup includes homes but homes are not enabled"
	hintIncludeHomes          = "set homes: {enabled: true} or remove homes here"
	errIncludeMail            = "backup includes mail but the site has no mail section"
	hintIncludeMail           = "add mail: or remove mail here"
	errIncludeUnknown         = "unknown backup include %q"
	hintRepository            = "use an absolute local path such as /srv/posse/backup, or sftp:user@host:/absolute/path"
	errRepositorySFTP         = "backup repository %q is not of the form sftp:user@host:/absolute/path"
	errRepositoryPath         = "backup repository %s: %s"
	errRepositoryRoot         = "backup repository must not be /"
	errRepositoryHomes        = "backup repository %s overlaps the home folders in %s"
	errRepositoryInShare      = "backup repository %s overlaps share %q (defined at %s)"
	hintRepositoryInShare     = "keep the repository outside every share, such as /srv/posse/backup"
	errAliasLoop              = "alias loop: "
	hintAliasLoop             = "an alias must not lead back to itself; deliver to a user instead"
	errAliasBomb              = "alias bomb: %s expands to more than %d addresses"
	hintAliasBomb             = "deliver to fewer users, or use a mailing list"
)

// Secrets.
const (
	errSecretsRead           = "cannot read secrets file: %w"
	errSecretsNotRegular     = "secrets file %s is not a regular file"
	errSecretsMode           = "secrets file %s can be read by other users (mode %04o); run: chmod 600 %s"
	errSecretsOwner          = "secrets file %s is owned by uid %d, not by you (uid %d); run: chown %d %s && chmod 600 %s"
	errSecretsYAML           = "secrets file is not valid YAML"
	hintSecretsYAML          = "write one \"name: value\" line per secret; quote values with special characters"
	errSecretsNotMapping     = "secrets file must be a mapping of secret names to values"
	hintSecretsLine          = "write one \"name: value\" line per secret"
	errSecretKey             = "secret names must be plain keys"
	errSecretNameInvalid     = "invalid secret name (the name is not shown: it may be a misplaced value)"
	hintRemoveOne            = "remove one of them"
	errSecretPrefix          = "secret %q: %s"
	errSecretNotString       = "secret %q must be a string"
	hintSecretString         = "write name: \"value\""
	errSecretEmpty           = "secret %q is empty"
	hintSecretEmpty          = "set a value or remove the line"
	errSecretWeak            = "secret %q (%s): %v"
	hintSecretWeak           = "change the value in the secrets file"
	errNotSecretRef          = "not a secret reference: write ${secret:NAME}"
	errSecretRefMalformed    = "malformed secret reference: "
	errSecretRefUnterminated = "unterminated secret reference: write ${secret:NAME}"
)

// Loading.
const (
	hintAddVersion   = "add \"version: 1\" as the first line"
	errVersion       = "unsupported template version %d"
	hintVersion      = "this Posse reads version %d templates"
	hintTooLarge     = "split the site or remove unused entries; templates are hand-written files"
	hintUTF8         = "save the file as UTF-8"
	errUnparsable    = "template could not be parsed as YAML"
	hintMultiDoc     = "remove the \"---\" line and everything after it, one site per file"
	errInvalidYAML   = "invalid YAML: "
	hintInvalidYAML  = "check indentation and quoting near this line; values starting with * & ! % @ or ` need quotes"
	hintStartVersion = "start with \"version: 1\"; "
	hintList         = "write a list as [a, b] or as lines starting with \"- \""
	errNumberRange   = "number is out of range"
	hintNumberRange  = "use a number between -2147483648 and 2147483647"
	hintKnownKeys    = "known keys here: "
	errIncludeHere   = "include is read from the files next to the template, and this template came without them"
	hintIncludeHere  = "run possectl validate, plan or apply on the template file: possectl merges the fragments and sends one template"
)
