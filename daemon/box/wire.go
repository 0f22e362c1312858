// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"bytes"
	"errors"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// PlanResult turns the engine's plan into the typed plan of the bus, with
// the id ApplyPlan checks. possectl uses it too (--direct, --root), so
// every plan is rendered from the same type.
func PlanResult(p *plan.Plan) (api.PlanResult, error) {
	id, err := planID(p)
	if err != nil {
		return api.PlanResult{}, err
	}
	r := api.PlanResult{ID: id, Version: int32(p.Version), Site: p.Site, TemplateHash: p.TemplateHash,
		Steps: make([]api.PlanStep, 0, len(p.Steps)), Notes: make([]api.PlanNote, 0, len(p.Notes)), Problems: []api.Problem{}}
	for _, s := range p.Steps {
		st := api.PlanStep{Service: s.Service, Action: string(s.Action), Kind: s.Kind, Target: s.Target, Summary: s.Summary, Diff: s.Diff,
			Changes: make([]api.Change, 0, len(s.Changes))}
		if s.Kind == plan.KindUnit {
			var u plan.UnitSpec
			if s.DecodeSpec(&u) == nil {
				st.Unit, st.Op = u.Unit, u.Op
			}
		}
		for _, c := range s.Changes {
			ch := api.Change{Field: c.Field, Before: c.Before, After: c.After, Sensitive: c.Sensitive}
			if c.Sensitive {
				ch.Before, ch.After = maskIf(c.Before), maskIf(c.After)
			}
			st.Changes = append(st.Changes, ch)
		}
		r.Steps = append(r.Steps, st)
		switch s.Action {
		case plan.Create:
			r.Counts.Create++
		case plan.Update:
			r.Counts.Update++
		case plan.Delete:
			r.Counts.Delete++
		case plan.Restart:
			r.Counts.Restart++
		case plan.Reload:
			r.Counts.Reload++
		case plan.Run:
			r.Counts.Run++
		}
	}
	for _, n := range p.Notes {
		r.Notes = append(r.Notes, api.PlanNote{Service: n.Service, Target: n.Target, Message: n.Message})
	}
	return r, nil
}

func maskIf(v string) string {
	if v == "" {
		return ""
	}
	return plan.Masked
}

// planID identifies a plan for ApplyPlan: the SHA-256 of its full JSON
// record (file contents and unit operations included, secrets masked).
func planID(p *plan.Plan) (string, error) {
	var js bytes.Buffer
	if err := plan.WriteJSON(&js, p); err != nil {
		return "", err
	}
	return api.PlanID(js.Bytes()), nil
}

// problemsOf returns the template's or secrets' problems err carries, nil
// when it carries none.
func problemsOf(err error) []api.Problem {
	var ps site.Problems
	if errors.As(err, &ps) && len(ps) > 0 {
		return problems(ps)
	}
	var p site.Problem
	if errors.As(err, &p) {
		return problems(site.Problems{p})
	}
	return nil
}

// ApplyResult turns the engine's result into the typed result of the bus;
// possectl uses it too (--direct).
func ApplyResult(r *apply.Result) api.ApplyResult {
	if r == nil {
		return api.ApplyResult{Outcome: "failed", FailedStep: -1, Steps: []api.StepResult{}, RolledBack: []string{}, Warnings: []string{}, Problems: []api.Problem{}}
	}
	out := api.ApplyResult{Outcome: r.Outcome, OK: r.OK(), Error: r.Error, Record: r.ID, Site: r.Site, TemplateHash: r.TemplateHash,
		Offline: r.Offline, DurationMS: r.DurationMS, FailedStep: int32(r.FailedStep), FailedService: r.FailedService,
		RolledBack: nonNil(r.RolledBack), RollbackError: r.RollbackError, Warnings: nonNil(r.Warnings),
		Steps: make([]api.StepResult, 0, len(r.Steps)), Problems: []api.Problem{}}
	if !r.Time.IsZero() {
		out.Time = r.Time.UTC().Format(time.RFC3339Nano)
	}
	if out.DurationMS == 0 && r.Duration > 0 {
		out.DurationMS = r.Duration.Milliseconds()
	}
	for _, s := range r.Steps {
		ms := s.DurationMS
		if ms == 0 && s.Duration > 0 {
			ms = s.Duration.Milliseconds()
		}
		out.Steps = append(out.Steps, api.StepResult{Index: int32(s.Index), Service: s.Service, Action: string(s.Action), Kind: s.Kind,
			Target: s.Target, Status: string(s.Status), Error: s.Error, DurationMS: ms})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
