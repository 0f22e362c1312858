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
func (c *Client) call(parent context.Context, iface, method string, out []any, args ...any) error {
	return c.callWithin(parent, c.opts.CallTimeout, iface, method, out, args...)
}

// callWithin is call with its own time limit, for the few calls that may
// take longer than CallTimeout (an upgrade of the box's packages).
func (c *Client) callWithin(parent context.Context, limit time.Duration, iface, method string, out []any, args ...any) error {
	ctx, cancel := context.WithTimeout(parent, limit)
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
		if parent.Err() != nil {
			return parent.Err()
		}
		return wireError(ctx.Err(), iface, method, limit)
	}
	if call.Err != nil {
		if parent.Err() != nil {
			return parent.Err()
		}
		return wireError(call.Err, iface, method, limit)
	}
	if len(out) == 0 {
		return nil
	}
	if err := call.Store(out...); err != nil {
		return unexpectedReply(method, err)
	}
	return nil
}

// Error is an error possed (or the bus) returned.
type Error struct {
	// Name is the D-Bus error name, such as api.ErrNotAuthorized.
	Name string
	// Message is possed's explanation, or for the bus's own errors a
	// sentence that says what happened and what to do.
	Message string
	// Key is the error's stable key (api.ErrorKeys), for saying it in
	// the person's language; "" when possed (an older one) sent none.
	Key string
	// Args are the key's arguments by name (api.KeyUserExists: "user").
	Args map[string]string
	// Cause is the error as it came off the wire, for logs; nil for
	// possed's own errors built by hand.
	Cause error
}

// Error returns possed's message, or the error name when there is none.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Name
	}
	return e.Message
}

// Unwrap returns the error as it came off the wire.
func (e *Error) Unwrap() error { return e.Cause }

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
