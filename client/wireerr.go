// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// Names of the bus's own errors that the client turns into sentences.
const (
	errServiceUnknown   = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNameHasNoOwner   = "org.freedesktop.DBus.Error.NameHasNoOwner"
	errAccessDenied     = "org.freedesktop.DBus.Error.AccessDenied"
	errNoReply          = "org.freedesktop.DBus.Error.NoReply"
	errTimeout          = "org.freedesktop.DBus.Error.Timeout"
	errTimedOut         = "org.freedesktop.DBus.Error.TimedOut"
	errDisconnected     = "org.freedesktop.DBus.Error.Disconnected"
	errUnknownMethod    = "org.freedesktop.DBus.Error.UnknownMethod"
	errUnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
	errUnknownObject    = "org.freedesktop.DBus.Error.UnknownObject"
	errInvalidArgs      = "org.freedesktop.DBus.Error.InvalidArgs"
)

// ErrVersion is the Name of an *Error that says possectl (or the app) and
// possed speak different interface versions.
const ErrVersion = api.ErrVersion

// IsVersion reports whether the client and possed differ in version.
func IsVersion(err error) bool { return Is(err, api.ErrVersion) }

// IsUnreachable reports whether possed could not be reached or did not
// answer: not running, connection closed, or no answer in time.
func IsUnreachable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Name {
	case errServiceUnknown, errNameHasNoOwner, errNoReply, errTimeout, errTimedOut, errDisconnected:
		return true
	}
	return strings.HasPrefix(e.Name, "org.freedesktop.DBus.Error.Spawn.")
}

// versionMessage is what the person reads when client and possed differ.
const versionMessage = api.VersionMessage

// wireError turns what the bus (not possed) answered for iface.method into
// an *Error whose message says what happened and what to do next. The
// original error stays wrapped (errors.Unwrap, for logs). Errors possed
// itself returns keep their name and message.
func wireError(err error, iface, method string, timeout time.Duration) error {
	if err == nil {
		return nil
	}
	var de dbus.Error
	var dp *dbus.Error
	var name string
	var body []any
	switch {
	case errors.As(err, &de):
		name, body = de.Name, de.Body
	case errors.As(err, &dp):
		name, body = dp.Name, dp.Body
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Name: errTimeout, Key: api.KeyNoAnswer, Cause: err, Message: timeoutMessage(timeout)}
	case errors.Is(err, io.EOF), errors.Is(err, dbus.ErrClosed), isClosedConn(err):
		return &Error{Name: errDisconnected, Key: api.KeyClosed, Cause: err, Message: closedMessage}
	default:
		return err
	}
	msg := ""
	if len(body) > 0 {
		msg, _ = body[0].(string)
	}
	e := &Error{Name: name, Message: msg, Cause: err}
	if len(body) >= 3 {
		// possed's key and its arguments (api.KeyedError).
		e.Key, _ = body[1].(string)
		e.Args, _ = body[2].(map[string]string)
	}
	switch {
	case name == errServiceUnknown, name == errNameHasNoOwner:
		e.Key = api.KeyNotRunning
		e.Message = "possed is not running on this box and the bus cannot start it: start it as root with 'systemctl start possed'; if there is no such unit, possed is not installed on this box: install the posse package"
	case strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."), strings.HasPrefix(name, "org.freedesktop.systemd1."):
		e.Key = api.KeyCannotStart
		e.Message = "possed could not be started on this box: see 'systemctl status possed' and 'journalctl -u possed' there, then start it with 'systemctl start possed'"
	case name == errAccessDenied:
		e.Key, e.Args = api.KeyBusPolicy, map[string]string{"group": needsGroup(iface, method)}
		e.Message = "the box's D-Bus policy refused the call to possed: " + needs(iface, method) + "; if you are in that group, reinstall the posse package (its D-Bus policy org.posse.Posse1.conf belongs in /usr/share/dbus-1/system.d)"
	case name == errNoReply, name == errTimeout, name == errTimedOut:
		e.Key = api.KeyNoAnswer
		e.Message = timeoutMessage(timeout)
	case name == errDisconnected:
		e.Key = api.KeyClosed
		e.Message = closedMessage
	case name == errUnknownMethod, name == errUnknownInterface, name == errUnknownObject, name == errInvalidArgs:
		if strings.HasPrefix(iface, api.Interface) {
			e.Name, e.Message, e.Key = api.ErrVersion, versionMessage, api.KeyVersion
		}
	}
	return e
}

// closedMessage says what to do when the connection went away.
const closedMessage = "the connection to possed was closed (possed, the box or the SSH connection went away): run the command again; a change that was running goes on, 'possectl status' shows it"

// timeoutMessage says what to do when possed did not answer in time.
func timeoutMessage(d time.Duration) string {
	in := "in time"
	if d > 0 {
		in = "within " + d.String()
	}
	return "possed did not answer " + in + ": the change may still be running on the box; 'possectl status' shows a running job and 'possectl job JOB' follows it"
}

// isClosedConn reports the errors of a connection closed under the client
// (the SSH channel or the socket), which godbus passes on as they are.
func isClosedConn(err error) bool {
	s := err.Error()
	return strings.Contains(s, "use of closed network connection") || strings.Contains(s, "connection reset by peer") || strings.Contains(s, "broken pipe")
}

// needsGroup is the group polkit's rules (packaging/polkit/50-posse.rules)
// grant iface.method to: posse-office (which posse-admin has too),
// posse-admin, or "" for any local account.
func needsGroup(iface, method string) string {
	switch iface {
	case api.Interface:
		switch method {
		case "Status", "Validate":
			return ""
		case "Health", "Usage", "Alerts":
			return "posse-office"
		}
	case api.UsersInterface, api.GroupsInterface:
		return "posse-office"
	case api.BackupInterface:
		if method == "Status" {
			return "posse-office"
		}
	}
	return "posse-admin"
}

// needs says in words which group iface.method needs.
func needs(iface, method string) string {
	switch needsGroup(iface, method) {
	case "":
		return "any local account may call " + method
	case "posse-office":
		return "this needs group posse-office or posse-admin; ask an administrator to add you"
	}
	return "this needs group posse-admin; ask an administrator to add you"
}

// unexpectedReply is the error of a reply that does not decode: possed
// speaks another interface version.
func unexpectedReply(method string, err error) error {
	return &Error{Name: api.ErrVersion, Key: api.KeyVersion, Message: versionMessage, Cause: fmt.Errorf("possed answered %s with an unexpected reply: %w", method, err)}
}
