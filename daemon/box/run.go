// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// RunOptions say which part of a site RunSite runs and how.
type RunOptions struct {
	// Services names the services to plan (nil: every service of the box,
	// in order). The engine always gets every service's executor, so the
	// unfinished steps of an interrupted apply of any service run again.
	Services []string
	// PlanOnly stops after planning: the box is not changed.
	PlanOnly bool
	// PlanID, when set, must be the ID of the plan's PlanResult: the plan
	// made here is the one the caller was shown. Otherwise nothing
	// changes and RunSite returns ErrPlanChanged.
	PlanID string
	// Check, when set, sees the plan before anything changes; an error
	// stops the run with that error (the caller's confirmation, a secret
	// the plan needs).
	Check func(*plan.Plan) error
	// SkipEmpty leaves the engine out when the plan has no steps and no
	// apply was interrupted (always when rendering under a root): the
	// result is then nil. Without it an empty plan is applied too, and the
	// engine reports "no changes".
	SkipEmpty bool
	// Progress hears about every step (nil: nothing is told).
	Progress apply.Progress
	// Save records the site as the box's applied site (template and kept
	// secrets, provisioning.SaveApplied) once every step succeeded;
	// s.Source.File must be the template's file.
	Save bool
}

// ErrPlanChanged is RunSite's answer when the plan is not RunOptions.PlanID.
var ErrPlanChanged = errors.New(api.PlanChangedError)

// RunSite is the one pipeline every change of the box goes through: it
// plans the site (or the services opts names) with secrets, lets
// opts.Check see the plan, applies it step by step with the box's
// services, reporting progress and writing the engine's journal, and
// records the applied site when opts.Save says so. Applies of one Box wait
// for each other; the engine's lock keeps out applies of other processes
// (apply.ErrLocked).
//
// It returns the plan as soon as there is one, and the engine's result
// whenever the engine ran, also when a step failed (the error says which).
func (b *Box) RunSite(ctx context.Context, s *site.Site, secrets host.Secrets, opts RunOptions) (*plan.Plan, *apply.Result, error) {
	if !opts.PlanOnly {
		b.applyMu.Lock() // a home folder sync or a site apply finishes first
		defer b.applyMu.Unlock()
	}
	env, closeEnv, err := b.realEnv(ctx, secrets)
	if err != nil {
		return nil, nil, err
	}
	defer closeEnv()
	all := b.services()
	svcs := all
	if opts.Services != nil {
		svcs = nil
		for _, svc := range all {
			if slices.Contains(opts.Services, svc.Name()) {
				svcs = append(svcs, svc)
			}
		}
		if len(svcs) != len(opts.Services) {
			return nil, nil, fmt.Errorf("this box has no service among %v", opts.Services)
		}
	}
	p, err := provisioning.MakePlan(ctx, s, env, svcs)
	if err != nil {
		return nil, nil, err
	}
	if opts.PlanID != "" {
		id, err := planID(p)
		if err != nil {
			return p, nil, err
		}
		if id != opts.PlanID {
			return p, nil, ErrPlanChanged
		}
	}
	if opts.PlanOnly {
		return p, nil, nil
	}
	if opts.Check != nil {
		if err := opts.Check(p); err != nil {
			return p, nil, err
		}
	}
	run := !opts.SkipEmpty || !p.Empty() || (!env.Offline && apply.Interrupted(env) != "")
	var res *apply.Result
	if run {
		execs := map[string]apply.Executor{}
		for _, svc := range all {
			execs[svc.Name()] = svc
		}
		if res, err = apply.Apply(ctx, p, env, execs, opts.Progress); err != nil {
			return p, res, err
		}
	}
	if opts.Save {
		if err := provisioning.SaveApplied(env, s, secrets); err != nil {
			return p, res, fmt.Errorf("applied, but recording the applied site failed: %w", err)
		}
	}
	return p, res, nil
}
