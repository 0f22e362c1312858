// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
)

// templateProblems is the error of a template whose plan possed refused for
// its problems, with file:line:col as the person knows the file, and the
// hint for secrets that are not set when possed gave none.
func templateProblems(file string, ps []api.Problem) error {
	msg := client.ProblemLines(file, ps)
	missing, hinted := false, false
	for _, p := range ps {
		missing = missing || strings.Contains(p.Message, "is not set")
		hinted = hinted || p.Hint != ""
	}
	if missing && !hinted {
		msg += "\n  hint: put the missing secrets in the --secrets file (mode 0600) or set POSSE_SECRET_<NAME>"
	}
	return errors.New(msg)
}

// stepLabels are the plan's steps as the apply engine's text progress
// labels them (a unit step's operation is its verb).
func stepLabels(p api.PlanResult) *plan.Plan {
	out := &plan.Plan{Steps: make([]plan.Step, 0, len(p.Steps))}
	for _, s := range p.Steps {
		var spec any
		if s.Kind == plan.KindUnit && s.Op != "" {
			spec = plan.UnitSpec{Unit: s.Unit, Op: s.Op}
		}
		out.Steps = append(out.Steps, plan.NewStep(s.Service, plan.Action(s.Action), s.Kind, s.Target, s.Summary, spec))
	}
	return out
}

// engineResult is the apply engine's record inside an apply result, nil
// when the engine did not run.
func engineResult(r api.ApplyResult) *apply.Result {
	if r.Record == "" {
		return nil
	}
	out := &apply.Result{ID: r.Record, Site: r.Site, TemplateHash: r.TemplateHash, Offline: r.Offline, Outcome: r.Outcome,
		DurationMS: r.DurationMS, Duration: time.Duration(r.DurationMS) * time.Millisecond, FailedStep: int(r.FailedStep),
		FailedService: r.FailedService, Error: r.Error, RollbackError: r.RollbackError,
		Steps: make([]apply.StepResult, 0, len(r.Steps))}
	if len(r.RolledBack) > 0 {
		out.RolledBack = r.RolledBack
	}
	if len(r.Warnings) > 0 {
		out.Warnings = r.Warnings
	}
	out.Time, _ = time.Parse(time.RFC3339Nano, r.Time)
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, apply.StepResult{Index: int(s.Index), Service: s.Service, Action: plan.Action(s.Action), Kind: s.Kind,
			Target: s.Target, Status: apply.Status(s.Status), Error: s.Error, DurationMS: s.DurationMS,
			Duration: time.Duration(s.DurationMS) * time.Millisecond})
	}
	return out
}

// engineRecord is the engine's record as JSON, as in the apply journal
// (possectl job --json "result"); nil when the engine did not run.
func engineRecord(r api.ApplyResult) json.RawMessage {
	e := engineResult(r)
	if e == nil {
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	return b
}
