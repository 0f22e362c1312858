// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// Event is one progress report of an apply.
type Event struct {
	// Started is true for StepStarted, false for StepFinished.
	Started bool
	api.Step
}

// Apply makes the box match template. possed runs the apply as a job and
// reports every step; onStep (may be nil) hears about them in order. Apply
// returns when the job has finished. The error is nil when the job ran to
// the end, even if a step failed: look at Result.OK. Cancelling ctx stops
// the wait, not the apply, which possed finishes (or rolls back) on its own.
func (c *Client) Apply(ctx context.Context, template []byte, secrets map[string]string, onStep func(Event)) (api.ApplyResult, error) {
	return c.apply(ctx, api.MethodApply, onStep, template, orEmpty(secrets))
}

// ApplyPlan is Apply of exactly the plan that was shown: plan is the
// PlanResult that Plan returned for the same template and secrets. When
// the box (or the template) changed since, possed changes nothing and the
// result has OK false, Outcome api.OutcomePlanChanged and the error "the
// box changed since the plan was shown; review the new plan" (see
// PlanChanged).
func (c *Client) ApplyPlan(ctx context.Context, template []byte, secrets map[string]string, plan api.PlanResult, onStep func(Event)) (api.ApplyResult, error) {
	return c.apply(ctx, api.MethodApplyPlan, onStep, template, orEmpty(secrets), plan.ID)
}

// PlanChanged reports whether an apply changed nothing because the plan
// shown was out of date.
func PlanChanged(r api.ApplyResult) bool { return r.Outcome == api.OutcomePlanChanged }

func (c *Client) apply(ctx context.Context, method string, onStep func(Event), args ...any) (api.ApplyResult, error) {
	sigs := make(chan *dbus.Signal, 4096)
	c.conn.Signal(sigs)
	defer c.conn.RemoveSignal(sigs)
	// possed sends the apply's signals to this connection only; the match
	// on its name going away tells us if it dies during the apply.
	owner := []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, api.BusName),
	}
	if err := c.conn.AddMatchSignalContext(ctx, owner...); err != nil {
		return api.ApplyResult{}, wireError(err, api.Interface, method, c.opts.CallTimeout)
	}
	defer c.conn.RemoveMatchSignal(owner...)

	var job string
	if err := c.call(ctx, api.Interface, method, []any{&job}, args...); err != nil {
		return api.ApplyResult{}, err
	}
	for {
		select {
		case <-ctx.Done():
			return api.ApplyResult{Job: job}, fmt.Errorf("stopped waiting for apply %s: possed goes on with it; 'possectl job %s' follows it: %w", job, job, ctx.Err())
		case s, ok := <-sigs:
			if !ok {
				return api.ApplyResult{Job: job}, &Error{Name: errDisconnected, Message: fmt.Sprintf("the connection to the box was closed during apply %s: it goes on; 'possectl job %s' follows it", job, job)}
			}
			if s.Name == "org.freedesktop.DBus.NameOwnerChanged" {
				if len(s.Body) == 3 && s.Body[0] == api.BusName && s.Body[2] == "" {
					return api.ApplyResult{Job: job}, fmt.Errorf("possed exited during apply %s: see journalctl -u possed on the box", job)
				}
				continue
			}
			if string(s.Path) != api.ObjectPath || len(s.Body) != 2 || s.Body[0] != job {
				continue
			}
			switch s.Name {
			case api.Interface + "." + api.SignalStepStarted, api.Interface + "." + api.SignalStepFinished:
				var ev Event
				if err := dbus.Store(s.Body[1:], &ev.Step); err != nil {
					continue
				}
				ev.Started = s.Name == api.Interface+"."+api.SignalStepStarted
				if onStep != nil {
					onStep(ev)
				}
			case api.Interface + "." + api.SignalApplyFinished:
				var r api.ApplyResult
				if err := dbus.Store(s.Body[1:], &r); err != nil {
					return api.ApplyResult{Job: job}, unexpectedReply(api.SignalApplyFinished, err)
				}
				return r, nil
			}
		}
	}
}

// JobResult asks possed for the result of an apply job, for a client that
// lost its connection during one; finished is false while it runs.
func (c *Client) JobResult(ctx context.Context, job string) (result api.ApplyResult, finished bool, err error) {
	err = c.call(ctx, api.Interface, api.MethodJobResult, []any{&finished, &result}, job)
	return result, finished, err
}
