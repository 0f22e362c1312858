// SPDX-License-Identifier: GPL-3.0-or-later

// Package client is the one typed Go client of possed, the Posse daemon:
// possectl, the GUI and the tests use it. Every method takes a context
// first and returns the daemon's error as *Error, whose Name tells what
// kind of failure it was (see IsNotAuthorized and friends).
//
// Dial connects to the local system bus, to a bus address, or, with
// Options.Host, to a remote box over SSH (see ssh.go).
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// Options say where possed is and how to talk to it.
type Options struct {
	// BusAddress is a D-Bus address such as unix:path=/run/dbus/system_bus_socket.
	// Empty means the system bus (locally, or on Host).
	BusAddress string
	// Host is "user@host" or "user@host:port": talk to possed on that box
	// over SSH. Empty means this machine.
	Host string
	// KnownHostsFile is the known_hosts file to check Host's key against
	// and to add an accepted key to; default ~/.ssh/known_hosts.
	KnownHostsFile string
	// AcceptHostKey is a fingerprint "SHA256:…" the person confirmed: a host
	// key that is not yet known and has this fingerprint is accepted and
	// added to KnownHostsFile. It never overrides a changed key.
	AcceptHostKey string
	// IdentityFiles are private keys to try after the SSH agent; default
	// ~/.ssh/id_ed25519, id_ecdsa and id_rsa (unencrypted ones only).
	IdentityFiles []string
	// Interactive lets polkit ask the person for a password through their
	// polkit agent (the GUI's session has one; pkttyagent for a terminal).
	Interactive bool
	// CallTimeout bounds one call (default 2 minutes; applies wait for
	// their own result without it).
	CallTimeout time.Duration
}

// Client is a connection to possed. It is safe for concurrent use.
type Client struct {
	conn *dbus.Conn
	opts Options
}

// Dial connects to possed as opts says. Nothing is called yet: possed is
// started by D-Bus activation on the first call.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 2 * time.Minute
	}
	var conn *dbus.Conn
	var err error
	switch {
	case opts.Host != "":
		conn, err = dialSSH(ctx, opts)
	case opts.BusAddress != "":
		conn, err = dbus.Connect(opts.BusAddress, dbus.WithContext(ctx))
		if err != nil {
			err = fmt.Errorf("cannot connect to the bus at %s: %w", opts.BusAddress, err)
		}
	default:
		conn, err = dbus.ConnectSystemBus(dbus.WithContext(ctx))
		if err != nil {
			err = fmt.Errorf("cannot connect to the system bus: %w (is dbus running on this machine?)", err)
		}
	}
	if err != nil {
		return nil, err
	}
	return newClient(conn, opts), nil
}

// NewFromConn makes a client on an established, authenticated connection.
func NewFromConn(conn *dbus.Conn, opts Options) *Client {
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 2 * time.Minute
	}
	return newClient(conn, opts)
}

func newClient(conn *dbus.Conn, opts Options) *Client {
	return &Client{conn: conn, opts: opts}
}

// Close ends the connection (and the SSH session, if any).
func (c *Client) Close() error { return c.conn.Close() }

// Conn is the underlying bus connection, for tests and diagnostics.
func (c *Client) Conn() *dbus.Conn { return c.conn }

// call invokes iface.method and stores the reply in out. It builds the
// message itself because godbus's Object.Call drops the
// ALLOW_INTERACTIVE_AUTHORIZATION header flag that Interactive sets.
func (c *Client) call(ctx context.Context, iface, method string, out []any, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	msg := &dbus.Message{
		Type: dbus.TypeMethodCall,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(api.ObjectPath)),
			dbus.FieldDestination: dbus.MakeVariant(api.BusName),
			dbus.FieldInterface:   dbus.MakeVariant(iface),
			dbus.FieldMember:      dbus.MakeVariant(method),
		},
		Body: args,
	}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	if c.opts.Interactive {
		msg.Flags |= dbus.FlagAllowInteractiveAuthorization
	}
	call := c.conn.SendWithContext(ctx, msg, make(chan *dbus.Call, 1))
	select {
	case <-call.Done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if call.Err != nil {
		return convert(call.Err)
	}
	if len(out) == 0 {
		return nil
	}
	if err := call.Store(out...); err != nil {
		return fmt.Errorf("possed answered %s with an unexpected reply (is it a different version?): %w", method, err)
	}
	return nil
}

// Error is an error possed (or the bus) returned.
type Error struct {
	// Name is the D-Bus error name, such as api.ErrNotAuthorized.
	Name string
	// Message is possed's explanation.
	Message string
}

// Error returns possed's message, or the error name when there is none.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Message
}

// convert turns a D-Bus error into *Error with a helpful message for the
// bus's own errors.
func convert(err error) error {
	var name string
	var body []any
	var de dbus.Error
	var dp *dbus.Error
	switch {
	case errors.As(err, &de):
		name, body = de.Name, de.Body
	case errors.As(err, &dp):
		name, body = dp.Name, dp.Body
	default:
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return err
		}
		if errors.Is(err, io.EOF) || errors.Is(err, dbus.ErrClosed) {
			return fmt.Errorf("the connection to the box was closed: %w", err)
		}
		return err
	}
	msg := ""
	if len(body) > 0 {
		msg, _ = body[0].(string)
	}
	switch name {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		msg = "possed is not installed on this box or cannot be started: install the posse package (it ships the D-Bus activation file org.posse.Posse1.service)"
	case "org.freedesktop.DBus.Error.AccessDenied":
		msg = "the D-Bus policy refused the call: install packaging/dbus/org.posse.Posse1.conf into /usr/share/dbus-1/system.d (" + msg + ")"
	case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout":
		msg = "possed did not answer in time: " + msg
	}
	return &Error{Name: name, Message: msg}
}

// Is reports whether err is a possed error with the given D-Bus name.
func Is(err error, name string) bool {
	var e *Error
	return errors.As(err, &e) && e.Name == name
}

// IsNotAuthorized reports whether polkit (or its absence) refused the call.
func IsNotAuthorized(err error) bool { return Is(err, api.ErrNotAuthorized) }

// IsInvalidInput reports whether an argument was refused; nothing changed.
func IsInvalidInput(err error) bool { return Is(err, api.ErrInvalidInput) }

// IsNotFound reports whether the thing named does not exist.
func IsNotFound(err error) bool { return Is(err, api.ErrNotFound) }

// IsNotAvailable reports whether the box does not offer the feature.
func IsNotAvailable(err error) bool { return Is(err, api.ErrNotAvailable) }

// uidString is this process's uid for EXTERNAL authentication.
func uidString() string { return strconv.Itoa(os.Getuid()) }
