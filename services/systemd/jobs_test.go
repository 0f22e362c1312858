// SPDX-License-Identifier: GPL-3.0-or-later

package systemd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// fakeManager is systemd's Manager as Units sees it: every job answers
// with result (or hangs with "hang", or fails to enqueue with enqueueErr);
// units have the properties in props. It records every call.
type fakeManager struct {
	mu         sync.Mutex
	calls      []string
	result     string
	enqueueErr error
	fileErr    error
	reloadErr  error
	props      map[string]map[string]any
	mainPID    uint32
}

func newFake(result string) *fakeManager {
	return &fakeManager{result: result, mainPID: 42, props: map[string]map[string]any{}}
}

func (f *fakeManager) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeManager) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeManager) job(op, name, mode string, ch chan<- string) (int, error) {
	f.record("%s %s %s", op, name, mode)
	if f.enqueueErr != nil {
		return 0, f.enqueueErr
	}
	if f.result != "hang" {
		ch <- f.result // go-systemd sends from its dispatcher; ch is buffered
	}
	return 7, nil
}

func (f *fakeManager) StartUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	return f.job("start", name, mode, ch)
}

func (f *fakeManager) StopUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	return f.job("stop", name, mode, ch)
}

func (f *fakeManager) RestartUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	return f.job("restart", name, mode, ch)
}

func (f *fakeManager) ReloadUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	return f.job("reload", name, mode, ch)
}

func (f *fakeManager) EnableUnitFilesContext(_ context.Context, files []string, runtime, force bool) (bool, []sddbus.EnableUnitFileChange, error) {
	f.record("enable %s runtime=%v force=%v", strings.Join(files, " "), runtime, force)
	return false, nil, f.fileErr
}

func (f *fakeManager) DisableUnitFilesContext(_ context.Context, files []string, runtime bool) ([]sddbus.DisableUnitFileChange, error) {
	f.record("disable %s runtime=%v", strings.Join(files, " "), runtime)
	return nil, f.fileErr
}

func (f *fakeManager) MaskUnitFilesContext(_ context.Context, files []string, runtime, force bool) ([]sddbus.MaskUnitFileChange, error) {
	f.record("mask %s runtime=%v force=%v", strings.Join(files, " "), runtime, force)
	return nil, f.fileErr
}

func (f *fakeManager) UnmaskUnitFilesContext(_ context.Context, files []string, runtime bool) ([]sddbus.UnmaskUnitFileChange, error) {
	f.record("unmask %s runtime=%v", strings.Join(files, " "), runtime)
	return nil, f.fileErr
}

func (f *fakeManager) ReloadContext(context.Context) error {
	f.record("daemon-reload")
	return f.reloadErr
}

func (f *fakeManager) GetUnitPropertiesContext(_ context.Context, unit string) (map[string]any, error) {
	f.record("properties %s", unit)
	p, ok := f.props[unit]
	if !ok {
		return map[string]any{"LoadState": "not-found", "ActiveState": "inactive", "SubState": "dead", "UnitFileState": ""}, nil
	}
	return p, nil
}

func (f *fakeManager) GetServicePropertyContext(_ context.Context, service, property string) (*sddbus.Property, error) {
	f.record("property %s %s", service, property)
	return &sddbus.Property{Name: property, Value: dbus.MakeVariant(f.mainPID)}, nil
}

func (f *fakeManager) Close() { f.record("close") }

// state sets a unit's properties.
func (f *fakeManager) state(unit, active, sub string) {
	f.props[unit] = map[string]any{"LoadState": "loaded", "ActiveState": active, "SubState": sub, "UnitFileState": "enabled"}
}

// journal is a JournalFunc that returns two lines for any unit.
func journal(_ context.Context, unit string, lines int) string {
	return fmt.Sprintf("%s: line 1\n%s: line 2 of %d", unit, unit, lines)
}

// TestJobResults: every result systemd can send for a job; only "done" is
// success, and each failure names the operation, the unit, the result, the
// unit's state and its last log lines.
func TestJobResults(t *testing.T) {
	ops := map[string]func(*Units, context.Context, string) error{
		"start":   (*Units).Start,
		"stop":    (*Units).Stop,
		"restart": (*Units).Restart,
		"reload":  (*Units).Reload,
	}
	results := []string{"done", "canceled", "timeout", "failed", "dependency", "skipped", "invalid"}
	for op, call := range ops {
		for _, result := range results {
			t.Run(op+"/"+result, func(t *testing.T) {
				t.Parallel()
				f := newFake(result)
				f.state("smbd.service", "failed", "failed")
				if result == "done" {
					f.state("smbd.service", "active", "running")
				}
				u := &Units{conn: f, journal: journal}
				err := call(u, context.Background(), "smbd.service")
				if result == "done" {
					if err != nil {
						t.Fatalf("job done: %v", err)
					}
				} else {
					want := op + " smbd.service: job " + result + " (unit is failed/failed, loaded); last log lines:\nsmbd.service: line 1\nsmbd.service: line 2 of 10"
					if err == nil || err.Error() != want {
						t.Fatalf("job %s: err = %v\nwant %s", result, err, want)
					}
				}
				if calls := f.Calls(); len(calls) == 0 || calls[0] != op+" smbd.service replace" {
					t.Errorf("calls %q, want %q first (mode replace)", calls, op+" smbd.service replace")
				}
			})
		}
	}
}

// TestJobDoneButUnitFailed: a start or restart whose job is done while
// the unit has already failed is a failure; a stop or reload is not
// checked that way.
func TestJobDoneButUnitFailed(t *testing.T) {
	for _, tc := range []struct {
		op   string
		call func(*Units, context.Context, string) error
		fail bool
	}{
		{"start", (*Units).Start, true},
		{"restart", (*Units).Restart, true},
		{"stop", (*Units).Stop, false},
		{"reload", (*Units).Reload, false},
	} {
		f := newFake("done")
		f.state("dovecot.service", "failed", "failed")
		u := &Units{conn: f}
		err := tc.call(u, context.Background(), "dovecot.service")
		want := tc.op + " dovecot.service: job done but the unit failed (unit is failed/failed, loaded)"
		if tc.fail && (err == nil || err.Error() != want) {
			t.Errorf("%s: err = %v, want %q", tc.op, err, want)
		}
		if !tc.fail && err != nil {
			t.Errorf("%s: err = %v", tc.op, err)
		}
	}
}

// TestJobNotQueued: a job systemd refuses is an error at once, with the
// D-Bus error's message.
func TestJobNotQueued(t *testing.T) {
	f := newFake("done")
	f.enqueueErr = dbus.Error{Name: "org.freedesktop.systemd1.NoSuchUnit", Body: []any{"Unit nope.service not found."}}
	err := (&Units{conn: f}).Start(context.Background(), "nope.service")
	if err == nil || err.Error() != "start nope.service: Unit nope.service not found." {
		t.Errorf("err = %v", err)
	}
}

// TestJobGivesUp: a job whose result never comes ends with the context.
func TestJobGivesUp(t *testing.T) {
	f := newFake("hang")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := (&Units{conn: f}).Restart(ctx, "samba-ad-dc.service")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "restart samba-ad-dc.service: gave up waiting for the job") {
		t.Errorf("err = %v", err)
	}
}

// TestInvalidUnitNeverReachesSystemd: a bad unit name is refused before any
// call.
func TestInvalidUnitNeverReachesSystemd(t *testing.T) {
	f := newFake("done")
	u := &Units{conn: f}
	ctx := context.Background()
	for name, err := range map[string]error{
		"start":  u.Start(ctx, "x;reboot"),
		"stop":   u.Stop(ctx, "smbd"),
		"enable": u.Enable(ctx, "smbd.service", "../x.service"),
		"none":   u.Enable(ctx),
		"mask":   u.Mask(ctx, "a b.service"),
		"status": func() error { _, err := u.Status(ctx, "smbd"); return err }(),
	} {
		if err == nil {
			t.Errorf("%s of an invalid unit succeeded", name)
		}
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("systemd was called: %q", calls)
	}
}

// TestUnitFileOps: enable, disable, mask and unmask change the unit files
// persistently (not runtime, not forced) and then reload systemd; when the
// change fails, systemd is not reloaded and the error names the units.
func TestUnitFileOps(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name string
		call func(*Units, context.Context, ...string) error
		want string
	}{
		{"enable", (*Units).Enable, "enable a.timer b.service runtime=false force=false"},
		{"disable", (*Units).Disable, "disable a.timer b.service runtime=false"},
		{"mask", (*Units).Mask, "mask a.timer b.service runtime=false force=false"},
		{"unmask", (*Units).Unmask, "unmask a.timer b.service runtime=false"},
	}
	for _, op := range ops {
		f := newFake("done")
		if err := op.call(&Units{conn: f}, ctx, "a.timer", "b.service"); err != nil {
			t.Errorf("%s: %v", op.name, err)
		}
		if got, want := f.Calls(), []string{op.want, "daemon-reload"}; !slices.Equal(got, want) {
			t.Errorf("%s: calls %q, want %q", op.name, got, want)
		}
		f = newFake("done")
		f.fileErr = dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied", Body: []any{"Access denied"}}
		err := op.call(&Units{conn: f}, ctx, "a.timer", "b.service")
		if err == nil || err.Error() != op.name+" a.timer b.service: Access denied" {
			t.Errorf("%s failing: err = %v", op.name, err)
		}
		if got := f.Calls(); len(got) != 1 {
			t.Errorf("%s failing: calls %q, want no daemon-reload", op.name, got)
		}
		f = newFake("done")
		f.reloadErr = errors.New("bus closed")
		if err := op.call(&Units{conn: f}, ctx, "a.timer"); err == nil || err.Error() != "daemon-reload: bus closed" {
			t.Errorf("%s with a failing reload: err = %v", op.name, err)
		}
	}
}

// TestStatus reads the unit's states and, for a loaded service only, its
// main PID.
func TestStatus(t *testing.T) {
	f := newFake("done")
	f.state("smbd.service", "active", "running")
	f.state("posse-backup.timer", "active", "waiting")
	u := &Units{conn: f}
	ctx := context.Background()
	st, err := u.Status(ctx, "smbd.service")
	if err != nil || st.Name != "smbd.service" || st.LoadState != "loaded" || st.ActiveState != "active" || st.SubState != "running" || st.UnitFileState != "enabled" || st.MainPID != 42 {
		t.Errorf("smbd: %+v %v", st, err)
	}
	st, err = u.Status(ctx, "posse-backup.timer")
	if err != nil || st.MainPID != 0 || st.SubState != "waiting" {
		t.Errorf("timer: %+v %v", st, err)
	}
	st, err = u.Status(ctx, "gone.service")
	if err != nil || st.LoadState != "not-found" || st.MainPID != 0 {
		t.Errorf("unknown unit: %+v %v", st, err)
	}
	want := []string{"properties smbd.service", "property smbd.service MainPID", "properties posse-backup.timer", "properties gone.service"}
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	u.Close()
	if got := f.Calls(); got[len(got)-1] != "close" {
		t.Errorf("Close did not close the connection: %q", got)
	}
}
