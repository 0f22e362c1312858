// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// polkit's Authority on the system bus.
const (
	polkitName      = "org.freedesktop.PolicyKit1"
	polkitPath      = "/org/freedesktop/PolicyKit1/Authority"
	polkitInterface = "org.freedesktop.PolicyKit1.Authority"
	// polkitAllowUserInteraction is CheckAuthorizationFlags.AllowUserInteraction.
	polkitAllowUserInteraction = uint32(1)
)

// actionInfo says in words what an action allows and who gets it by rule.
var actionInfo = map[string]struct{ what, group string }{
	ActionStatus:   {"read the status of this box", "posse-office"},
	ActionHealth:   {"check the health of this box's services", "posse-office"},
	ActionUsers:    {"manage users and passwords", "posse-office"},
	ActionVersions: {"restore earlier versions of files", "posse-office"},
	ActionRestore:  {"restore files of the shares from the backup", "posse-office"},
	ActionSite:     {"manage the site, shares, mail and backup", "posse-admin"},
}

// Authorizer decides whether a caller on the bus may perform an action. It
// lets uid 0 through without asking polkit (root can change the box anyway,
// and this keeps possectl working for root when polkit is broken); every
// other caller needs polkit's yes. Deny by default: any error is a refusal.
type Authorizer struct {
	// Bus is the connection the calls arrive on; the bus daemon tells the
	// caller's uid and polkit is reached through it.
	Bus *dbus.Conn
	// Trusted reports whether uid may skip polkit. Nil means uid 0 only;
	// tests that run as root set it to refuse everyone.
	Trusted func(uid uint32) bool
	// Timeout bounds a non-interactive polkit check (default 25 s);
	// interactive checks get 5 minutes for the person to type a password.
	Timeout time.Duration
}

// polkitSubject is polkit's (sa{sv}) Subject.
type polkitSubject struct {
	Kind    string
	Details map[string]dbus.Variant
}

// polkitResult is polkit's (bba{ss}) AuthorizationResult.
type polkitResult struct {
	IsAuthorized bool
	IsChallenge  bool
	Details      map[string]string
}

// Check returns nil when sender may perform action, and otherwise a
// NotAuthorized or Failed D-Bus error that says what to do.
func (a *Authorizer) Check(ctx context.Context, sender, action string, interactive bool) *dbus.Error {
	if action == "" {
		return dbusErr(api.ErrNotAuthorized, "this method is not assigned a polkit action, so it is refused: report a bug")
	}
	if sender == "" {
		return dbusErr(api.ErrNotAuthorized, "the call has no sender: call possed over the bus")
	}
	var uid uint32
	if err := a.Bus.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixUser", 0, sender).Store(&uid); err != nil {
		return dbusErr(api.ErrNotAuthorized, "cannot tell who is calling (%v): refused", err)
	}
	trusted := a.Trusted
	if trusted == nil {
		trusted = func(uid uint32) bool { return uid == 0 }
	}
	if trusted(uid) {
		return nil
	}
	timeout := a.Timeout
	if timeout == 0 {
		timeout = 25 * time.Second
	}
	var flags uint32
	if interactive {
		flags = polkitAllowUserInteraction
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	subject := polkitSubject{Kind: "system-bus-name", Details: map[string]dbus.Variant{"name": dbus.MakeVariant(sender)}}
	var res polkitResult
	err := a.Bus.Object(polkitName, polkitPath).CallWithContext(ctx, polkitInterface+".CheckAuthorization", 0,
		subject, action, map[string]string{}, flags, "").Store(&res)
	info := actionInfo[action]
	if err != nil {
		if polkitMissing(err) {
			return keyedError(api.ErrNotAuthorized, "polkit is not running on this box: start polkit.service (systemctl start polkit), or call as root", api.KeyPolkitMissing, nil)
		}
		return dbusErr(api.ErrNotAuthorized, "cannot check with polkit whether you may %s: %v", info.what, err)
	}
	if res.IsAuthorized {
		return nil
	}
	args := map[string]string{"action": action, "group": info.group}
	if res.IsChallenge {
		if interactive {
			return keyedError(api.ErrNotAuthorized, fmt.Sprintf("not authorized to %s: authentication failed, was cancelled, or no polkit agent could ask for it; or ask an administrator to add you to group %s", info.what, info.group), api.KeyNotAuthorized, args)
		}
		return keyedError(api.ErrNotAuthorized, fmt.Sprintf("not authorized to %s without authenticating: allow interactive authentication (a polkit agent must be running), or ask an administrator to add you to group %s", info.what, info.group), api.KeyNotAuthorized, args)
	}
	return keyedError(api.ErrNotAuthorized, fmt.Sprintf("not authorized to %s: ask an administrator to add you to group %s", info.what, info.group), api.KeyNotAuthorized, args)
}

// polkitMissing reports whether err means nobody answers for polkit on the
// bus (not installed, stopped and not activatable, or failing to start).
func polkitMissing(err error) bool {
	var de dbus.Error
	var dp *dbus.Error
	name := ""
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &dp):
		name = dp.Name
	}
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."),
		strings.HasPrefix(name, "org.freedesktop.systemd1."):
		return true
	}
	return false
}

// dbusErr makes a D-Bus error with a formatted message.
func dbusErr(name, format string, args ...any) *dbus.Error {
	return dbus.NewError(name, []any{fmt.Sprintf(format, args...)})
}
