// SPDX-License-Identifier: GPL-3.0-or-later

// Package systemd is the real host.Units: it drives systemd over D-Bus with
// go-systemd, waits for every job's result and treats anything but "done"
// as a failure that names the unit's state and its last journal lines.
package systemd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
)

// journalLines is how many journal lines a failed job's error quotes.
const journalLines = 10

// Units drives one systemd instance over D-Bus. It is safe for concurrent
// use. Close it when done.
type Units struct {
	conn    manager
	journal JournalFunc
}

// manager is the part of go-systemd's *dbus.Conn that Units calls: the
// methods of systemd's Manager object Posse uses. Tests give Units a fake
// that answers jobs with any result systemd can send.
type manager interface {
	StartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	StopUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	RestartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	ReloadUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	EnableUnitFilesContext(ctx context.Context, files []string, runtime, force bool) (bool, []sddbus.EnableUnitFileChange, error)
	DisableUnitFilesContext(ctx context.Context, files []string, runtime bool) ([]sddbus.DisableUnitFileChange, error)
	MaskUnitFilesContext(ctx context.Context, files []string, runtime, force bool) ([]sddbus.MaskUnitFileChange, error)
	UnmaskUnitFilesContext(ctx context.Context, files []string, runtime bool) ([]sddbus.UnmaskUnitFileChange, error)
	ReloadContext(ctx context.Context) error
	GetUnitPropertiesContext(ctx context.Context, unit string) (map[string]any, error)
	GetServicePropertyContext(ctx context.Context, service, property string) (*sddbus.Property, error)
	Close()
}

var _ manager = (*sddbus.Conn)(nil)

var _ host.Units = (*Units)(nil)

// JournalFunc returns the last lines a unit logged, for error messages; it
// returns "" when it cannot get them.
type JournalFunc func(ctx context.Context, unit string, lines int) string

// Option configures Units.
type Option func(*Units)

// WithJournal sets how failed jobs fetch the unit's last log lines.
func WithJournal(f JournalFunc) Option { return func(u *Units) { u.journal = f } }

// Journalctl returns a JournalFunc that runs journalctl through r. Extra
// arguments go before the unit selection, for example
// "--root=/proc/PID/root" to read a container's journal from the host.
func Journalctl(r host.Runner, extra ...string) JournalFunc {
	return func(ctx context.Context, unit string, lines int) string {
		argv := append([]string{"journalctl"}, extra...)
		argv = append(argv, "--no-pager", "--quiet", "-o", "cat", "-n", strconv.Itoa(lines), "-u", unit)
		res, err := r.Run(ctx, host.Cmd{Argv: argv})
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(res.Stdout))
	}
}

// New connects to the system bus. Failed jobs quote journalctl on this
// machine unless an option says otherwise.
func New(ctx context.Context, opts ...Option) (*Units, error) {
	conn, err := sddbus.NewSystemConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to systemd on the system bus: %w; is this a systemd machine and are you root?", err)
	}
	u := &Units{conn: conn, journal: Journalctl(&execx.Runner{})}
	for _, o := range opts {
		o(u)
	}
	return u, nil
}

// Dial connects to the systemd reachable at a D-Bus address such as
// "unix:path=/proc/PID/root/run/dbus/system_bus_socket" (a container's
// system bus seen from the host). No journal is quoted unless WithJournal
// is given.
func Dial(ctx context.Context, address string, opts ...Option) (*Units, error) {
	conn, err := sddbus.NewConnection(func() (*dbus.Conn, error) {
		c, err := dbus.Dial(address, dbus.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		if err := c.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
			c.Close()
			return nil, err
		}
		if err := c.Hello(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("connect to systemd at %s: %w", address, err)
	}
	u := &Units{conn: conn}
	for _, o := range opts {
		o(u)
	}
	return u, nil
}

// Close closes the connection.
func (u *Units) Close() { u.conn.Close() }

// unitName is systemd's unit name grammar (with a required type suffix).
var unitName = regexp.MustCompile(`^[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$`)

// ValidUnit checks a unit name before it goes to systemd.
func ValidUnit(name string) error {
	if len(name) > 255 || !unitName.MatchString(name) {
		return fmt.Errorf("invalid unit name %q: want NAME.service, NAME.timer, …", name)
	}
	return nil
}

type jobFunc func(ctx context.Context, name, mode string, ch chan<- string) (int, error)

// job enqueues a job with mode "replace" and waits for its result.
func (u *Units) job(ctx context.Context, op, unit string, f jobFunc) error {
	if err := ValidUnit(unit); err != nil {
		return err
	}
	ch := make(chan string, 1) // buffered: go-systemd's dispatcher must never block
	if _, err := f(ctx, unit, "replace", ch); err != nil {
		return fmt.Errorf("%s %s: %w", op, unit, dbusErr(err))
	}
	var result string
	select {
	case result = <-ch:
	case <-ctx.Done():
		return fmt.Errorf("%s %s: gave up waiting for the job: %w", op, unit, ctx.Err())
	}
	if result != "done" {
		return u.failure(ctx, op, unit, "job "+result)
	}
	if op == "start" || op == "restart" {
		// A job can be done and the unit dead a moment later (exec failed
		// for Type=simple); "failed" right away is worth reporting.
		if st, err := u.Status(ctx, unit); err == nil && st.ActiveState == "failed" {
			return u.failure(ctx, op, unit, "job done but the unit failed")
		}
	}
	return nil
}

// failure builds a job error with the unit's state and journal tail.
func (u *Units) failure(ctx context.Context, op, unit, what string) error {
	msg := fmt.Sprintf("%s %s: %s", op, unit, what)
	if st, err := u.Status(ctx, unit); err == nil {
		msg += fmt.Sprintf(" (unit is %s/%s, %s)", st.ActiveState, st.SubState, st.LoadState)
	}
	if u.journal != nil {
		// journald writes asynchronously: give it a moment to catch up.
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
		if lines := u.journal(ctx, unit, journalLines); lines != "" {
			msg += "; last log lines:\n" + lines
		}
	}
	return fmt.Errorf("%s", msg)
}

// Start starts unit and waits for the job.
func (u *Units) Start(ctx context.Context, unit string) error {
	return u.job(ctx, "start", unit, u.conn.StartUnitContext)
}

// Stop stops unit and waits for the job.
func (u *Units) Stop(ctx context.Context, unit string) error {
	return u.job(ctx, "stop", unit, u.conn.StopUnitContext)
}

// Restart restarts unit and waits for the job.
func (u *Units) Restart(ctx context.Context, unit string) error {
	return u.job(ctx, "restart", unit, u.conn.RestartUnitContext)
}

// Reload reloads unit's configuration and waits for the job.
func (u *Units) Reload(ctx context.Context, unit string) error {
	return u.job(ctx, "reload", unit, u.conn.ReloadUnitContext)
}

func validAll(units []string) error {
	if len(units) == 0 {
		return errors.New("no unit given")
	}
	for _, n := range units {
		if err := ValidUnit(n); err != nil {
			return err
		}
	}
	return nil
}

// Enable enables units (persistent symlinks) and reloads systemd.
func (u *Units) Enable(ctx context.Context, units ...string) error {
	if err := validAll(units); err != nil {
		return err
	}
	if _, _, err := u.conn.EnableUnitFilesContext(ctx, units, false, false); err != nil {
		return fmt.Errorf("enable %s: %w", strings.Join(units, " "), dbusErr(err))
	}
	return u.DaemonReload(ctx)
}

// Disable disables units and reloads systemd.
func (u *Units) Disable(ctx context.Context, units ...string) error {
	if err := validAll(units); err != nil {
		return err
	}
	if _, err := u.conn.DisableUnitFilesContext(ctx, units, false); err != nil {
		return fmt.Errorf("disable %s: %w", strings.Join(units, " "), dbusErr(err))
	}
	return u.DaemonReload(ctx)
}

// Mask masks units and reloads systemd.
func (u *Units) Mask(ctx context.Context, units ...string) error {
	if err := validAll(units); err != nil {
		return err
	}
	if _, err := u.conn.MaskUnitFilesContext(ctx, units, false, false); err != nil {
		return fmt.Errorf("mask %s: %w", strings.Join(units, " "), dbusErr(err))
	}
	return u.DaemonReload(ctx)
}

// Unmask unmasks units and reloads systemd.
func (u *Units) Unmask(ctx context.Context, units ...string) error {
	if err := validAll(units); err != nil {
		return err
	}
	if _, err := u.conn.UnmaskUnitFilesContext(ctx, units, false); err != nil {
		return fmt.Errorf("unmask %s: %w", strings.Join(units, " "), dbusErr(err))
	}
	return u.DaemonReload(ctx)
}

// DaemonReload makes systemd re-read unit files.
func (u *Units) DaemonReload(ctx context.Context) error {
	if err := u.conn.ReloadContext(ctx); err != nil {
		return fmt.Errorf("daemon-reload: %w", dbusErr(err))
	}
	return nil
}

// Status reads LoadState, ActiveState, SubState, UnitFileState and (for
// services) MainPID. An unknown unit has LoadState "not-found".
func (u *Units) Status(ctx context.Context, unit string) (host.UnitStatus, error) {
	if err := ValidUnit(unit); err != nil {
		return host.UnitStatus{}, err
	}
	props, err := u.conn.GetUnitPropertiesContext(ctx, unit)
	if err != nil {
		return host.UnitStatus{}, fmt.Errorf("status of %s: %w", unit, dbusErr(err))
	}
	str := func(k string) string { s, _ := props[k].(string); return s }
	st := host.UnitStatus{
		Name:          unit,
		LoadState:     str("LoadState"),
		ActiveState:   str("ActiveState"),
		SubState:      str("SubState"),
		UnitFileState: str("UnitFileState"),
	}
	if strings.HasSuffix(unit, ".service") && st.LoadState == "loaded" {
		if p, err := u.conn.GetServicePropertyContext(ctx, unit, "MainPID"); err == nil {
			st.MainPID, _ = p.Value.Value().(uint32)
		}
	}
	return st, nil
}

// dbusErr makes a D-Bus error readable: its name and first body string.
func dbusErr(err error) error {
	var de dbus.Error
	if errors.As(err, &de) {
		if len(de.Body) > 0 {
			if s, ok := de.Body[0].(string); ok {
				return errors.New(s)
			}
		}
		return errors.New(de.Name)
	}
	return err
}
