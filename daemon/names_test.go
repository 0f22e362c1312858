// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// badNames carry the metacharacters of LDAP distinguished names (RFC 4514:
// , + " \ < > ; = and a leading # or space) and search filters (RFC 4515:
// * ( ) \; NUL cannot travel in a D-Bus string at all), and other
// characters no username or group name may hold.
var badNames = []string{
	"anna,ou=admins", "anna,", ",anna", "cn=anna", "anna=x", "anna+x", `anna"x`, `anna\x`, `anna\2c`,
	"anna<x", "anna>x", "anna;x", "#anna", " anna", "anna ", "anna*", "*", "anna(x)", "anna)(cn=*",
	"a)(|(objectClass=*)", "anna\n", "anna\r", "anna\t", "anna/x", "../anna", "anna|x",
	"anna&x", "anna!x", "anna'x", "anna%2c", "anna@example.com", "Anna", "ánna", "",
}

// nameArgs builds the arguments of a method around one user or group
// name; good is a name the method accepts.
type nameArgs struct {
	args func(name string) []any
	good string
	// except are bad names that are right here for another reason.
	except []string
}

// justName passes the name as the only argument.
func justName(n string) []any { return []any{n} }

// namedMethods lists, for every method that takes a user or group name,
// how to pass one. Every method on the bus must be here or in
// unnamedMethods, so a new method has to be sorted into one of them.
var namedMethods = map[string][]nameArgs{
	api.UsersInterface + "." + api.MethodUsersGet:   {{args: justName, good: "anna"}},
	api.UsersInterface + "." + api.MethodUsersLogon: {{args: justName, good: "anna"}},
	api.UsersInterface + ".Create": {
		{args: func(n string) []any { return []any{api.User{Username: n}, "Sommer2026!x", true} }, good: "anna"},
		{args: func(n string) []any {
			return []any{api.User{Username: "anna", Groups: []string{n}}, "Sommer2026!x", true}
		}, good: "staff"},
	},
	api.UsersInterface + ".Update": {{args: func(n string) []any {
		return []any{n, map[string]dbus.Variant{"Surname": dbus.MakeVariant("Muster")}}
	}, good: "anna"}},
	api.UsersInterface + ".SetPassword": {{args: func(n string) []any { return []any{n, "Sommer2026!x", true} }, good: "anna"}},
	api.UsersInterface + ".Disable":     {{args: justName, good: "anna"}},
	api.UsersInterface + ".Enable":      {{args: justName, good: "anna"}},
	api.UsersInterface + ".Delete":      {{args: justName, good: "anna"}},
	api.GroupsInterface + ".Create": {
		{args: func(n string) []any { return []any{api.Group{Name: n}} }, good: "staff"},
		{args: func(n string) []any { return []any{api.Group{Name: "staff", Members: []string{n}}} }, good: "anna"},
	},
	api.GroupsInterface + ".Delete": {{args: justName, good: "staff"}},
	api.GroupsInterface + ".SetMembers": {
		{args: func(n string) []any { return []any{n, []string{"anna"}, []string{}} }, good: "staff"},
		{args: func(n string) []any { return []any{"staff", []string{n}, []string{}} }, good: "anna"},
		{args: func(n string) []any { return []any{"staff", []string{}, []string{n}} }, good: "anna"},
	},
	// An alias target is a username or a mail address.
	api.MailInterface + ".SetAlias": {{args: func(n string) []any {
		return []any{api.Alias{Address: "info@example.com", To: []string{n}}}
	}, good: "anna", except: []string{"anna@example.com"}}},
}

// unnamedMethods take no user or group name, or take one the daemon does
// not check itself; each says why.
var unnamedMethods = map[string]string{
	api.Interface + ".Status":                          "no arguments",
	api.Interface + ".TimeZone":                        "no arguments",
	api.Interface + ".Health":                          "a service name",
	api.Interface + ".Validate":                        "a template",
	api.Interface + ".Usage":                           "no arguments",
	api.Interface + ".Certificates":                    "no arguments",
	api.Interface + ".Alerts":                          "no arguments",
	api.Interface + ".Plan":                            "a template",
	api.Interface + ".Apply":                           "a template",
	api.Interface + ".ApplyPlan":                       "a template",
	api.Interface + ".JobResult":                       "a job id",
	api.Interface + "." + api.MethodPlan:               "a template",
	api.Interface + "." + api.MethodApply:              "a template",
	api.Interface + "." + api.MethodApplyPlan:          "a template",
	api.Interface + "." + api.MethodJobResult:          "a job id",
	api.Interface + ".Export":                          "no arguments",
	api.UsersInterface + "." + api.MethodUsersList:     "a search text, not a name: the backend escapes it for its filter",
	api.UsersInterface + ".List":                       "version 2, retired: answers the version error",
	api.UsersInterface + ".Get":                        "version 2, retired: answers the version error",
	api.UsersInterface + ".Logon":                      "version 2, retired: answers the version error",
	api.UsersInterface + ".Import":                     "the usernames are inside the CSV: the backend's import parser checks them (services/directory)",
	api.GroupsInterface + ".List":                      "no arguments",
	api.SharesInterface + ".List":                      "no arguments",
	api.SharesInterface + ".Set":                       "group names in Read and Write: TestShareGroupNamesRefused",
	api.SharesInterface + ".Delete":                    "a share name",
	api.SharesInterface + ".Permissions":               "a share name and a path (\"\" for the root): TestVersionArgumentsRefused",
	api.SharesInterface + ".Versions":                  "a share name (share names allow what user names do not) and a path: TestVersionArgumentsRefused",
	api.SharesInterface + ".RestoreVersion":            "a share name and a path: TestVersionArgumentsRefused",
	api.BackupInterface + ".ShareSnapshots":            "no arguments",
	api.BackupInterface + ".BrowseShare":               "a snapshot id, a share name and a path: TestShareRestoreArgumentsRefused",
	api.BackupInterface + ".RestoreShareFiles":         "a snapshot id, a share name and paths: TestShareRestoreArgumentsRefused",
	api.MailInterface + ".ListAliases":                 "no arguments",
	api.MailInterface + ".DeleteAlias":                 "a mail address",
	api.BackupInterface + "." + api.MethodBackupStatus: "no arguments",
	api.BackupInterface + ".Status":                    "version 2, retired: answers the version error",
	api.BackupInterface + ".Run":                       "no arguments",
	api.BackupInterface + ".RunCopy":                   "a backup copy name: TestInvalidInputIsRefusedBeforeTheBackend",
	api.BackupInterface + ".Snapshots":                 "no arguments",
	api.BackupInterface + ".Browse":                    "a snapshot and a path",
	api.BackupInterface + ".Restore":                   "a snapshot and paths",
	api.UpdatesInterface + ".List":                     "a flag",
	api.UpdatesInterface + ".Apply":                    "an updates id: checked against its hex form",
}

// TestNamesWithMetacharactersRefused passes each bad name to each method
// that takes a user or group name, as a caller allowed everything: possed
// must refuse it as invalid input before the backend sees it (the fake
// backend would create, find or change it). The good name shows the same
// call is not refused for another reason.
func TestNamesWithMetacharactersRefused(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	obj := c.Conn().Object(api.BusName, api.ObjectPath)
	call := func(method string, args []any) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errorOf(obj.CallWithContext(ctx, method, 0, args...).Err)
	}
	for _, key := range busMethods(t, r.addr) {
		ways, named := namedMethods[key]
		if _, unnamed := unnamedMethods[key]; named == unnamed {
			t.Errorf("%s must be in exactly one of namedMethods and unnamedMethods", key)
			continue
		}
		for i, w := range ways {
			if name, msg := call(key, w.args(w.good)); name == api.ErrInvalidInput || name == api.ErrNotAuthorized {
				t.Errorf("%s (way %d) with the good name %q: %s %s", key, i, w.good, name, msg)
			}
			for _, bad := range badNames {
				if slices.Contains(w.except, bad) {
					continue
				}
				if name, msg := call(key, w.args(bad)); name != api.ErrInvalidInput {
					t.Errorf("%s (way %d) with %q: error %q %q, want %s", key, i, bad, name, msg, api.ErrInvalidInput)
				}
			}
		}
	}
	// The backend saw the good names only.
	users, _ := c.Users(ctx(t), "")
	for _, u := range users {
		if u.Username != "anna" {
			t.Errorf("the backend has a user %q", u.Username)
		}
	}
	groups, _ := c.Groups(ctx(t))
	for _, g := range groups {
		if g.Name != "staff" || slices.ContainsFunc(g.Members, func(m string) bool { return m != "anna" }) {
			t.Errorf("the backend has a group %q with members %q", g.Name, g.Members)
		}
	}
}

// TestShareGroupNamesRefused: a share's read and write groups end up in
// ACLs and Samba's configuration; metacharacters are refused there too.
func TestShareGroupNamesRefused(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	for _, bad := range badNames {
		for _, sh := range []api.Share{{Name: "Data", Read: []string{bad}}, {Name: "Data", Write: []string{bad}}} {
			err := c.SetShare(ctx(t), sh)
			if err == nil || !strings.Contains(err.Error(), "group name") {
				t.Errorf("share with group %q: %v, want the group name refused", bad, err)
			}
		}
	}
}

// TestVersionArgumentsRefused: paths out of the share, control characters
// and bad times never reach the backend.
func TestVersionArgumentsRefused(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	obj := c.Conn().Object(api.BusName, api.ObjectPath)
	call := func(method string, args ...any) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errorOf(obj.CallWithContext(ctx, api.SharesInterface+"."+method, 0, args...).Err)
	}
	for _, p := range []string{"", "/", "../etc/shadow", "a/../../b", ".snapshots/@GMT-2026.12.07-10.00.00/a", "a\nb"} {
		if name, msg := call("Versions", "Office", p); name != api.ErrInvalidInput {
			t.Errorf("Versions of path %q: %s %s", p, name, msg)
		}
		if name, msg := call("RestoreVersion", "Office", p, "", false); name != api.ErrInvalidInput {
			t.Errorf("RestoreVersion of path %q: %s %s", p, name, msg)
		}
		if name, msg := call("Permissions", "Office", p); p != "" && name != api.ErrInvalidInput {
			t.Errorf("Permissions of path %q: %s %s", p, name, msg)
		}
	}
	for _, share := range []string{"", "a/b", "x\ny"} {
		if name, msg := call("Permissions", share, ""); name != api.ErrInvalidInput {
			t.Errorf("Permissions of share %q: %s %s", share, name, msg)
		}
	}
	if name, msg := call("Permissions", "Office", ""); name != "" {
		t.Errorf("Permissions of the share root was refused: %s %s", name, msg)
	}
	for _, share := range []string{"", "a/b", "x\ny"} {
		if name, msg := call("RestoreVersion", share, "a.txt", "", false); name != api.ErrInvalidInput {
			t.Errorf("RestoreVersion of share %q: %s %s", share, name, msg)
		}
	}
	if name, msg := call("RestoreVersion", "Office", "a.txt", "yesterday", false); name != api.ErrInvalidInput || !strings.Contains(msg, "RFC 3339") {
		t.Errorf("RestoreVersion at yesterday: %s %s", name, msg)
	}
	if name, msg := call("RestoreVersion", "Office", "Budget/plan.txt", "2026-12-07T11:00:00Z", true); name != "" {
		t.Errorf("a good call was refused: %s %s", name, msg)
	}
}

// TestShareRestoreArgumentsRefused: box paths, paths out of the share,
// control characters and bad snapshot ids never reach the backend.
func TestShareRestoreArgumentsRefused(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	obj := c.Conn().Object(api.BusName, api.ObjectPath)
	call := func(method string, args ...any) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return errorOf(obj.CallWithContext(ctx, api.BackupInterface+"."+method, 0, args...).Err)
	}
	for _, p := range []string{"", "/", "../etc/shadow", "../../etc/shadow", "a/../../b", ".snapshots/@GMT-2026.12.07-10.00.00/a", "a\nb"} {
		if name, msg := call("RestoreShareFiles", "latest", "Office", []string{"Budget/plan.txt", p}, false); name != api.ErrInvalidInput {
			t.Errorf("RestoreShareFiles of path %q: %s %s", p, name, msg)
		}
		if p == "" || p == "/" {
			continue // the share itself is browsable
		}
		if name, msg := call("BrowseShare", "latest", "Office", p); name != api.ErrInvalidInput {
			t.Errorf("BrowseShare of %q: %s %s", p, name, msg)
		}
	}
	for _, share := range []string{"", "a/b", "../etc", "/etc", "x\ny"} {
		if name, msg := call("RestoreShareFiles", "latest", share, []string{"a.txt"}, false); name != api.ErrInvalidInput {
			t.Errorf("RestoreShareFiles of share %q: %s %s", share, name, msg)
		}
		if name, msg := call("BrowseShare", "latest", share, ""); name != api.ErrInvalidInput {
			t.Errorf("BrowseShare of share %q: %s %s", share, name, msg)
		}
	}
	for _, snap := range []string{"", "xyz", "../../x", "latest; rm"} {
		if name, msg := call("RestoreShareFiles", snap, "Office", []string{"a.txt"}, false); name != api.ErrInvalidInput {
			t.Errorf("RestoreShareFiles of snapshot %q: %s %s", snap, name, msg)
		}
	}
	if name, msg := call("RestoreShareFiles", "latest", "Office", []string{}, false); name != api.ErrInvalidInput {
		t.Errorf("RestoreShareFiles of no paths: %s %s", name, msg)
	}
	// /etc/shadow as a share path is a path inside the share: "etc/shadow" there.
	if name, msg := call("RestoreShareFiles", "latest", "Office", []string{"/Budget/plan.txt"}, true); name != "" {
		t.Errorf("a good call was refused: %s %s", name, msg)
	}
	if name, msg := call("BrowseShare", "9f8e7d6c5b4a3f2e", "Office", "Budget"); name != "" {
		t.Errorf("a good browse was refused: %s %s", name, msg)
	}
}
