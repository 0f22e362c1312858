// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// D-Bus names of systemd-timedated.
const (
	timedateDest  = "org.freedesktop.timedate1"
	timedatePath  = "/org/freedesktop/timedate1"
	timedateIface = "org.freedesktop.timedate1"
)

// Timedate sets the box's time zone. The real one is systemd-timedated on
// the system bus: it checks the zone, points /etc/localtime at it and tells
// the kernel, and PID 1, which watches /etc/localtime, recomputes the
// calendar timers.
type Timedate interface {
	SetTimezone(ctx context.Context, zone string) error
}

// DialFunc connects to timedated; close releases the connection.
type DialFunc func(ctx context.Context) (td Timedate, close func(), err error)

// DialSystemBus connects to systemd-timedated on the system bus (D-Bus
// activation starts it).
func DialSystemBus(ctx context.Context) (Timedate, func(), error) {
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the system bus to reach systemd-timedated: %w", err)
	}
	return busTimedate{conn}, func() { conn.Close() }, nil
}

type busTimedate struct{ conn *dbus.Conn }

// SetTimezone calls org.freedesktop.timedate1.SetTimezone, not interactive
// (no polkit prompt: Posse runs as root).
func (b busTimedate) SetTimezone(ctx context.Context, zone string) error {
	call := b.conn.Object(timedateDest, timedatePath).CallWithContext(ctx, timedateIface+".SetTimezone", 0, zone, false)
	if call.Err != nil {
		return fmt.Errorf("systemd-timedated: set time zone %s: %w", zone, call.Err)
	}
	return nil
}
