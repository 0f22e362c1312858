// SPDX-License-Identifier: GPL-3.0-or-later

// Package site holds the version 1 site template model: plain types, a
// loader that keeps every value's file, line and column, validation rules,
// and secret references. Nothing in this package touches the system.
package site

import "github.com/posse-project/posse/rules"

// Version is the only template format version this package reads.
const Version = 1

// Site is a whole site template: the source of truth for one client site.
type Site struct {
	Version   int        `yaml:"version" json:"version"`
	Site      Info       `yaml:"site" json:"site"`
	Directory Directory  `yaml:"directory" json:"directory"`
	Groups    []Group    `yaml:"groups" json:"groups,omitempty"`
	Users     []User     `yaml:"users" json:"users,omitempty"`
	Shares    []Share    `yaml:"shares" json:"shares,omitempty"`
	Homes     Homes      `yaml:"homes" json:"homes"`
	Mail      *Mail      `yaml:"mail" json:"mail,omitempty"`
	Backup    *Backup    `yaml:"backup" json:"backup,omitempty"`
	Snapshots *Snapshots `yaml:"snapshots" json:"snapshots,omitempty"`
	Storage   *Storage   `yaml:"storage" json:"storage,omitempty"`
	Updates   *Updates   `yaml:"updates" json:"updates,omitempty"`
	Notify    *Notify    `yaml:"notify" json:"notify,omitempty"`
	// Servers lists the site's boxes (servers.go); nil means one box.
	Servers []Server `yaml:"servers" json:"servers,omitempty"`
	// Admins names users of the template who get domain-admin rights
	// (member of Domain Admins) and Posse's admin rights on the box
	// (posse-admin, see admins.go).
	Admins []string `yaml:"admins" json:"admins,omitempty"`
	// Include names template fragments, relative to the including file,
	// that Load merges in (include.go). It is empty after loading: the
	// fragments' values are in the other fields.
	Include []string   `yaml:"include" json:"-"`
	Source  SourceInfo `yaml:"-" json:"-"`

	// pos maps model paths (users[3].groups[1]) to where they were written;
	// nil for a Site built in memory.
	pos map[string]Pos
}

// SourceInfo records where a template came from, for error messages.
type SourceInfo struct {
	File string
	// Hash is the hex SHA-256 of the template bytes.
	Hash string
}

// Info names the site and its domain.
type Info struct {
	// Name is the display name, free text.
	Name string `yaml:"name" json:"name"`
	// Domain is the DNS domain, used for mail and as the AD DNS suffix.
	Domain string `yaml:"domain" json:"domain"`
	// Realm is the Kerberos realm; default "AD." + upper(domain).
	Realm string `yaml:"realm" json:"realm,omitempty"`
	// Workgroup is the NetBIOS domain name, 1–15 of [A-Z0-9-].
	Workgroup string `yaml:"workgroup" json:"workgroup"`
	// Timezone is an IANA time zone name such as Europe/Berlin.
	Timezone string `yaml:"timezone" json:"timezone,omitempty"`
}

// Directory configures the Samba AD domain controller.
type Directory struct {
	// AdminPassword is a secret reference for the domain Administrator.
	AdminPassword SecretRef `yaml:"admin_password" json:"admin_password"`
	// PasswordPolicy is applied to the domain and to every password Posse sets.
	PasswordPolicy PasswordPolicy `yaml:"password_policy" json:"password_policy"`
	// Prune deletes users and groups that are in the directory but not in the template.
	Prune bool `yaml:"prune" json:"prune,omitempty"`
}

// PasswordPolicy is the domain's password policy (rules.PasswordPolicy,
// where the check and the generator live).
type PasswordPolicy = rules.PasswordPolicy

// Group is a directory group.
type Group struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description,omitempty"`
	// Mail is the group's address: mail to it is delivered to every
	// member who has a mailbox (see GroupMailTargets); empty for none.
	Mail string `yaml:"mail" json:"mail,omitempty"`
}

// User is a directory user with an optional mailbox.
type User struct {
	Username  string `yaml:"username" json:"username"`
	GivenName string `yaml:"given_name" json:"given_name,omitempty"`
	Surname   string `yaml:"surname" json:"surname,omitempty"`
	// Email defaults to username@domain.
	Email  string   `yaml:"email" json:"email,omitempty"`
	Groups []string `yaml:"groups" json:"groups,omitempty"`
	// Password is the initial password, a secret reference.
	Password SecretRef `yaml:"password" json:"password,omitempty"`
	// MustChangePassword defaults to true.
	MustChangePassword *bool    `yaml:"must_change_password" json:"must_change_password,omitempty"`
	Aliases            []string `yaml:"aliases" json:"aliases,omitempty"`
	Disabled           bool     `yaml:"disabled" json:"disabled,omitempty"`
	// Kind is KindPerson (default) or KindService: an account for a
	// scanner or backup software, without mailbox or home folder, whose
	// password never expires (see admins.go).
	Kind string `yaml:"kind" json:"kind,omitempty"`
}

// Share is an SMB share.
type Share struct {
	Name string `yaml:"name" json:"name"`
	// Path defaults to /srv/posse/shares/<lowercased name>.
	Path        string   `yaml:"path" json:"path,omitempty"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Read        []string `yaml:"read" json:"read,omitempty"`
	Write       []string `yaml:"write" json:"write,omitempty"`
	// Deny names groups and users refused the whole share (an inherited
	// deny entry, which Windows checks before any grant).
	Deny       []string `yaml:"deny" json:"deny,omitempty"`
	RecycleBin bool     `yaml:"recycle_bin" json:"recycle_bin,omitempty"`
	// RecycleDays is how long deleted files stay in the recycle bin; default 30.
	RecycleDays int `yaml:"recycle_days" json:"recycle_days,omitempty"`
	// Folders sets the permissions of folders inside the share.
	Folders []Folder `yaml:"folders" json:"folders,omitempty"`
	// Snapshots false opts the share out of the site's snapshots; absent
	// or true takes part when the site has snapshots (see SnapshotsOn).
	Snapshots *bool `yaml:"snapshots" json:"snapshots,omitempty"`
}

// Folder sets the permissions of one folder inside a share.
type Folder struct {
	// Path is relative to the share, such as "Mandanten/Intern".
	Path  string   `yaml:"path" json:"path"`
	Read  []string `yaml:"read" json:"read,omitempty"`
	Write []string `yaml:"write" json:"write,omitempty"`
	// Deny names groups and users refused this folder and what is below
	// it, even when a group they are in may read or write.
	Deny []string `yaml:"deny" json:"deny,omitempty"`
	// Inherit keeps the permissions of the share (or of the folder above)
	// and adds these; false replaces them. Default true (see Inherits).
	Inherit *bool `yaml:"inherit" json:"inherit,omitempty"`
}

// Inherits reports whether the folder keeps the permissions of the
// folder above it (the default).
func (f Folder) Inherits() bool { return f.Inherit == nil || *f.Inherit }

// Homes configures per-user home folders.
type Homes struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
}

// Mail configures Postfix and Dovecot.
type Mail struct {
	Domains        []string `yaml:"domains" json:"domains"`
	MailboxQuotaMB int      `yaml:"mailbox_quota_mb" json:"mailbox_quota_mb,omitempty"`
	Aliases        []Alias  `yaml:"aliases" json:"aliases,omitempty"`
	// DKIM configures signing outgoing mail (see validate_dkim.go);
	// absent means signing on with DefaultDKIMSelector.
	DKIM *DKIM `yaml:"dkim" json:"dkim,omitempty"`
	// Relay sends all outgoing mail through the provider's server
	// (see validate_relay.go); absent means Postfix delivers directly.
	Relay *Relay `yaml:"relay" json:"relay,omitempty"`
	// Collect fetches mailboxes at the provider into users' INBOXes
	// (see validate_collect.go).
	Collect []Collect `yaml:"collect" json:"collect,omitempty"`
}

// Alias delivers mail for Address to local users or other addresses.
type Alias struct {
	Address string   `yaml:"address" json:"address"`
	To      []string `yaml:"to" json:"to"`
}

// Backup configures restic backups.
type Backup struct {
	// Repository is a local absolute path or sftp:user@host:/path.
	Repository string    `yaml:"repository" json:"repository"`
	Password   SecretRef `yaml:"password" json:"password"`
	// Schedule is a systemd OnCalendar expression.
	Schedule string   `yaml:"schedule" json:"schedule"`
	Keep     Keep     `yaml:"keep" json:"keep"`
	Include  []string `yaml:"include" json:"include"`
	// Copies are off-site copies of the repository, each made with
	// restic copy on its own schedule.
	Copies []BackupCopy `yaml:"copies" json:"copies,omitempty"`
	// Verify tunes the scheduled restic check (see validate_verify.go).
	Verify *BackupVerify `yaml:"verify" json:"verify,omitempty"`
}

// BackupCopy is a second repository that receives the main repository's
// snapshots with restic copy.
type BackupCopy struct {
	// Name names the copy in unit names and possectl; default derived
	// from the repository (CopyName).
	Name string `yaml:"name" json:"name,omitempty"`
	// Repository is sftp:user@host:/absolute/path or usb:LABEL.
	Repository string `yaml:"repository" json:"repository"`
	// Schedule is a systemd OnCalendar expression.
	Schedule string `yaml:"schedule" json:"schedule"`
}

// Keep is a restic retention policy.
type Keep struct {
	Daily   int `yaml:"daily" json:"daily,omitempty"`
	Weekly  int `yaml:"weekly" json:"weekly,omitempty"`
	Monthly int `yaml:"monthly" json:"monthly,omitempty"`
}

// SecretRef is a reference of the form ${secret:NAME}. Its value is
// resolved from a Secrets source only when needed and is never stored here.
type SecretRef string
