// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// TestErrorKeys: possed's key and arguments come out of the wire into
// *Error (errors.As through any wrapping), the message stays possed's;
// an older possed's body (the message alone) and a body of other types
// give no key; the bus's own errors get the client's keys.
func TestErrorKeys(t *testing.T) {
	args := map[string]string{"user": "efischer"}
	tests := []struct {
		name     string
		err      error
		iface    string
		method   string
		wantKey  string
		wantArgs map[string]string
		wantMsg  string
	}{
		{"possed keyed", dbus.Error{Name: api.ErrInvalidInput, Body: []any{"user efischer already exists", api.KeyUserExists, args}}, api.UsersInterface, "Create",
			api.KeyUserExists, args, "user efischer already exists"},
		{"possed before keys", dbus.Error{Name: api.ErrInvalidInput, Body: []any{"user efischer already exists"}}, api.UsersInterface, "Create",
			"", nil, "user efischer already exists"},
		{"odd body", dbus.Error{Name: api.ErrFailed, Body: []any{"failed", uint32(3), "x"}}, api.UsersInterface, "Create",
			"", nil, "failed"},
		{"not running", dbus.Error{Name: errServiceUnknown, Body: []any{"x"}}, api.Interface, "Status", api.KeyNotRunning, nil, ""},
		{"spawn", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited", Body: []any{"x"}}, api.Interface, "Status", api.KeyCannotStart, nil, ""},
		{"bus policy users", dbus.Error{Name: errAccessDenied, Body: []any{"x"}}, api.UsersInterface, "Create", api.KeyBusPolicy, map[string]string{"group": "posse-office"}, ""},
		{"bus policy site", dbus.Error{Name: errAccessDenied, Body: []any{"x"}}, api.Interface, "Apply2", api.KeyBusPolicy, map[string]string{"group": "posse-admin"}, ""},
		{"no reply", dbus.Error{Name: errNoReply, Body: []any{"x"}}, api.Interface, "Status", api.KeyNoAnswer, nil, ""},
		{"deadline", context.DeadlineExceeded, api.Interface, "Status", api.KeyNoAnswer, nil, ""},
		{"closed", dbus.ErrClosed, api.Interface, "Status", api.KeyClosed, nil, ""},
		{"version", dbus.Error{Name: errUnknownMethod, Body: []any{"x"}}, api.Interface, "Plan2", api.KeyVersion, nil, api.VersionMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("creating: %w", wireError(tt.err, tt.iface, tt.method, time.Minute))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v is no *Error", err)
			}
			if e.Key != tt.wantKey || !maps.Equal(e.Args, tt.wantArgs) {
				t.Errorf("key %q args %v, want %q %v", e.Key, e.Args, tt.wantKey, tt.wantArgs)
			}
			if tt.wantMsg != "" && e.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", e.Message, tt.wantMsg)
			}
		})
	}
	if err := unexpectedReply("Plan2", errors.New("mismatch")); !errors.As(err, new(*Error)) || err.(*Error).Key != api.KeyVersion {
		t.Errorf("an unexpected reply: %#v", err)
	}
}
