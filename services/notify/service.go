// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"context"
	"fmt"
	"sort"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Name is the service name used in plans.
const Name = "notify"

// Service writes the units of the alerts' check run.
type Service struct{}

// New returns the notify service.
func New() *Service { return &Service{} }

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Plan implements provisioning.Service: the state directory, the unit
// files, daemon-reload when they changed and enable-now of the timer when
// they changed or it is not on. Without a notify section it disables the
// timer and removes the units (the state file is kept).
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	if st.Notify == nil {
		return planRemove(ctx, env)
	}
	var steps []plan.Step
	step, changed, err := plan.DirStep(Name, env, plan.DirSpec{Path: StateDir, Mode: 0o700, Owner: "root", Group: "root"})
	if err != nil {
		return nil, nil, err
	}
	if changed {
		steps = append(steps, step)
	}
	units, err := RenderUnits(host.PossectlPath(env))
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	sort.Strings(names)
	unitsChanged := false
	for _, n := range names {
		step, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: SystemdDir + "/" + n, Content: units[n], Mode: 0o644})
		if err != nil {
			return nil, nil, err
		}
		if changed {
			steps, unitsChanged = append(steps, step), true
		}
	}
	if unitsChanged {
		steps = append(steps, plan.UnitStep(Name, "", "daemon-reload"))
	}
	if unitsChanged || !timerOn(ctx, env) {
		steps = append(steps, plan.UnitStep(Name, TimerUnit, "enable-now"))
	}
	return steps, nil, nil
}

func planRemove(ctx context.Context, env *host.Env) ([]plan.Step, []plan.Note, error) {
	steps, err := plan.RemoveUnitsSteps(Name, env, SystemdDir, Units, func(string) bool { return timerActive(ctx, env) })
	if err != nil || len(steps) == 0 {
		return nil, nil, err
	}
	return steps, []plan.Note{{Service: Name, Target: TimerUnit, Message: "alerts by mail stop; their state file is kept"}}, nil
}

// timerOn reports whether the timer is enabled and active; offline it is
// taken as on, so that --root renders stay stable.
func timerOn(ctx context.Context, env *host.Env) bool {
	if env.Offline || env.Units == nil {
		return true
	}
	st, err := env.Units.Status(ctx, TimerUnit)
	return err == nil && st.UnitFileState == "enabled" && st.ActiveState == "active"
}

// timerActive reports whether the timer is enabled or active (offline: no).
func timerActive(ctx context.Context, env *host.Env) bool {
	if env.Offline || env.Units == nil {
		return false
	}
	st, err := env.Units.Status(ctx, TimerUnit)
	return err == nil && (st.ActiveState == "active" || st.UnitFileState == "enabled")
}

// Execute implements provisioning.Service; the notify service has no
// steps of its own.
func (s *Service) Execute(_ context.Context, step plan.Step, _ *host.Env) error {
	return fmt.Errorf("the notify service cannot execute steps of kind %q", step.Kind)
}
