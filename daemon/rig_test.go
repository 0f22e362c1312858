// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/daemontest"
)

// rig is possed on a private bus with a fake polkit and backend.
type rig struct {
	addr    string
	polkit  *daemontest.Polkit
	backend *daemontest.Backend
	srv     *daemon.Server
	conn    *dbus.Conn
}

type rigOpts struct {
	noPolkit bool
	// trusted replaces the uid-0 rule (tests may run as root).
	trusted func(uint32) bool
	idle    time.Duration
	// log receives the server's log.
	log io.Writer
}

func newRig(t testing.TB, o rigOpts) *rig {
	t.Helper()
	r := &rig{addr: daemontest.StartBus(t), backend: daemontest.NewBackend()}
	if !o.noPolkit {
		r.polkit = daemontest.StartPolkit(t, r.addr)
	}
	r.conn = daemontest.Connect(t, r.addr)
	trusted := o.trusted
	if trusted == nil {
		trusted = func(uint32) bool { return false }
	}
	var log *slog.Logger
	if o.log != nil {
		log = slog.New(slog.NewTextHandler(o.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r.srv = daemon.New(r.conn, daemon.Config{
		Log:         log,
		Backend:     r.backend,
		Authorizer:  &daemon.Authorizer{Bus: r.conn, Trusted: trusted, Timeout: 5 * time.Second},
		IdleTimeout: o.idle,
	})
	if err := r.srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return r
}

// client connects a new client and lets polkit grant it actions.
func (r *rig) client(t testing.TB, interactive bool, actions ...string) *client.Client {
	t.Helper()
	c := client.NewFromConn(daemontest.Connect(t, r.addr), client.Options{Interactive: interactive, CallTimeout: 10 * time.Second})
	if r.polkit != nil && len(actions) > 0 {
		r.polkit.Allow(c.Conn().Names()[0], actions...)
	}
	return c
}

// admin is a client allowed everything.
func (r *rig) admin(t testing.TB) *client.Client {
	return r.client(t, false, daemon.Actions...)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
