// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

func TestDecodeUpdate(t *testing.T) {
	s := func(v string) dbus.Variant { return dbus.MakeVariant(v) }
	tests := []struct {
		name    string
		user    string
		changes map[string]dbus.Variant
		wantErr string
		check   func(UserUpdate) bool
	}{
		{"surname only", "anna", map[string]dbus.Variant{"Surname": s("Meyer")}, "", func(u UserUpdate) bool {
			return u.Surname != nil && *u.Surname == "Meyer" && u.GivenName == nil && u.Aliases == nil
		}},
		{"clear email", "anna", map[string]dbus.Variant{"Email": s("")}, "", func(u UserUpdate) bool { return u.Email != nil && *u.Email == "" }},
		{"aliases", "anna", map[string]dbus.Variant{"Aliases": dbus.MakeVariant([]string{"a@example.com"})}, "", func(u UserUpdate) bool {
			return u.Aliases != nil && len(*u.Aliases) == 1
		}},
		{"bad user", "Anna", map[string]dbus.Variant{"Surname": s("x")}, "username", nil},
		{"bad email", "anna", map[string]dbus.Variant{"Email": s("not mail")}, "mail address", nil},
		{"bad alias", "anna", map[string]dbus.Variant{"Aliases": dbus.MakeVariant([]string{"x"})}, "mail address", nil},
		{"password is not an attribute", "anna", map[string]dbus.Variant{"Password": s("x")}, "unknown attribute", nil},
		{"disabled goes through Disable", "anna", map[string]dbus.Variant{"Disabled": dbus.MakeVariant(true)}, "unknown attribute", nil},
		{"newline in name", "anna", map[string]dbus.Variant{"GivenName": s("a\nb")}, "control characters", nil},
		{"escape in name", "anna", map[string]dbus.Variant{"Surname": s("a\x1b[31m")}, "control characters", nil},
		{"bell in display name", "anna", map[string]dbus.Variant{"DisplayName": s("a\a")}, "control characters", nil},
		{"tab in name", "anna", map[string]dbus.Variant{"GivenName": s("a\tb")}, "control characters", nil},
		{"delete in name", "anna", map[string]dbus.Variant{"GivenName": s("a\x7f")}, "control characters", nil},
		{"long given name", "anna", map[string]dbus.Variant{"GivenName": s(strings.Repeat("x", 65))}, "the limit is 64", nil},
		{"service address", "anna", map[string]dbus.Variant{"Email": s("postmaster@example.com")}, "service address", nil},
		{"service alias", "anna", map[string]dbus.Variant{"Aliases": dbus.MakeVariant([]string{"hostmaster@example.com"})}, "service address", nil},
		{"samba section user", "sysvol", map[string]dbus.Variant{"Surname": s("x")}, "Samba's own sections", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, err := decodeUpdate(tt.user, tt.changes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(up) {
				t.Errorf("decodeUpdate = %+v, %v", up, err)
			}
		})
	}
}

// FuzzCheckUser: whatever a caller sends, the daemon accepts only names the
// site grammar accepts, and no error repeats the password.
func FuzzCheckUser(f *testing.F) {
	for _, s := range []string{"anna", "Anna", "a)(cn=*", "root", "", "x\x00y", "ä", strings.Repeat("a", 30),
		"sysvol", "netlogon", "global", "homes", "printers", "print$", "ipc$", "SysVol", "postmaster", "abuse",
		"posse-admin", "posse-office", "domain-admins", "enterprise_admins", "a\x1bb", "a\ab", "a\tb", "a\x7fb", "posse-mail"} {
		f.Add(s, s+"@example.com", "Sommer-2026!x")
	}
	f.Fuzz(func(t *testing.T, name, mail, pw string) {
		u := api.User{Username: name, Email: mail, GivenName: name, Groups: []string{name}}
		if checkUser(u) == nil {
			if site.UsernameError(name) != nil || site.IsServiceAccount(name) || (mail != "" && site.UserAddressError("email", mail) != nil) ||
				site.GroupNameError(name) != nil || site.TextError("given name", name, site.MaxNameFieldLen) != nil {
				t.Errorf("accepted %q / %q", name, mail)
			}
		}
		if checkMember(name) == nil && (site.IsServiceAccount(name) || !site.ValidUsername(name)) {
			t.Errorf("member %q accepted", name)
		}
		if err := checkPassword(pw); err != nil && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
			t.Errorf("error repeats the password: %v", err)
		}
		if checkShareName(name) == nil && (strings.ContainsAny(name, site.ShareNameForbidden) || site.IsSambaSection(name) || site.HasControl(name)) {
			t.Errorf("share name %q accepted", name)
		}
	})
}

// TestCreateRefusesTemplateOnlyFields: service accounts and admin rights
// come from the site template, never from Users.Create.
func TestCreateRefusesTemplateOnlyFields(t *testing.T) {
	for _, u := range []api.User{{Username: "scanner", Kind: "service"}, {Username: "anna", Admin: true}, {Username: "bob", Kind: "robot"}} {
		if checkUser(u) == nil {
			t.Errorf("checkUser accepted %+v", u)
		}
	}
	if err := checkUser(api.User{Username: "anna", Kind: "person"}); err != nil {
		t.Error(err)
	}
}
