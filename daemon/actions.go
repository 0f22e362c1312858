// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import "github.com/posse-project/posse/daemon/api"

// polkit action ids. They must match packaging/polkit/org.posse.Posse1.policy
// (a test checks both ways); the groups they are granted to are in
// packaging/polkit/50-posse.rules.
const (
	// ActionStatus reads the status (version, host name, site, unit
	// states; no user data): any local account, also over SSH (allow_any
	// yes, like firewalld's info action).
	ActionStatus = "org.posse.Posse1.status"
	// ActionHealth runs the services' health probes (which log in to the
	// directory and the mail server) and reads share sizes, the mail queue
	// and the backup status: auth_admin_keep by default, granted without a
	// password to posse-office and posse-admin.
	ActionHealth = "org.posse.Posse1.health"
	// ActionUsers manages users, groups and passwords: auth_admin_keep by
	// default, granted without a password to posse-office and posse-admin.
	ActionUsers = "org.posse.Posse1.users"
	// ActionSite plans and applies the site and manages shares, mail and
	// backup: auth_admin_keep, granted to posse-admin.
	ActionSite = "org.posse.Posse1.site"
	// ActionVersions lists and restores earlier versions of files in the
	// shares from their snapshots: auth_admin_keep by default, granted
	// without a password to posse-office and posse-admin.
	ActionVersions = "org.posse.Posse1.versions"
	// ActionRestore lists the backup snapshots and browses and restores
	// files of the shares and home folders from them, by share name and
	// share-relative path: auth_admin_keep by default, granted without a
	// password to posse-office and posse-admin.
	ActionRestore = "org.posse.Posse1.restore"
)

// Actions lists every action possed checks, for tests and docs.
var Actions = []string{ActionStatus, ActionHealth, ActionUsers, ActionSite, ActionVersions, ActionRestore}

// methodActions maps "interface.Method" to the polkit action that guards it.
// A method missing here is refused (deny by default), and a unit test fails
// for every exported method without an entry.
var methodActions = map[string]string{
	api.Interface + ".Status":                 ActionStatus,
	api.Interface + ".Health":                 ActionHealth,
	api.Interface + ".Validate":               ActionStatus,
	api.Interface + ".TimeZone":               ActionStatus,
	api.Interface + ".Usage":                  ActionHealth,
	api.Interface + ".Certificates":           ActionHealth,
	api.Interface + ".Alerts":                 ActionHealth,
	api.Interface + "." + api.MethodPlan:      ActionSite,
	api.Interface + "." + api.MethodApply:     ActionSite,
	api.Interface + "." + api.MethodApplyPlan: ActionSite,
	api.Interface + "." + api.MethodJobResult: ActionSite,
	api.Interface + ".Export":                 ActionSite,

	// The methods of interface version 1 whose types changed
	// (api.Retired) keep their action and answer api.ErrVersion;
	// they change nothing.
	api.Interface + ".Plan":      ActionSite,
	api.Interface + ".Apply":     ActionSite,
	api.Interface + ".ApplyPlan": ActionSite,
	api.Interface + ".JobResult": ActionSite,

	api.UsersInterface + "." + api.MethodUsersList:  ActionUsers,
	api.UsersInterface + "." + api.MethodUsersGet:   ActionUsers,
	api.UsersInterface + "." + api.MethodUsersLogon: ActionUsers,
	api.UsersInterface + ".List":                    ActionUsers, // version 2, retired
	api.UsersInterface + ".Get":                     ActionUsers, // version 2, retired
	api.UsersInterface + ".Logon":                   ActionUsers, // version 2, retired
	api.UsersInterface + ".Create":                  ActionUsers,
	api.UsersInterface + ".Update":                  ActionUsers,
	api.UsersInterface + ".SetPassword":             ActionUsers,
	api.UsersInterface + ".Disable":                 ActionUsers,
	api.UsersInterface + ".Enable":                  ActionUsers,
	api.UsersInterface + ".Delete":                  ActionUsers,
	api.UsersInterface + ".Import":                  ActionUsers,

	api.GroupsInterface + ".List":       ActionUsers,
	api.GroupsInterface + ".Create":     ActionUsers,
	api.GroupsInterface + ".Delete":     ActionUsers,
	api.GroupsInterface + ".SetMembers": ActionUsers,

	api.SharesInterface + ".List":   ActionSite,
	api.SharesInterface + ".Set":    ActionSite,
	api.SharesInterface + ".Delete": ActionSite,

	api.SharesInterface + ".Permissions":    ActionSite,
	api.SharesInterface + ".Versions":       ActionVersions,
	api.SharesInterface + ".RestoreVersion": ActionVersions,

	api.MailInterface + ".ListAliases": ActionSite,
	api.MailInterface + ".SetAlias":    ActionSite,
	api.MailInterface + ".DeleteAlias": ActionSite,

	api.BackupInterface + "." + api.MethodBackupStatus: ActionHealth,
	api.BackupInterface + ".Status":                    ActionHealth, // version 2, retired
	api.BackupInterface + ".Run":                       ActionSite,
	api.BackupInterface + ".RunCopy":                   ActionSite,
	api.BackupInterface + ".Snapshots":                 ActionSite,
	api.BackupInterface + ".Browse":                    ActionSite,
	api.BackupInterface + ".Restore":                   ActionSite,

	// Listing the pending updates reads (and with refresh, updates apt's
	// lists, as apt's own timer does); installing them is the
	// administrator's.
	api.UpdatesInterface + ".List":             ActionHealth,
	api.UpdatesInterface + ".Apply":            ActionSite,
	api.BackupInterface + ".ShareSnapshots":    ActionRestore,
	api.BackupInterface + ".BrowseShare":       ActionRestore,
	api.BackupInterface + ".RestoreShareFiles": ActionRestore,
}

// ActionFor returns the polkit action guarding iface.method, or "" when the
// method is unknown (and so refused).
func ActionFor(iface, method string) string { return methodActions[iface+"."+method] }
