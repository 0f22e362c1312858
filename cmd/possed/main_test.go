// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// TestServesAndExitsWhenIdle runs possed on a private bus: it takes the
// name, answers Status, and exits after its idle timeout.
func TestServesAndExitsWhenIdle(t *testing.T) {
	addr := daemontest.StartBus(t)
	pk := daemontest.StartPolkit(t, addr)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- run([]string{"--bus-address", addr, "--idle-timeout", "700ms"}) }()

	conn := daemontest.Connect(t, addr)
	waitForName(t, conn)
	pk.Allow(conn.Names()[0], daemon.ActionStatus)
	c := client.NewFromConn(conn, client.Options{})
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Version == "" || st.Hostname == "" {
		t.Errorf("Status() = %+v", st)
	}
	// polkit did not grant the users action: root is let through anyway
	// (and finds no site applied), anyone else is refused.
	_, err = c.Users(context.Background(), "")
	if os.Getuid() == 0 && !client.IsNotAvailable(err) {
		t.Errorf("Users() as root: %v, want NotAvailable (no site applied)", err)
	}
	if os.Getuid() != 0 && !client.IsNotAuthorized(err) {
		t.Errorf("Users() without the users action: %v, want NotAuthorized", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 700*time.Millisecond {
			t.Errorf("exited after %s, before the idle timeout", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("possed did not exit when idle")
	}
}

func TestRefusesArguments(t *testing.T) {
	if err := run([]string{"extra"}); err == nil {
		t.Error("run accepted a positional argument")
	}
}

func waitForName(t *testing.T, conn *dbus.Conn) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, api.BusName).Store(&has); err == nil && has {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("possed did not take its bus name")
}
