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
	for _, s := range []string{"anna", "Anna", "a)(cn=*", "root", "", "x\x00y", "ä", strings.Repeat("a", 30)} {
		f.Add(s, s+"@example.com", "Sommer-2026!x")
	}
	f.Fuzz(func(t *testing.T, name, mail, pw string) {
		u := api.User{Username: name, Email: mail, GivenName: name, Groups: []string{name}}
		if checkUser(u) == nil {
			if !site.ValidUsername(name) || (mail != "" && !site.ValidEmail(mail)) || !site.ValidGroupName(name) {
				t.Errorf("accepted %q / %q", name, mail)
			}
		}
		if err := checkPassword(pw); err != nil && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
			t.Errorf("error repeats the password: %v", err)
		}
		if checkShareName(name) == nil && strings.ContainsAny(name, site.ShareNameForbidden) {
			t.Errorf("share name %q accepted", name)
		}
	})
}
