// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/cobra"
	"os"

	"github.com/godbus/dbus/v5"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning/host"
)

// localBox is possed's backend, run in this process: with root set it
// renders under root and touches nothing else (--root); otherwise it
// changes this box as root (--direct), with systemd on the system bus.
// close releases it.
func localBox(root string) (b *possed.Box, close func(), err error) {
	if root != "" {
		return &possed.Box{Root: root, Offline: true}, func() {}, nil
	}
	if os.Geteuid() != 0 {
		return nil, nil, errors.New("changing the box needs root: run with sudo, or use --root DIR to render files only")
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach systemd on the system bus: %w\nis this box running systemd? use --root DIR to render files only", err)
	}
	return possed.New(conn), func() { conn.Close() }, nil
}

// withLocalBox runs fn with possed's backend in this process, for the
// commands that only run as root on the box (not with --host).
func withLocalBox(c *cobra.Command, fn func(b *possed.Box) error) error {
	if err := localOnly(c); err != nil {
		return err
	}
	b, closeBox, err := localBox("")
	if err != nil {
		return err
	}
	defer closeBox()
	return fn(b)
}

// boxEnv is the environment of possed's backend in this process, for the
// commands that run restic here (--direct).
func boxEnv(ctx context.Context, secrets host.Secrets) (*host.Env, func(), error) {
	b, closeBox, err := localBox("")
	if err != nil {
		return nil, nil, err
	}
	env, closeEnv, err := b.HostEnv(ctx, secrets)
	if err != nil {
		closeBox()
		return nil, nil, err
	}
	return env, func() { closeEnv(); closeBox() }, nil
}
