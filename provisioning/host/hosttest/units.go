// SPDX-License-Identifier: GPL-3.0-or-later

// Package hosttest provides fakes of the host interfaces for tests:
// FakeUnits (a systemd that records every call), FakeRunner (scripted
// commands) and MapSecrets.
package hosttest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/posse-project/posse/provisioning/host"
)

// FakeUnits is an in-memory systemd. It records every call that changes
// something as a string such as "restart smbd.service", "enable a b" or
// "daemon-reload" (Status calls are not recorded). Units start inactive and
// disabled unless set up with Add. Each start or restart gives the unit a
// new MainPID; a reload keeps it.
type FakeUnits struct {
	mu      sync.Mutex
	calls   []string
	units   map[string]*fakeUnit
	nextPID uint32
	fails   []failRule
}

type fakeUnit struct {
	active  string
	file    string
	pid     uint32
	reloads int
}

type failRule struct {
	op, unit string
	times    int          // <0: always
	when     func() error // nil: unconditional
}

var _ host.Units = (*FakeUnits)(nil)

// NewFakeUnits returns a FakeUnits with no units.
func NewFakeUnits() *FakeUnits {
	return &FakeUnits{units: map[string]*fakeUnit{}, nextPID: 1000}
}

// Add sets a unit up as active or not, and enabled or not, without
// recording a call.
func (f *FakeUnits) Add(unit string, active, enabled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.unit(unit)
	u.active, u.file = "inactive", "disabled"
	if active {
		u.active = "active"
		u.pid = f.newPID()
	}
	if enabled {
		u.file = "enabled"
	}
}

// FailNext makes the next times calls of op ("start", "restart", "reload",
// "stop", "enable", …) on unit fail, as a job that ends "failed". times < 0
// means always.
func (f *FakeUnits) FailNext(op, unit string, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, failRule{op: op, unit: unit, times: times})
}

// FailWhen makes start, restart and reload of unit fail whenever check
// returns an error, like a daemon refusing a broken configuration file. The
// check typically reads the unit's config under the test root.
func (f *FakeUnits) FailWhen(unit string, check func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, op := range []string{"start", "restart", "reload"} {
		f.fails = append(f.fails, failRule{op: op, unit: unit, times: -1, when: check})
	}
}

// Calls returns the recorded calls in order.
func (f *FakeUnits) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Reset forgets the recorded calls (not the units' state).
func (f *FakeUnits) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// Reloads returns how many times unit was reloaded.
func (f *FakeUnits) Reloads(unit string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unit(unit).reloads
}

func (f *FakeUnits) unit(name string) *fakeUnit {
	u, ok := f.units[name]
	if !ok {
		u = &fakeUnit{active: "inactive", file: "disabled"}
		f.units[name] = u
	}
	return u
}

func (f *FakeUnits) newPID() uint32 {
	f.nextPID++
	return f.nextPID
}

// failure reports whether op on unit is scripted to fail now.
func (f *FakeUnits) failure(op, unit string) error {
	for i := range f.fails {
		r := &f.fails[i]
		if r.op != op || r.unit != unit || r.times == 0 {
			continue
		}
		var err error
		if r.when != nil {
			if err = r.when(); err == nil {
				continue
			}
		}
		if r.times > 0 {
			r.times--
		}
		if err == nil {
			err = fmt.Errorf("scripted failure")
		}
		return err
	}
	return nil
}

func (f *FakeUnits) job(op, unit string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+unit)
	u := f.unit(unit)
	if u.file == "masked" && op != "stop" {
		return fmt.Errorf("%s %s: unit is masked", op, unit)
	}
	if err := f.failure(op, unit); err != nil {
		if op != "reload" {
			u.active, u.pid = "failed", 0
		}
		return fmt.Errorf("%s %s: job failed (unit is %s): %v", op, unit, u.active, err)
	}
	switch op {
	case "start":
		if u.active != "active" {
			u.active, u.pid = "active", f.newPID()
		}
	case "restart":
		u.active, u.pid = "active", f.newPID()
	case "reload":
		if u.active != "active" {
			return fmt.Errorf("reload %s: job failed (unit is %s): unit not active", unit, u.active)
		}
		u.reloads++
	case "stop":
		u.active, u.pid = "inactive", 0
	}
	return nil
}

func (f *FakeUnits) fileOp(op, state string, units []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+strings.Join(units, " "))
	for _, name := range units {
		if err := f.failure(op, name); err != nil {
			return fmt.Errorf("%s %s: %v", op, name, err)
		}
	}
	for _, name := range units {
		u := f.unit(name)
		switch {
		case op == "unmask" && u.file != "masked":
		case op == "unmask":
			u.file = "disabled"
		case op == "disable" && u.file == "masked":
		default:
			u.file = state
		}
	}
	return nil
}

// Start starts unit.
func (f *FakeUnits) Start(_ context.Context, unit string) error { return f.job("start", unit) }

// Stop stops unit.
func (f *FakeUnits) Stop(_ context.Context, unit string) error { return f.job("stop", unit) }

// Restart restarts unit, giving it a new MainPID.
func (f *FakeUnits) Restart(_ context.Context, unit string) error { return f.job("restart", unit) }

// Reload reloads an active unit, keeping its MainPID.
func (f *FakeUnits) Reload(_ context.Context, unit string) error { return f.job("reload", unit) }

// Enable enables units.
func (f *FakeUnits) Enable(_ context.Context, units ...string) error {
	return f.fileOp("enable", "enabled", units)
}

// Disable disables units.
func (f *FakeUnits) Disable(_ context.Context, units ...string) error {
	return f.fileOp("disable", "disabled", units)
}

// Mask masks units.
func (f *FakeUnits) Mask(_ context.Context, units ...string) error {
	return f.fileOp("mask", "masked", units)
}

// Unmask unmasks units.
func (f *FakeUnits) Unmask(_ context.Context, units ...string) error {
	return f.fileOp("unmask", "disabled", units)
}

// DaemonReload records a daemon-reload.
func (f *FakeUnits) DaemonReload(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "daemon-reload")
	return nil
}

// Status reports a unit's state; unknown units are "not-found".
func (f *FakeUnits) Status(_ context.Context, unit string) (host.UnitStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.units[unit]
	if !ok {
		return host.UnitStatus{Name: unit, LoadState: "not-found", ActiveState: "inactive", SubState: "dead"}, nil
	}
	sub := map[string]string{"active": "running", "inactive": "dead", "failed": "failed"}[u.active]
	load := "loaded"
	if u.file == "masked" {
		load = "masked"
	}
	return host.UnitStatus{Name: unit, LoadState: load, ActiveState: u.active, SubState: sub, UnitFileState: u.file, MainPID: u.pid}, nil
}
