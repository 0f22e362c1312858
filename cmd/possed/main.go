// SPDX-License-Identifier: GPL-3.0-or-later

// Command possed is the Posse daemon: the one privileged process that
// changes the box. It serves org.posse.Posse1 on the system bus, asks
// polkit about every call, and exits after --idle-timeout without calls;
// D-Bus activation (packaging/dbus, packaging/systemd) starts it again on
// the next call. See docs/daemon.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/internal/version"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "possed:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("possed", flag.ContinueOnError)
	busAddr := fs.String("bus-address", "", "D-Bus address to serve on (default: the system bus)")
	idle := fs.Duration("idle-timeout", 5*time.Minute, "exit after this long without calls or running changes (0: never)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: possed takes flags only", fs.Arg(0))
	}
	if *showVersion {
		fmt.Println(version.Version)
		return nil
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{
		// journald adds the time.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	conn, err := connect(*busAddr)
	if err != nil {
		return err
	}
	defer conn.Close()
	srv := daemon.New(conn, daemon.Config{Backend: box.New(conn), IdleTimeout: *idle, Log: log})
	if err := srv.Export(); err != nil {
		return err
	}
	if err := srv.RequestName(); err != nil {
		return err
	}
	log.Info("serving", "version", version.Version, "idle_timeout", idle.String())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return srv.Serve(ctx)
}

func connect(addr string) (*dbus.Conn, error) {
	if addr == "" {
		c, err := dbus.ConnectSystemBus()
		if err != nil {
			return nil, fmt.Errorf("cannot connect to the system bus: %w (is dbus running?)", err)
		}
		return c, nil
	}
	c, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the bus at %s: %w", addr, err)
	}
	return c, nil
}
