// SPDX-License-Identifier: GPL-3.0-or-later

// Package api holds what possed and its clients agree on: the bus name,
// object path and interfaces, the error names, the signal names and the
// types that travel over D-Bus. Both daemon (the server) and client import
// it; nothing here talks to a bus.
//
// Every struct below is a D-Bus struct: fields are marshalled in order, so
// adding, removing or reordering a field changes the wire format and needs a
// new interface Version (see version.go).
package api

// Names on the bus. The names stay; an incompatible change of a method's
// types bumps Version and gives the method a new name (version.go).
const (
	BusName    = "org.posse.Posse1"
	ObjectPath = "/org/posse/Posse1"

	// Interface carries site-wide methods (status, health, validate, plan,
	// apply, export) and the apply signals.
	Interface       = "org.posse.Posse1"
	UsersInterface  = Interface + ".Users"
	GroupsInterface = Interface + ".Groups"
	SharesInterface = Interface + ".Shares"
	MailInterface   = Interface + ".Mail"
	BackupInterface = Interface + ".Backup"
)

// D-Bus error names possed returns. The message always says what to do.
const (
	// ErrNotAuthorized: polkit (or the missing polkit) refused the call.
	ErrNotAuthorized = Interface + ".Error.NotAuthorized"
	// ErrInvalidInput: an argument failed validation; nothing was changed.
	ErrInvalidInput = Interface + ".Error.InvalidInput"
	// ErrNotFound: the user, group, snapshot or job named does not exist.
	ErrNotFound = Interface + ".Error.NotFound"
	// ErrNotAvailable: this box does not offer the feature (yet), e.g. no
	// site applied, or a service backend that is not installed.
	ErrNotAvailable = Interface + ".Error.NotAvailable"
	// ErrFailed: the change was attempted and failed.
	ErrFailed = Interface + ".Error.Failed"
	// ErrVersion: the caller speaks another interface version than possed
	// (see Version); nothing was changed.
	ErrVersion = Interface + ".Error.Version"
)

// Signals on Interface. They are sent only to the caller that started the
// apply (unicast), never broadcast, and each carries the job id.
const (
	SignalStepStarted   = "StepStarted"   // (s job, Step step)
	SignalStepFinished  = "StepFinished"  // (s job, Step step)
	SignalApplyFinished = "ApplyFinished" // (s job, ApplyResult result)
)

// Status is the box at a glance.
type Status struct {
	Version  string
	Hostname string
	// Site is the name of the applied site, "" when none was applied.
	Site string
	// TemplateHash is the SHA-256 of the applied template.
	TemplateHash string
	// Busy is set while a change (apply, user change, restore) runs.
	Busy bool
	// Job is the id of the running apply, if any.
	Job      string
	Services []ServiceStatus
}

// ServiceStatus is one managed service's state and health.
type ServiceStatus struct {
	Name string
	// Unit is the main systemd unit, "" when the service has none.
	Unit string
	// State is systemd's ActiveState (active, failed, inactive, …) or
	// "unknown".
	State string
	// Healthy is the result of the service's health probe.
	Healthy bool
	// Detail explains an unhealthy service in a sentence.
	Detail string
}

// UnitDetail is a ServiceStatus's Detail for a unit that does not run
// (State not active): a client that shows the state in its own words
// knows this detail says nothing more.
func UnitDetail(unit, state string) string {
	return unit + " is " + state + ": see journalctl -u " + unit
}

// User is a directory user. Password never travels in this struct.
type User struct {
	Username    string
	GivenName   string
	Surname     string
	DisplayName string
	Email       string
	Aliases     []string
	Groups      []string
	Disabled    bool
	// MustChangePassword: the user has not chosen their own password yet
	// and must at the next logon.
	MustChangePassword bool
	// Kind is "service" for a service account (a password that never
	// expires: the template's kind: service), "person" otherwise. Read
	// only: Create takes "" or "person"; service accounts come from the
	// site template.
	Kind string
	// Admin says the user is a member of Domain Admins (the template's
	// admins:). Read only: Create refuses true.
	Admin bool
}

// Group is a directory group.
type Group struct {
	Name        string
	Description string
	Members     []string
}

// LogonInfo is what a person needs to log on and find their folders:
// what the password sheet prints. Office managers may read it
// (Users.Logon), though not the site.
type LogonInfo struct {
	// Workgroup is the NetBIOS domain, as in WORKGROUP\username.
	Workgroup string
	// DNSDomain is the AD DNS domain (the mail server is HOST.DNSDomain).
	DNSDomain string
	// HomeDrive is the drive letter of the person's home folder ("H:"),
	// "" without one.
	HomeDrive string
	// Shares are the shares the person's groups reach, by name.
	Shares []ShareAccess
	// MinPasswordLength is the site's password policy's minimum.
	MinPasswordLength int32
	// PasswordComplexity: the policy asks for three of capitals, small
	// letters, digits and other characters.
	PasswordComplexity bool
}

// ShareAccess is a share a person reaches and whether they may write.
type ShareAccess struct {
	Name  string
	Write bool
}

// Share is an SMB share of the applied site.
type Share struct {
	Name        string
	Path        string
	Description string
	Read        []string
	Write       []string
	RecycleBin  bool
}

// Permissions is the Windows ACL of a folder or file of a share, as
// Explorer's Security tab shows it.
type Permissions struct {
	Share string
	// Path is relative to the share, "" for its root.
	Path  string
	Owner string
	// Inherits is false when inheritance from the folder above is off.
	Inherits bool
	Entries  []Permission
	// Template is "share" (a share root) or "folder" (a folder the template
	// lists): the template sets this ACL and apply puts it back. "" for
	// anything else.
	Template string
}

// Permission is one entry of a Windows ACL.
type Permission struct {
	// Account is a user's or group's name, a well-known name (Everyone,
	// CREATOR OWNER) or a SID the directory does not know.
	Account string
	Deny    bool
	// Rights is "full control", "modify", "read & execute" or "rights
	// 0x…"; AppliesTo as Explorer words it ("this folder, subfolders and
	// files").
	Rights    string
	AppliesTo string
	Inherited bool
}

// FileVersion is one earlier version of a file or folder of a share: the
// newest snapshot (Previous Versions) that holds it as it was then.
type FileVersion struct {
	// Snapshot is the snapshot's @GMT- name, Time when it was taken
	// (RFC 3339).
	Snapshot string
	Time     string
	// Modified is the file's modification time then (RFC 3339); Size is
	// 0 for a folder.
	Modified string
	Size     uint64
	Folder   bool
}

// VersionRestored says what a restore of a version did.
type VersionRestored struct {
	Share    string
	Snapshot string
	// Time is when the snapshot restored from was taken (RFC 3339).
	Time string
	// Path is the share-relative path written: the one asked for (in
	// place) or the new "NAME (restored DATE).EXT" (alongside).
	Path  string
	Files int32
	Bytes uint64
}

// Alias delivers mail for Address to the To addresses or users.
type Alias struct {
	Address string
	To      []string
}

// BackupStatus describes the backup schedule and the last run.
type BackupStatus struct {
	Configured bool
	Repository string
	Schedule   string
	// LastRun is RFC 3339, "" when the backup never ran.
	LastRun string
	// LastResult is "success", "failed" or "".
	LastResult string
	// LastSuccess is when the last successful backup started (RFC 3339,
	// "" when none succeeded yet).
	LastSuccess string
	// NextRun is RFC 3339, "" when nothing is scheduled.
	NextRun string
	Running bool
	// LastCheck is when the repository was last checked (RFC 3339, "" if
	// never); LastCheckResult is "success", "failed" or "".
	LastCheck       string
	LastCheckResult string
	// LastDrill is when the last restore drill ran (RFC 3339, "" if
	// never); LastDrillResult is "success", "failed" or ""; LastDrillDetail
	// says what it restored, or why it failed.
	LastDrill       string
	LastDrillResult string
	LastDrillDetail string
	// SizeBytes is what the repository stores (restic stats --mode
	// raw-data), as measured after the last successful backup that could
	// measure it; 0 when unknown.
	SizeBytes uint64
	// Copies are the off-site copies of the repository, in template
	// order.
	Copies []CopyStatus
}

// CopyStatus is one off-site copy of the backup repository and its last
// run.
type CopyStatus struct {
	Name       string
	Repository string
	Schedule   string
	// LastRun is RFC 3339, "" when the copy never ran; LastResult is
	// "success", "failed" or "".
	LastRun    string
	LastResult string
	// LastError is why the last run failed ("" when it did not).
	LastError string
	// LastSuccess is when the copy last succeeded (RFC 3339, "" if
	// never) and Snapshots how many snapshots the copy held then.
	LastSuccess string
	Snapshots   int32
	// SizeBytes is what the copy's repository stores, as measured after
	// its last successful run that could measure it; 0 when unknown.
	SizeBytes uint64
	// NextRun is RFC 3339, "" when nothing is scheduled.
	NextRun string
	Running bool
}

// Snapshot is one backup snapshot.
type Snapshot struct {
	ID    string
	Time  string // RFC 3339
	Paths []string
	Tags  []string
	Host  string // the host name restic recorded
}

// Entry is a file or directory inside a snapshot.
type Entry struct {
	Path    string
	Type    string // "file", "dir", "symlink", …
	Size    uint64
	ModTime string // RFC 3339
}

// ShareBackups is what an office manager restores from: the backup
// snapshots (their box paths and host left out) and the names of the
// shares and home folders (by user name) the site has.
type ShareBackups struct {
	Shares    []string
	Homes     []string
	Snapshots []Snapshot
}

// ShareRestored says what a restore of share files from a backup did, in
// share-relative paths only.
type ShareRestored struct {
	Share string
	// Snapshot is the full id of the snapshot restored from, Time when it
	// was taken (RFC 3339).
	Snapshot string
	Time     string
	// Paths are the share-relative paths written, one per path asked for:
	// the same path (in place) or "NAME (restored DATE).EXT" (alongside).
	Paths []string
	Files int32
	Bytes uint64
}

// RestoreResult says what a restore did, as box paths.
type RestoreResult struct {
	// Snapshot is the full id of the snapshot restored from.
	Snapshot string
	// To is the directory restored into, "" for in place.
	To string
	// Restored are files put back that were missing (in place).
	Restored []string
	// Beside are "PATH → NEW NAME": a file that differs from the snapshot
	// was kept and the restored one put next to it (in place).
	Beside    []string
	Unchanged int32
}

// ImportResult is what a CSV import did.
type ImportResult struct {
	Created []string
	// Skipped are users that already existed.
	Skipped []string
	// Problems are per-line errors ("line 4 (x y): …"); lines with
	// problems are not imported.
	Problems []string
	// Passwords are "username,password" lines with the generated initial
	// password of each created user: the only copy, for the caller to hand
	// out. Empty in a dry run.
	Passwords []string
}

// Step is one plan step as apply reports it. Targets and summaries never
// contain secret values: plans mask them.
type Step struct {
	Index   int32
	Total   int32
	Service string
	Action  string
	Kind    string
	Target  string
	Summary string
	// Status is set in StepFinished: done, unchanged, skipped, failed.
	Status string
	// Error is set when Status is failed.
	Error      string
	DurationMS int64
}

// Problem is one validation problem with its place in the template.
type Problem struct {
	Path    string
	Line    int32
	Column  int32
	Message string
	Hint    string
}

// Certificate is one TLS certificate Posse manages on the box (the site
// CA, the directory's LDAPS certificate, the one mail serves) and when it
// ends: the answer of Interface's Certificates, read with the health
// action.
type Certificate struct {
	// Name says what the certificate is for: "site CA", "directory
	// (LDAPS)", "mail".
	Name string
	// Path is the certificate's file on the box.
	Path string
	// NotAfter is when it ends (RFC 3339).
	NotAfter string
}

// Usage is what the box's disks and mail queue hold: the Usage method on
// Interface, read with the status action. Share sizes come from a walk
// possed runs in the background, so they are as of MeasuredAt; the free
// space and the queue are read when asked.
type Usage struct {
	Shares []ShareUsage
	Mail   MailQueue
}

// ShareUsage is the disk use of one share (or of the home folders, Name
// "homes").
type ShareUsage struct {
	Name string
	Path string
	// UsedBytes is the space the share's files take on disk (as du counts:
	// allocated blocks, hard links once, other filesystems left out).
	UsedBytes uint64
	// Files counts what is not a folder.
	Files uint64
	// MeasuredAt is RFC 3339: when the walk that counted UsedBytes ended.
	// "" while the first walk runs.
	MeasuredAt string
	// Complete is false when the walk stopped at its time or file limit:
	// UsedBytes is then a lower bound.
	Complete bool
	// FreeBytes and SizeBytes describe the share's filesystem now:
	// free for unprivileged users, and its size.
	FreeBytes uint64
	SizeBytes uint64
	// Error says why the share could not be measured ("" when it was).
	Error string
}

// MailQueue is Postfix's queue.
type MailQueue struct {
	// Configured is false when the site has no mail.
	Configured bool
	Messages   int32
	// Deferred counts the messages Postfix will retry.
	Deferred int32
	// Oldest is RFC 3339: when the oldest queued message arrived, "" when
	// the queue is empty.
	Oldest string
	// Error says why the queue could not be read ("" when it was).
	Error string
}
