// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// SchemaID is the JSON Schema draft the generated schema follows.
const SchemaID = "http://json-schema.org/draft-07/schema#"

// schemaMeta is what reflection cannot see: descriptions, grammars, ranges
// and defaults, keyed by "Type.key". Every template key must have an entry
// (TestSchemaCoversEveryKey checks it).
type schemaMeta struct {
	desc      string
	pattern   string
	maxLength int
	min, max  *int
	enum      []string
	def       any
	required  bool
}

func intp(i int) *int { return &i }

var schemaFields = map[string]schemaMeta{
	"Site.version":   {desc: "Template format version; must be 1.", required: true},
	"Site.site":      {desc: "The site's name, DNS domain, realm, workgroup and time zone.", required: true},
	"Site.directory": {desc: "The Samba AD domain controller.", required: true},
	"Site.servers":   {desc: "The site's boxes. Leave out for one box, the first domain controller; with servers, the first server with role dc provisions the domain and every other one joins it as an additional domain controller."},
	"Site.groups":    {desc: "Directory groups. Names are unique."},
	"Site.users":     {desc: "Directory users, each with an optional mailbox. Usernames are unique."},
	"Site.admins":    {desc: "Usernames (defined under users, people, not service accounts) who get domain-admin rights (member of Domain Admins) and Posse's admin rights on the box (posse-admin); removing a name takes both away at the next apply."},
	"Site.shares":    {desc: "SMB file shares. Names are unique, case-insensitively."},
	"Site.homes":     {desc: "Per-user home folders."},
	"Site.mail":      {desc: "Mail (Postfix and Dovecot). Leave out for no mail."},
	"Site.backup":    {desc: "Nightly restic backups. Leave out for no backup."},
	"Site.notify":    {desc: "Alerts by mail: a failed backup, copy, check or drill, a full disk, a failed service or an expiring certificate. Leave out for no alerts."},
	"Site.snapshots": {desc: "Read-only snapshots of the shares and home folders on a schedule, shown in Windows as Previous Versions; needs storage on btrfs. Leave out for none."},
	"Site.storage":   {desc: "The data file system that holds the shares; plan checks that it is what is written here."},
	"Site.include":   {desc: "Template fragments merged into this template, as paths relative to this file; fragments may include others. Lists are joined; a value set in two files is a problem."},
	"Site.updates":   {desc: "Automatic Debian updates with unattended-upgrades and their reboot window. Leave out (or automatic: off) for none."},

	"Info.name":      {desc: "Display name of the site, free text without line breaks.", maxLength: MaxSiteNameLen, pattern: `^[^\x00-\x1f\x7f]+$`, required: true},
	"Info.domain":    {desc: "DNS domain in lower case with at least two labels; used for mail and as the AD DNS suffix.", pattern: DomainPattern, maxLength: 253, required: true},
	"Info.realm":     {desc: `Kerberos realm in upper case; default "AD." + upper(domain).`, pattern: RealmPattern, maxLength: 253},
	"Info.workgroup": {desc: "NetBIOS domain name: 1 to 15 of A-Z, 0-9 and -; not the realm's first label.", pattern: WorkgroupPattern, required: true},
	"Info.timezone":  {desc: "IANA time zone name such as Europe/Berlin."},

	"Directory.admin_password":  {desc: "Domain Administrator password as ${secret:NAME}.", pattern: SecretRefPattern, required: true},
	"Directory.password_policy": {desc: "Password policy for the domain and every password Posse sets."},
	"Directory.prune":           {desc: "Delete users and groups that are in the directory but not in the template.", def: false},

	"PasswordPolicy.min_length":   {desc: "Minimum password length.", min: intp(7), max: intp(128), def: DefaultMinPasswordLength},
	"PasswordPolicy.complexity":   {desc: "Require three of upper case, lower case, digits and symbols, and no username.", def: true},
	"PasswordPolicy.max_age_days": {desc: "Maximum password age in days; 0 means passwords never expire.", min: intp(0), max: intp(999), def: 0},

	"Server.name":    {desc: "The box's host name, which a box applying the template is matched by (or by its address): 1 to 15 of a-z, 0-9 and -; unique.", pattern: ServerNamePattern, required: true},
	"Server.address": {desc: "The box's IPv4 address; unique.", required: true},
	"Server.role":    {desc: "dc: a Samba AD domain controller, the only role so far.", enum: []string{RoleDC}, required: true},
	"Server.ad_site": {desc: "The AD site the server is in; created by the first domain controller. Default Default-First-Site-Name.", pattern: ADSitePattern, maxLength: 63},
	"Server.subnet":  {desc: "The IPv4 network of the server's AD site in CIDR form, holding its address; created by the first domain controller. A subnet belongs to one AD site."},

	"Group.name":        {desc: "Group name: a-z, 0-9, '.', '_' and '-', starting with a letter; not a built-in group, not posse-admin, posse-office or another name starting with posse and a separator, and no look-alike of these (differing only in case, separators or a plural s).", pattern: GroupPattern, required: true},
	"Group.description": {desc: "Free text without line breaks.", maxLength: MaxDescriptionLen, pattern: `^[^\x00-\x1f\x7f]*$`},
	"Group.mail":        {desc: "The group's mail address, in a mail domain; mail to it reaches every member with a mailbox (service accounts and disabled users are skipped). Unique across users, aliases and groups; needs mail.", pattern: EmailPattern, maxLength: 254},

	"User.username":             {desc: "Username: 1 to 20 of a-z, 0-9, '.', '_' and '-', starting with a letter; not a reserved name, not a Samba section (global, homes, printers, netlogon, sysvol) and, with home folders, not the name of a share.", pattern: UsernamePattern, required: true},
	"User.given_name":           {desc: "Given name, without line breaks.", maxLength: MaxNameFieldLen, pattern: `^[^\x00-\x1f\x7f]*$`},
	"User.surname":              {desc: "Surname, without line breaks.", maxLength: MaxNameFieldLen, pattern: `^[^\x00-\x1f\x7f]*$`},
	"User.email":                {desc: "Mail address in lower case; default username@domain; in a mail domain when mail is set; not a service address (postmaster@, abuse@, …).", pattern: EmailPattern, maxLength: 254},
	"User.groups":               {desc: "Names of groups (defined under groups) the user belongs to."},
	"User.password":             {desc: "Initial password as ${secret:NAME}; required unless the user is disabled.", pattern: SecretRefPattern},
	"User.must_change_password": {desc: "The user sets their own password at first logon.", def: true},
	"User.aliases":              {desc: "Further mail addresses delivered to this user; need mail; no service addresses (postmaster@, abuse@, …)."},
	"User.disabled":             {desc: "The account exists but cannot log on.", def: false},
	"User.kind":                 {desc: "person, or service for a scanner or backup software: no mailbox (no email, no aliases), no home folder, the password never expires and is not changed at first logon.", enum: []string{KindPerson, KindService}, def: KindPerson},

	"Share.name":         {desc: `SMB share name: 1 to 80 characters, none of \/:*?"<>|[]=;,+%, not a Samba name (homes, netlogon, sysvol, IPC$, ADMIN$, print$, printers, global), not ending in $ and not starting with #.`, maxLength: MaxShareNameLen, pattern: `^[^\x00-\x1f\x7f\\/:*?"<>|\[\]=;,+%]+$`, required: true},
	"Share.path":         {desc: "Absolute clean path inside /srv/; default /srv/posse/shares/<lower-cased name>. Shares must not nest.", pattern: `^/srv/[^\x00-\x1f\x7f]+$`},
	"Share.description":  {desc: "Free text without line breaks.", maxLength: MaxDescriptionLen, pattern: `^[^\x00-\x1f\x7f]*$`},
	"Share.read":         {desc: "Groups with read access. A share needs at least one read or write group."},
	"Share.write":        {desc: "Groups with read and write access."},
	"Share.deny":         {desc: "Groups and users of the site refused the whole share, even when a group they are in may read or write (a deny entry in the Windows ACL)."},
	"Share.recycle_bin":  {desc: "Keep deleted files in a recycle bin.", def: false},
	"Share.recycle_days": {desc: "Days deleted files stay in the recycle bin.", min: intp(1), max: intp(3650), def: DefaultRecycleDays},
	"Share.folders":      {desc: "Permissions of folders inside the share; Posse creates missing ones."},
	"Share.snapshots":    {desc: "false leaves the share out of the site's snapshots; true only with a site snapshots section.", def: true},

	"Folder.path":    {desc: "Folder relative to the share, such as Mandanten/Intern: no leading /, no . or .. parts, not the recycle bin; unique in the share, ignoring case.", maxLength: MaxFolderPathLen, pattern: `^[^/\x00-\x1f\x7f][^\x00-\x1f\x7f]*$`, required: true},
	"Folder.read":    {desc: "Groups with read access to the folder; each must also be in the share's read or write list."},
	"Folder.write":   {desc: "Groups with read and write access to the folder; each must also be in the share's read or write list."},
	"Folder.deny":    {desc: "Groups and users of the site refused this folder and everything below it, even when a group they are in may read or write."},
	"Folder.inherit": {desc: "Keep the permissions of the share (or of the folder above) and add these; false replaces them, so only these groups (and the domain admins) get in.", def: true},

	"Homes.enabled": {desc: "Give every user a home folder.", def: false},

	"Mail.domains":          {desc: "Mail domains (lower-case DNS names); at least one.", required: true},
	"Mail.mailbox_quota_mb": {desc: "Mailbox quota in MiB; 0 means unlimited.", min: intp(0), def: 0},
	"Mail.aliases":          {desc: "Site-wide aliases such as info@."},
	"Mail.dkim":             {desc: "DKIM signing of outgoing mail with Rspamd, for every mail domain; on when left out."},

	"Mail.relay": {desc: "Send all outgoing mail through the provider's server (smarthost) with SMTP AUTH over TLS; leave out to deliver directly."},

	"Relay.host":     {desc: "The provider's SMTP server: a lower-case DNS name or an IPv4 address.", maxLength: 253, required: true},
	"Relay.port":     {desc: "465 (implicit TLS) or 587 (STARTTLS, TLS required); another port needs tls.", min: intp(1), max: intp(65535), def: DefaultRelayPort},
	"Relay.tls":      {desc: "How the connection is encrypted: starttls or implicit; default from the port. A relay without TLS is refused.", enum: []string{RelayTLSStartTLS, RelayTLSImplicit}},
	"Relay.username": {desc: "Login at the provider: printable ASCII without spaces or ':'; needs password.", maxLength: MaxRelayUsernameLen, pattern: RelayUsernamePattern},
	"Relay.password": {desc: "Password of the login as ${secret:NAME}; needs username.", pattern: SecretRefPattern},

	"Mail.collect": {desc: "Mailboxes at the provider whose mail fetchmail collects into users' INBOXes, always over TLS."},

	"Collect.user":     {desc: "The Posse user the collected mail is delivered to.", required: true},
	"Collect.server":   {desc: "The provider's POP3 or IMAP server: a lower-case DNS name or an IPv4 address.", maxLength: 253, required: true},
	"Collect.protocol": {desc: "pop3 (port 995) or imap (port 993), both over TLS.", enum: []string{CollectPOP3, CollectIMAP}, required: true},
	"Collect.username": {desc: "Login at the provider: printable ASCII without spaces or ':'.", maxLength: MaxRelayUsernameLen, pattern: RelayUsernamePattern, required: true},
	"Collect.password": {desc: "Password of the login as ${secret:NAME}.", pattern: SecretRefPattern, required: true},
	"Collect.keep":     {desc: "true leaves collected messages at the provider; false deletes them once delivered.", def: false},

	"DKIM.enabled":  {desc: "false turns DKIM signing off.", def: true},
	"DKIM.selector": {desc: "Selector of the signing key in DNS (SELECTOR._domainkey.DOMAIN): one lower-case DNS label.", pattern: DKIMSelectorPattern, maxLength: 63, def: DefaultDKIMSelector},

	"Alias.address": {desc: "The alias address, in a mail domain.", pattern: EmailPattern, maxLength: 254, required: true},
	"Alias.to":      {desc: "Usernames, group names (everyone included: every member with a mailbox) or addresses to deliver to; aliases may chain but not loop, and expand to at most 1000 targets.", required: true},

	"Backup.repository": {desc: "Local absolute path outside every share, or sftp:user@host:/absolute/path.", pattern: `^(/|sftp:[a-z_][a-z0-9._-]{0,31}@[A-Za-z0-9.-]+:/)`, required: true},
	"Backup.password":   {desc: "Repository password as ${secret:NAME}; the value needs at least 12 characters.", pattern: SecretRefPattern, required: true},
	"Backup.schedule":   {desc: `systemd OnCalendar expression such as "daily" or "*-*-* 22:00" (see systemd.time(7)).`, required: true},
	"Backup.keep":       {desc: "Snapshots to keep; at least one count above 0.", required: true},
	"Backup.include":    {desc: "What to back up.", required: true},
	"Backup.copies":     {desc: "Off-site copies of the repository: restic copy into each on its own schedule."},

	"Backup.verify":                 {desc: "The scheduled restic check of the repository and how much of its data it reads."},
	"BackupVerify.schedule":         {desc: `systemd OnCalendar expression; default "Sun *-*-* 04:00" (weekly).`},
	"BackupVerify.read_data_subset": {desc: `Share of the data each check reads and verifies, such as "5%"; default none (the structure only).`, pattern: ReadDataSubsetPattern},
	"BackupCopy.name":               {desc: "Name of the copy in unit names and possectl: 1 to 32 of a-z, 0-9 and -; default the host (dots as -) or the disk label in lower case.", pattern: CopyNamePattern, maxLength: 32},
	"BackupCopy.repository":         {desc: "sftp:user@host:/absolute/path, or usb:LABEL for a disk with that file system label (letters, digits, - and _, up to 16); not the main repository.", pattern: `^(sftp:[a-z_][a-z0-9._-]{0,31}@[A-Za-z0-9.-]+:/|usb:[A-Za-z0-9_-]{1,16}$)`, required: true},
	"BackupCopy.schedule":           {desc: `systemd OnCalendar expression such as "daily" or "Sun *-*-* 03:00" (see systemd.time(7)).`, required: true},

	"Snapshots.schedule": {desc: `systemd OnCalendar expression in the site's time zone, such as "hourly" or "Mon..Fri *-*-* 08..18:00" (see systemd.time(7)).`, required: true},
	"Snapshots.keep":     {desc: "Snapshots to keep: the newest of each hour, day and week, up to these counts; at least one above 0.", required: true},

	"SnapshotKeep.hourly": {desc: "Hourly snapshots to keep.", min: intp(0), max: intp(MaxSnapshotKeep)},
	"SnapshotKeep.daily":  {desc: "Daily snapshots to keep.", min: intp(0), max: intp(MaxSnapshotKeep)},
	"SnapshotKeep.weekly": {desc: "Weekly snapshots to keep.", min: intp(0), max: intp(MaxSnapshotKeep)},

	"Storage.path":       {desc: "Mount point of the data file system, /srv or inside it; every share with snapshots lies below it.", pattern: `^/srv(/[^\x00-\x1f\x7f]+)?$`, required: true},
	"Storage.filesystem": {desc: "File system type of path; btrfs is the only one supported.", enum: []string{FilesystemBtrfs}, required: true},

	"Updates.automatic": {desc: "security installs the -security suites' updates, all also the point releases and -updates, off none.", enum: []string{UpdatesSecurity, UpdatesAll, UpdatesOff}, required: true},
	"Updates.reboot":    {desc: `When the box may reboot after an update that needs it: "Sun 03:00" (that day; the upgrade then runs an hour before, weekly) or "03:00" (any day). Leave out to never reboot on its own.`, pattern: RebootWindowPattern},

	"Notify.to":   {desc: "Addresses the alerts go to, lower case; at least one.", required: true},
	"Notify.from": {desc: "Sender of the alerts, lower case; default posse@<site.domain>.", pattern: EmailPattern, maxLength: 254},

	"Keep.daily":   {desc: "Daily snapshots to keep.", min: intp(0)},
	"Keep.weekly":  {desc: "Weekly snapshots to keep.", min: intp(0)},
	"Keep.monthly": {desc: "Monthly snapshots to keep.", min: intp(0)},
}

// schemaItems holds constraints on list items, keyed like schemaFields.
var schemaItems = map[string]schemaMeta{
	"User.groups":    {pattern: GroupPattern},
	"User.aliases":   {pattern: EmailPattern, maxLength: 254},
	"Notify.to":      {pattern: EmailPattern, maxLength: 254},
	"Share.read":     {pattern: GroupPattern},
	"Share.write":    {pattern: GroupPattern},
	"Folder.read":    {pattern: GroupPattern},
	"Folder.write":   {pattern: GroupPattern},
	"Mail.domains":   {pattern: DomainPattern, maxLength: 253},
	"Alias.to":       {pattern: `^([a-z][a-z0-9._-]{0,63}|[^@\s]+@[^@\s]+)$`},
	"Backup.include": {enum: BackupIncludes},
}

// Schema returns the JSON Schema of the version 1 template format,
// generated from the Go types: properties from yaml tags, no additional
// properties, descriptions, grammars and required keys. The schema checks
// shape and grammar only; Parse checks every rule.
func Schema() ([]byte, error) {
	root, err := schemaOf(reflect.TypeOf(Site{}), "")
	if err != nil {
		return nil, err
	}
	root["$schema"] = SchemaID
	root["title"] = "Posse site template, version 1"
	root["description"] = "One YAML file per client site; see docs/templates.md."
	props := root["properties"].(map[string]any)
	props["version"].(map[string]any)["enum"] = []int{Version}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func schemaOf(t reflect.Type, key string) (map[string]any, error) {
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), key)
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for _, f := range fieldsOf(t).list {
			mk := t.Name() + "." + f.key
			meta, ok := schemaFields[mk]
			if !ok || meta.desc == "" {
				return nil, fmt.Errorf("schema: no description for %s", mk)
			}
			ps, err := schemaOf(t.FieldByIndex(f.index).Type, mk)
			if err != nil {
				return nil, err
			}
			applyMeta(ps, meta)
			props[f.key] = ps
			if meta.required {
				required = append(required, f.key)
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if _, ok := fieldsOf(t).byKey["enabled"]; ok {
			s["type"] = []string{"object", "boolean"} // dkim: false is dkim: {enabled: false}
		}
		if len(required) > 0 {
			s["required"] = required
		}
		return s, nil
	case reflect.Slice:
		items, err := schemaOf(t.Elem(), "")
		if err != nil {
			return nil, err
		}
		if meta, ok := schemaItems[key]; ok {
			applyMeta(items, meta)
		}
		return map[string]any{"type": "array", "items": items}, nil
	case reflect.String:
		return map[string]any{"type": "string"}, nil
	case reflect.Int:
		return map[string]any{"type": "integer"}, nil
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, nil
	}
	return nil, fmt.Errorf("schema: cannot describe %s", t)
}

func applyMeta(s map[string]any, m schemaMeta) {
	if m.desc != "" {
		s["description"] = m.desc
	}
	if m.pattern != "" {
		s["pattern"] = m.pattern
	}
	if m.maxLength > 0 {
		s["maxLength"] = m.maxLength
	}
	if m.min != nil {
		s["minimum"] = *m.min
	}
	if m.max != nil {
		s["maximum"] = *m.max
	}
	if m.enum != nil {
		s["enum"] = m.enum
	}
	if m.def != nil {
		s["default"] = m.def
	}
}
