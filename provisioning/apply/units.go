// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// unitUndo remembers a unit operation and the unit's state before it.
type unitUndo struct {
	unit   string
	op     string
	before host.UnitStatus
	known  bool // before was read
}

// jobOps change what runs; fileOps change unit-file state.
var (
	jobOps  = []string{"start", "stop", "restart", "reload", "enable-now", "disable-now"}
	fileOps = []string{"enable", "disable", "mask", "unmask", "enable-now", "disable-now"}
)

// unit runs a unit step through env.Units.
func (e *engine) unit(ctx context.Context, t *txn, s plan.Step) (Status, error) {
	var spec plan.UnitSpec
	if err := s.DecodeSpec(&spec); err != nil {
		return Failed, fmt.Errorf("bad unit step: %w", err)
	}
	u := e.env.Units
	if u == nil {
		return Failed, errors.New("no systemd connection configured")
	}
	if spec.Op == "daemon-reload" {
		t.units = append(t.units, unitUndo{op: spec.Op})
		return Done, u.DaemonReload(ctx)
	}
	if spec.Unit == "" || spec.Unit != s.Target {
		return Failed, fmt.Errorf("unit step targets %q but its spec names %q; make the plan again", s.Target, spec.Unit)
	}
	undo := unitUndo{unit: spec.Unit, op: spec.Op}
	if st, err := u.Status(ctx, spec.Unit); err == nil {
		undo.before, undo.known = st, true
	}
	// The in-step failpoint of a job (test builds only): queued, its result
	// not awaited. enable-now and disable-now have it after the enable.
	if slices.Contains([]string{"start", "stop", "restart", "reload"}, spec.Op) {
		if err := failpointJob(ctx, e.env, e.cur, spec.Op, spec.Unit); err != nil {
			t.units = append(t.units, undo)
			return Failed, err
		}
	}
	var err error
	switch spec.Op {
	case "start":
		err = u.Start(ctx, spec.Unit)
	case "stop":
		err = u.Stop(ctx, spec.Unit)
	case "restart":
		err = u.Restart(ctx, spec.Unit)
	case "reload":
		err = u.Reload(ctx, spec.Unit)
	case "enable":
		err = u.Enable(ctx, spec.Unit)
	case "disable":
		err = u.Disable(ctx, spec.Unit)
	case "mask":
		err = u.Mask(ctx, spec.Unit)
	case "unmask":
		err = u.Unmask(ctx, spec.Unit)
	case "enable-now":
		if err = u.Enable(ctx, spec.Unit); err == nil {
			t.units = append(t.units, undo)
			if err := failpointJob(ctx, e.env, e.cur, "start", spec.Unit); err != nil {
				return Failed, err
			}
			return Done, u.Start(ctx, spec.Unit)
		}
	case "disable-now":
		if err = u.Disable(ctx, spec.Unit); err == nil {
			t.units = append(t.units, undo)
			if err := failpointJob(ctx, e.env, e.cur, "stop", spec.Unit); err != nil {
				return Failed, err
			}
			return Done, u.Stop(ctx, spec.Unit)
		}
	default:
		return Failed, fmt.Errorf("unknown unit operation %q for %s", spec.Op, spec.Unit)
	}
	// Recorded even on failure: a failed job leaves the unit to be put back.
	t.units = append(t.units, undo)
	if err != nil {
		return Failed, err
	}
	return Done, nil
}

// rollback undoes what service t did: files first (newest first), then the
// executor's own steps, then unit-file state, then it restarts (or reloads,
// or stops) the touched units so the old configuration runs. It returns
// what it did and the errors it met, and carries on past errors.
func (e *engine) rollback(ctx context.Context, t *txn, failed plan.Step) ([]string, error) {
	var done []string
	var errs []error
	for i := len(t.files) - 1; i >= 0; i-- {
		msg, err := t.files[i].restore()
		if err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", t.files[i].path, err))
		} else if msg != "" && !slices.Contains(done, msg) {
			done = append(done, msg)
		}
	}
	if len(t.ran) > 0 && !e.env.Offline {
		if rb, ok := e.services[t.service].(Rollbacker); ok {
			ran := slices.Clone(t.ran)
			slices.Reverse(ran)
			if err := rb.Rollback(ctx, ran, e.env); err != nil {
				errs = append(errs, fmt.Errorf("undo %s steps: %w", t.service, err))
			} else {
				done = append(done, fmt.Sprintf("undid %d %s step(s)", len(ran), t.service))
			}
		}
	}
	if len(t.units) > 0 && e.env.Units != nil && !e.env.Offline {
		d, err := e.rollbackUnits(ctx, t)
		done = append(done, d...)
		errs = append(errs, err...)
	}
	return done, errors.Join(errs...)
}

func (e *engine) rollbackUnits(ctx context.Context, t *txn) ([]string, []error) {
	u := e.env.Units
	var done []string
	var errs []error
	note := func(msg string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", msg, err))
		} else {
			done = append(done, msg)
		}
	}
	// Unit files may have been restored or their state changed: reload first.
	needReload := false
	for _, x := range t.units {
		if x.op == "daemon-reload" || slices.Contains(fileOps, x.op) {
			needReload = true
		}
	}
	if needReload {
		note("daemon-reload", u.DaemonReload(ctx))
	}
	// Put unit-file state back, newest first.
	for i := len(t.units) - 1; i >= 0; i-- {
		x := t.units[i]
		if !x.known || !slices.Contains(fileOps, x.op) {
			continue
		}
		was := x.before.UnitFileState
		switch {
		case (x.op == "enable" || x.op == "enable-now") && was != "enabled":
			note("disabled "+x.unit, u.Disable(ctx, x.unit))
		case (x.op == "disable" || x.op == "disable-now") && was == "enabled":
			note("enabled "+x.unit, u.Enable(ctx, x.unit))
		case x.op == "mask" && was != "masked":
			note("unmasked "+x.unit, u.Unmask(ctx, x.unit))
		case x.op == "unmask" && was == "masked":
			note("masked "+x.unit, u.Mask(ctx, x.unit))
		}
	}
	// Put what runs back, once per unit, in the order first touched: units
	// that ran before run again on the old configuration (reloaded if they
	// were only ever reloaded), units that did not are stopped.
	var order []string
	first := map[string]unitUndo{}
	onlyReload := map[string]bool{}
	for _, x := range t.units {
		if !slices.Contains(jobOps, x.op) {
			continue
		}
		if _, ok := first[x.unit]; !ok {
			order = append(order, x.unit)
			first[x.unit] = x
			onlyReload[x.unit] = true
		}
		if x.op != "reload" {
			onlyReload[x.unit] = false
		}
	}
	for _, name := range order {
		x := first[name]
		wasActive := !x.known || x.before.ActiveState == "active" || x.before.ActiveState == "reloading" || x.before.ActiveState == "activating"
		switch {
		case !wasActive:
			if st, err := u.Status(ctx, name); err == nil && (st.ActiveState == "inactive" || st.ActiveState == "failed") {
				continue
			}
			note("stopped "+name, u.Stop(ctx, name))
		case onlyReload[name]:
			note("reloaded "+name, u.Reload(ctx, name))
		default:
			note("restarted "+name, u.Restart(ctx, name))
		}
	}
	return done, errs
}
