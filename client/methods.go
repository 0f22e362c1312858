// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// Status returns the box at a glance.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var s api.Status
	return s, c.call(ctx, api.Interface, "Status", []any{&s})
}

// Usage returns the shares' disk use and the mail queue.
func (c *Client) Usage(ctx context.Context) (api.Usage, error) {
	var u api.Usage
	return u, c.call(ctx, api.Interface, "Usage", []any{&u})
}

// TimeZone returns the box's time zone (IANA name, such as
// Europe/Berlin), the zone its schedules are meant in.
func (c *Client) TimeZone(ctx context.Context) (string, error) {
	var z string
	return z, c.call(ctx, api.Interface, "TimeZone", []any{&z})
}

// Certificates lists the TLS certificates Posse manages on the box and
// when they end.
func (c *Client) Certificates(ctx context.Context) ([]api.Certificate, error) {
	var r []api.Certificate
	return r, c.call(ctx, api.Interface, "Certificates", []any{&r})
}

// Health probes one service ("" = all).
func (c *Client) Health(ctx context.Context, service string) ([]api.ServiceStatus, error) {
	var r []api.ServiceStatus
	return r, c.call(ctx, api.Interface, "Health", []any{&r}, service)
}

// Validate checks a template (and its secrets, when given) on the box.
func (c *Client) Validate(ctx context.Context, template []byte, secrets map[string]string) ([]api.Problem, error) {
	var r []api.Problem
	return r, c.call(ctx, api.Interface, "Validate", []any{&r}, template, orEmpty(secrets))
}

// Plan compares a template with the box without changing it. When the
// template or its secrets have problems, the result has them (Problems)
// and no steps; the error is nil. WritePlanText and WritePlanJSON render
// the plan.
func (c *Client) Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error) {
	var r api.PlanResult
	return r, c.call(ctx, api.Interface, api.MethodPlan, []any{&r}, template, orEmpty(secrets))
}

// Export returns the applied site as a template without secret values.
func (c *Client) Export(ctx context.Context) ([]byte, error) {
	var b []byte
	return b, c.call(ctx, api.Interface, "Export", []any{&b})
}

// Users lists users matching query ("" = all).
func (c *Client) Users(ctx context.Context, query string) ([]api.User, error) {
	var r []api.User
	return r, c.call(ctx, api.UsersInterface, api.MethodUsersList, []any{&r}, query)
}

// User returns one user.
func (c *Client) User(ctx context.Context, username string) (api.User, error) {
	var u api.User
	return u, c.call(ctx, api.UsersInterface, api.MethodUsersGet, []any{&u}, username)
}

// CreateUser adds a user with an initial password.
func (c *Client) CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error {
	return c.call(ctx, api.UsersInterface, "Create", nil, fixUser(u), password, mustChange)
}

// UserUpdate names the attributes to change; nil fields stay as they are.
type UserUpdate struct {
	GivenName   *string
	Surname     *string
	DisplayName *string
	Email       *string
	Aliases     *[]string
	// MustChangePassword turns "must choose a new password at the next
	// logon" on or off.
	MustChangePassword *bool
}

// UpdateUser changes the attributes set in up.
func (c *Client) UpdateUser(ctx context.Context, username string, up UserUpdate) error {
	m := map[string]dbus.Variant{}
	for k, v := range map[string]*string{"GivenName": up.GivenName, "Surname": up.Surname, "DisplayName": up.DisplayName, "Email": up.Email} {
		if v != nil {
			m[k] = dbus.MakeVariant(*v)
		}
	}
	if up.Aliases != nil {
		m["Aliases"] = dbus.MakeVariant(orEmptyList(*up.Aliases))
	}
	if up.MustChangePassword != nil {
		m["MustChangePassword"] = dbus.MakeVariant(*up.MustChangePassword)
	}
	return c.call(ctx, api.UsersInterface, "Update", nil, username, m)
}

// SetPassword resets a user's password.
func (c *Client) SetPassword(ctx context.Context, username, password string, mustChange bool) error {
	return c.call(ctx, api.UsersInterface, "SetPassword", nil, username, password, mustChange)
}

// DisableUser locks an account.
func (c *Client) DisableUser(ctx context.Context, username string) error {
	return c.call(ctx, api.UsersInterface, "Disable", nil, username)
}

// EnableUser unlocks an account.
func (c *Client) EnableUser(ctx context.Context, username string) error {
	return c.call(ctx, api.UsersInterface, "Enable", nil, username)
}

// DeleteUser removes a user.
func (c *Client) DeleteUser(ctx context.Context, username string) error {
	return c.call(ctx, api.UsersInterface, "Delete", nil, username)
}

// ImportUsers creates and updates users from CSV (dryRun: report only).
func (c *Client) ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error) {
	var r api.ImportResult
	return r, c.call(ctx, api.UsersInterface, "Import", []any{&r}, csv, dryRun)
}

// Groups lists groups with their members.
func (c *Client) Groups(ctx context.Context) ([]api.Group, error) {
	var r []api.Group
	return r, c.call(ctx, api.GroupsInterface, "List", []any{&r})
}

// CreateGroup adds a group.
func (c *Client) CreateGroup(ctx context.Context, g api.Group) error {
	g.Members = orEmptyList(g.Members)
	return c.call(ctx, api.GroupsInterface, "Create", nil, g)
}

// DeleteGroup removes a group.
func (c *Client) DeleteGroup(ctx context.Context, name string) error {
	return c.call(ctx, api.GroupsInterface, "Delete", nil, name)
}

// SetMembers adds and removes members of a group.
func (c *Client) SetMembers(ctx context.Context, group string, add, remove []string) error {
	return c.call(ctx, api.GroupsInterface, "SetMembers", nil, group, orEmptyList(add), orEmptyList(remove))
}

// Shares lists the shares.
func (c *Client) Shares(ctx context.Context) ([]api.Share, error) {
	var r []api.Share
	return r, c.call(ctx, api.SharesInterface, "List", []any{&r})
}

// SetShare creates or changes a share.
func (c *Client) SetShare(ctx context.Context, s api.Share) error {
	s.Read, s.Write = orEmptyList(s.Read), orEmptyList(s.Write)
	return c.call(ctx, api.SharesInterface, "Set", nil, s)
}

// DeleteShare removes a share (its files stay).
func (c *Client) DeleteShare(ctx context.Context, name string) error {
	return c.call(ctx, api.SharesInterface, "Delete", nil, name)
}

// Logon says how a user logs on and which shares their groups reach.
func (c *Client) Logon(ctx context.Context, username string) (api.LogonInfo, error) {
	var r api.LogonInfo
	return r, c.call(ctx, api.UsersInterface, api.MethodUsersLogon, []any{&r}, username)
}

// Permissions reads the Windows ACL of a folder or file of a share (path
// relative to it, "" for its root).
func (c *Client) Permissions(ctx context.Context, share, path string) (api.Permissions, error) {
	var r api.Permissions
	return r, c.call(ctx, api.SharesInterface, "Permissions", []any{&r}, share, path)
}

// Versions lists the earlier versions of a file or folder of a share
// (PATH relative to the share), newest first.
func (c *Client) Versions(ctx context.Context, share, path string) ([]api.FileVersion, error) {
	var r []api.FileVersion
	return r, c.call(ctx, api.SharesInterface, "Versions", []any{&r}, share, path)
}

// RestoreVersion brings a file or folder of a share back from the newest
// snapshot taken at or before at (zero: the newest), in place or
// alongside.
func (c *Client) RestoreVersion(ctx context.Context, share, path string, at time.Time, alongside bool) (api.VersionRestored, error) {
	var r api.VersionRestored
	when := ""
	if !at.IsZero() {
		when = at.UTC().Format(time.RFC3339)
	}
	return r, c.call(ctx, api.SharesInterface, "RestoreVersion", []any{&r}, share, path, when, alongside)
}

// Aliases lists the mail aliases.
func (c *Client) Aliases(ctx context.Context) ([]api.Alias, error) {
	var r []api.Alias
	return r, c.call(ctx, api.MailInterface, "ListAliases", []any{&r})
}

// SetAlias creates or replaces a mail alias.
func (c *Client) SetAlias(ctx context.Context, a api.Alias) error {
	a.To = orEmptyList(a.To)
	return c.call(ctx, api.MailInterface, "SetAlias", nil, a)
}

// DeleteAlias removes a mail alias.
func (c *Client) DeleteAlias(ctx context.Context, address string) error {
	return c.call(ctx, api.MailInterface, "DeleteAlias", nil, address)
}

// Alerts reports the alerts' recipients and the problems the last check
// run of the alerts left open (Configured is false without a notify
// section).
func (c *Client) Alerts(ctx context.Context) (api.Alerts, error) {
	var r api.Alerts
	return r, c.call(ctx, api.Interface, "Alerts", []any{&r})
}

// BackupStatus reports the backup schedule and last run.
func (c *Client) BackupStatus(ctx context.Context) (api.BackupStatus, error) {
	var r api.BackupStatus
	return r, c.call(ctx, api.BackupInterface, api.MethodBackupStatus, []any{&r})
}

// RunBackup starts a backup now.
func (c *Client) RunBackup(ctx context.Context) error {
	return c.call(ctx, api.BackupInterface, "Run", nil)
}

// RunCopy starts the off-site copy named name now.
func (c *Client) RunCopy(ctx context.Context, name string) error {
	return c.call(ctx, api.BackupInterface, "RunCopy", nil, name)
}

// Snapshots lists the backup snapshots.
func (c *Client) Snapshots(ctx context.Context) ([]api.Snapshot, error) {
	var r []api.Snapshot
	return r, c.call(ctx, api.BackupInterface, "Snapshots", []any{&r})
}

// Browse lists a directory in a snapshot.
func (c *Client) Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error) {
	var r []api.Entry
	return r, c.call(ctx, api.BackupInterface, "Browse", []any{&r}, snapshot, dir)
}

// ShareSnapshots lists the backup snapshots (without box paths) and the
// shares and home folders files can be restored into.
func (c *Client) ShareSnapshots(ctx context.Context) (api.ShareBackups, error) {
	var r api.ShareBackups
	return r, c.call(ctx, api.BackupInterface, "ShareSnapshots", []any{&r})
}

// BrowseShare lists a folder of a share (dir relative to the share, "" for
// its top) in a backup snapshot.
func (c *Client) BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error) {
	var r []api.Entry
	return r, c.call(ctx, api.BackupInterface, "BrowseShare", []any{&r}, snapshot, share, dir)
}

// RestoreShareFiles brings files and folders of a share (paths relative to
// it) back from a backup snapshot, in place or next to the current ones.
func (c *Client) RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error) {
	var r api.ShareRestored
	return r, c.call(ctx, api.BackupInterface, "RestoreShareFiles", []any{&r}, snapshot, share, orEmptyList(paths), alongside)
}

// Restore restores paths of a snapshot into target on the box, or in place
// when target is "" (changed files are kept, restored ones put beside).
func (c *Client) Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error) {
	var r api.RestoreResult
	return r, c.call(ctx, api.BackupInterface, "Restore", []any{&r}, snapshot, orEmptyList(paths), target)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptyList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func fixUser(u api.User) api.User {
	u.Aliases, u.Groups = orEmptyList(u.Aliases), orEmptyList(u.Groups)
	return u
}
