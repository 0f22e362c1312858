// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

func TestWireError(t *testing.T) {
	busErr := func(name, msg string) error { return dbus.Error{Name: name, Body: []any{msg}} }
	tests := []struct {
		name          string
		err           error
		iface, method string
		want          []string // in the message
		notWant       string   // the raw text must not reach the person
		unreachable   bool
	}{
		{"service unknown", busErr(errServiceUnknown, "The name org.posse.Posse1 was not provided by any .service files"), api.Interface, "Status",
			[]string{"possed is not running", "systemctl start possed", "install the posse package"}, "was not provided", true},
		{"no owner", busErr(errNameHasNoOwner, "Could not get owner of name"), api.UsersInterface, "List",
			[]string{"systemctl start possed"}, "Could not get owner", true},
		{"spawn failed", busErr("org.freedesktop.DBus.Error.Spawn.ChildExited", "Launch helper exited with unknown return code 1"), api.Interface, "Status",
			[]string{"could not be started", "journalctl -u possed"}, "Launch helper", true},
		{"access denied users", busErr(errAccessDenied, "Rejected send message, 2 matched rules"), api.UsersInterface, "Create",
			[]string{"posse-office or posse-admin", "ask an administrator"}, "matched rules", false},
		{"access denied site", busErr(errAccessDenied, "Rejected send message"), api.Interface, "Plan2",
			[]string{"group posse-admin"}, "Rejected", false},
		{"access denied backup status", busErr(errAccessDenied, "Rejected"), api.BackupInterface, "Status",
			[]string{"posse-office or posse-admin"}, "Rejected", false},
		{"no reply", busErr(errNoReply, "Did not receive a reply"), api.Interface, "Plan2",
			[]string{"did not answer within 2m0s", "may still be running", "possectl job"}, "Did not receive", true},
		{"deadline", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), api.UsersInterface, "Import",
			[]string{"did not answer within 2m0s", "possectl job"}, "deadline exceeded", true},
		{"closed by user", dbus.ErrClosed, api.Interface, "Status",
			[]string{"connection to possed was closed", "run the command again", "possectl status"}, "closed by user", true},
		{"eof", io.EOF, api.Interface, "Status", []string{"connection to possed was closed"}, "EOF", true},
		{"closed socket", errors.New("write unix @->/run/dbus/system_bus_socket: use of closed network connection"), api.Interface, "Status",
			[]string{"connection to possed was closed"}, "closed network", true},
		{"unknown method", busErr(errUnknownMethod, `Unknown / invalid method "Plan2"`), api.Interface, "Plan2",
			[]string{"possectl and possed differ in version: update both"}, "invalid method", false},
		{"invalid args", busErr(errInvalidArgs, "Invalid type / number of args"), api.Interface, "ApplyPlan2",
			[]string{"differ in version"}, "number of args", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wireError(tt.err, tt.iface, tt.method, 2*time.Minute)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("message %q passes on the raw %q", err, tt.notWant)
			}
			if !errors.Is(err, tt.err) {
				var de dbus.Error
				if !errors.As(err, &de) || !errors.As(tt.err, &de) {
					t.Errorf("the original error %v is not wrapped in %#v", tt.err, err)
				}
			}
			if IsUnreachable(err) != tt.unreachable {
				t.Errorf("IsUnreachable(%v) = %v, want %v", err, !tt.unreachable, tt.unreachable)
			}
			if IsNotAuthorized(err) || IsInvalidInput(err) {
				t.Errorf("bus error %v classified as possed's", err)
			}
		})
	}
}

func TestWireErrorKeepsPossedsOwn(t *testing.T) {
	in := dbus.Error{Name: api.ErrNotAuthorized, Body: []any{"not authorized to apply a site: ask an administrator to add you to group posse-admin"}}
	err := wireError(in, api.Interface, "Apply2", time.Minute)
	if !IsNotAuthorized(err) || err.Error() != in.Body[0] {
		t.Errorf("possed's refusal became %v", err)
	}
	if err := wireError(context.Canceled, api.Interface, "Status", time.Minute); err != context.Canceled {
		t.Errorf("the caller's own cancel became %v", err)
	}
	// Another bus error on a foreign interface is passed on with its name.
	err = wireError(dbus.Error{Name: errUnknownMethod, Body: []any{"x"}}, "org.freedesktop.DBus", "Foo", time.Minute)
	if IsVersion(err) {
		t.Errorf("an unknown method elsewhere is called a version difference: %v", err)
	}
}

func TestUnexpectedReplyIsVersion(t *testing.T) {
	err := unexpectedReply("Plan2", errors.New("dbus.Store: type mismatch"))
	if !IsVersion(err) || !strings.Contains(err.Error(), "update both") || strings.Contains(err.Error(), "mismatch") {
		t.Errorf("unexpectedReply = %v", err)
	}
	if errors.Unwrap(err) == nil || !strings.Contains(errors.Unwrap(err).Error(), "mismatch") {
		t.Errorf("the decode error is not kept for logs: %v", errors.Unwrap(err))
	}
}

// TestCallTimeout proves a call that gets no answer within CallTimeout ends
// with the timeout sentence, not "context deadline exceeded".
func TestCallTimeout(t *testing.T) {
	addr := daemontest.StartBus(t)
	srv, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A possed whose Status answers too late.
	if err := srv.Export(slow{}, api.ObjectPath, api.Interface); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.RequestName(api.BusName, dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(context.Background(), Options{BusAddress: addr, CallTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer within 300ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Status() from a silent possed: %v", err)
	}
	// The caller's own deadline is the caller's: passed on as it is.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.Canceled) || IsUnreachable(err) {
		t.Errorf("Status() with a cancelled context: %v", err)
	}
	c.Close()
	if _, err := c.Status(context.Background()); !IsUnreachable(err) || !strings.Contains(err.Error(), "run the command again") {
		t.Errorf("Status() on a closed connection: %v", err)
	}
}

// slow is a possed whose Status takes longer than the client waits.
type slow struct{}

func (slow) Status() (api.Status, *dbus.Error) {
	time.Sleep(2 * time.Second)
	return api.Status{Services: []api.ServiceStatus{}}, nil
}

// v1possed is a possed of interface version 1: Plan, no Plan2.
type v1possed struct{}

func (v1possed) Plan(template []byte, secrets map[string]string) (string, *dbus.Error) {
	return "{}", nil
}

// TestNewClientOldPossed: this client calling a possed of version 1 hears
// that the versions differ, not "unknown method".
func TestNewClientOldPossed(t *testing.T) {
	addr := daemontest.StartBus(t)
	srv, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Export(v1possed{}, api.ObjectPath, api.Interface); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.RequestName(api.BusName, dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(context.Background(), Options{BusAddress: addr, CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Plan(context.Background(), []byte("version: 1\n"), nil)
	if !IsVersion(err) || err.Error() != api.VersionMessage {
		t.Errorf("Plan on a version 1 possed: %v", err)
	}
	if _, err := c.Apply(context.Background(), []byte("version: 1\n"), nil, nil); !IsVersion(err) {
		t.Errorf("Apply on a version 1 possed: %v", err)
	}
}
