// SPDX-License-Identifier: GPL-3.0-or-later

package daemontest

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// StartBrokenPolkit exports a polkit authority on the bus at addr that
// answers every CheckAuthorization with the D-Bus error name and message
// given, as a polkit that is running but failing does.
func StartBrokenPolkit(t testing.TB, addr, name, message string) {
	t.Helper()
	conn := Connect(t, addr)
	if err := conn.Export(brokenAuthority{dbus.NewError(name, []any{message})}, "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.PolicyKit1.Authority"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.freedesktop.PolicyKit1", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("broken polkit: request name: %v %v", r, err)
	}
}

type brokenAuthority struct{ err *dbus.Error }

// CheckAuthorization implements the polkit method of the same name.
func (a brokenAuthority) CheckAuthorization(subject, string, map[string]string, uint32, string) (result, *dbus.Error) {
	return result{}, a.err
}
