// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// root is the object on api.Interface: status, health, validate, plan,
// apply and export. Every exported method is a D-Bus method.
type root struct{ s *Server }

// Status returns the box at a glance.
func (o *root) Status(sender dbus.Sender, msg dbus.Message) (api.Status, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Status")
	if derr != nil {
		return api.Status{}, derr
	}
	defer c.end()
	st, err := o.s.backend.Status(c.ctx)
	if err != nil {
		return api.Status{}, c.done(err)
	}
	o.s.mu.Lock()
	st.Busy, st.Job = o.s.busy, o.s.job
	o.s.mu.Unlock()
	if st.Services == nil {
		st.Services = []api.ServiceStatus{}
	}
	return st, c.done(nil)
}

// Usage reports the shares' disk use and the mail queue. Share sizes come
// from the backend's background walk, so the call never waits for a big
// share to be walked.
func (o *root) Usage(sender dbus.Sender, msg dbus.Message) (api.Usage, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Usage")
	if derr != nil {
		return api.Usage{Shares: []api.ShareUsage{}}, derr
	}
	defer c.end()
	u, err := o.s.backend.Usage(c.ctx)
	u.Shares = nonNil(u.Shares)
	return u, c.done(err)
}

// Certificates lists the TLS certificates Posse manages on the box and
// when they end.
func (o *root) Certificates(sender dbus.Sender, msg dbus.Message) ([]api.Certificate, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Certificates")
	if derr != nil {
		return []api.Certificate{}, derr
	}
	defer c.end()
	cs, err := o.s.backend.Certificates(c.ctx)
	return nonNil(cs), c.done(err)
}

// Alerts reports the alerts' recipients and the problems the last check
// run of the alerts left open.
func (o *root) Alerts(sender dbus.Sender, msg dbus.Message) (api.Alerts, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Alerts")
	if derr != nil {
		return api.Alerts{To: []string{}, Open: []api.Alert{}}, derr
	}
	defer c.end()
	a, err := o.s.backend.Alerts(c.ctx)
	a.To, a.Open = nonNil(a.To), nonNil(a.Open)
	return a, c.done(err)
}

// Health probes one service, or all with "".
func (o *root) Health(sender dbus.Sender, msg dbus.Message, service string) ([]api.ServiceStatus, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Health")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	if err := checkText("service", service); err != nil {
		return nil, c.invalid(err)
	}
	r, err := o.s.health.do(c.ctx, service, o.s.cfg.CallTimeout, func(ctx context.Context) ([]api.ServiceStatus, error) {
		return o.s.backend.Health(ctx, service)
	})
	return nonNil(r), c.done(err)
}

// Validate checks a template and, when given, its secrets.
func (o *root) Validate(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string) ([]api.Problem, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Validate")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	defer wipe(secrets)
	if err := firstErr(checkTemplate(template), checkSecrets(secrets)); err != nil {
		return nil, c.invalid(err)
	}
	r, err := o.s.backend.Validate(c.ctx, template, secrets)
	return nonNil(r), c.done(err)
}

// Plan2 compares a template with the box (api.MethodPlan). The template's
// and the secrets' problems come back in the result.
func (o *root) Plan2(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string) (api.PlanResult, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, api.MethodPlan)
	if derr != nil {
		return api.PlanResult{}, derr
	}
	defer c.end()
	defer wipe(secrets)
	if err := firstErr(checkTemplate(template), checkSecrets(secrets)); err != nil {
		return api.PlanResult{}, c.invalid(err)
	}
	r, err := o.s.backend.Plan(c.ctx, template, secrets)
	return wirePlan(r), c.done(err)
}

// Apply2 (api.MethodApply) starts applying a template in the background and returns its job
// id at once. Progress goes to the caller only, as StepStarted and
// StepFinished signals, and ApplyFinished ends the job. Applies and other
// changes are serialised: a second apply waits for the first. The apply
// goes on when the caller disconnects.
func (o *root) Apply2(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string) (string, *dbus.Error) {
	return o.startApply(sender, msg, api.MethodApply, template, secrets, "")
}

// ApplyPlan2 (api.MethodApplyPlan) is Apply2 of exactly the plan the
// caller showed: plan is its id (PlanResult.ID). possed plans again when the apply
// begins (it may have waited for another change) and, when that plan
// differs, changes nothing: the job ends with Outcome plan-changed and
// the error "the box changed since the plan was shown; review the new
// plan".
func (o *root) ApplyPlan2(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string, plan string) (string, *dbus.Error) {
	return o.startApply(sender, msg, api.MethodApplyPlan, template, secrets, plan)
}

func (o *root) startApply(sender dbus.Sender, msg dbus.Message, method string, template []byte, secrets map[string]string, plan string) (string, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, method)
	if derr != nil {
		wipe(secrets)
		return "", derr
	}
	defer c.end()
	err := firstErr(checkTemplate(template), checkSecrets(secrets))
	if err == nil && method == api.MethodApplyPlan {
		err = checkPlanID(plan)
	}
	if err != nil {
		wipe(secrets)
		return "", c.invalid(err)
	}
	job := newJobID()
	o.s.jobs.Add(1)
	o.s.mu.Lock()
	o.s.pending++
	if o.s.queued == nil {
		o.s.queued = map[string]bool{}
	}
	o.s.queued[job] = true
	o.s.mu.Unlock()
	go o.s.runApply(job, string(sender), template, secrets, plan)
	c.changed = true
	return job, c.done(nil)
}

// runApply is one apply job.
func (s *Server) runApply(job, dest string, template []byte, secrets map[string]string, plan string) {
	defer s.jobs.Done()
	defer func() {
		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
	}()
	defer wipe(secrets)
	s.lockChange()
	defer s.unlockChange()
	s.mu.Lock()
	s.job = job
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.job = ""
		s.mu.Unlock()
	}()
	s.log.Info("apply started", "job", job, "sender", dest)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ApplyTimeout)
	defer cancel()
	progress := func(started bool, st api.Step) {
		if started {
			s.signal(dest, api.SignalStepStarted, job, st)
		} else {
			s.signal(dest, api.SignalStepFinished, job, st)
		}
	}
	var res api.ApplyResult
	var err error
	if plan != "" {
		res, err = s.backend.(safe).ApplyPlan(ctx, template, secrets, plan, progress)
	} else {
		res, err = s.backend.Apply(ctx, template, secrets, progress)
	}
	res.Job = job
	if err != nil {
		res.OK = false
		if res.Error == "" {
			res.Error = err.Error()
		}
		if res.Outcome == "" {
			res.Outcome = "failed"
		}
	}
	res = wireResult(res)
	s.log.Info("apply finished", "job", job, "outcome", res.Outcome)
	s.remember(res)
	s.signal(dest, api.SignalApplyFinished, job, res)
}

// JobResult2 (api.MethodJobResult) returns the result of an apply job: finished is false while it
// runs. possed remembers the last 20 results until it exits; the apply
// journal on the box keeps them all.
func (o *root) JobResult2(sender dbus.Sender, msg dbus.Message, job string) (bool, api.ApplyResult, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, api.MethodJobResult)
	if derr != nil {
		return false, wireResult(api.ApplyResult{}), derr
	}
	defer c.end()
	o.s.mu.Lock()
	r, ok := o.s.results[job]
	running := o.s.queued[job]
	o.s.mu.Unlock()
	switch {
	case ok:
		return true, r, c.done(nil)
	case running:
		return false, wireResult(api.ApplyResult{Job: job, FailedStep: -1}), c.done(nil)
	}
	return false, wireResult(api.ApplyResult{}), c.done(fmt.Errorf("there is no apply %q in this possed's memory (it remembers the last %d until it exits): %w", clip(job), maxResults, ErrNotFound))
}

// Export returns the applied site as a template without secret values.
func (o *root) Export(sender dbus.Sender, msg dbus.Message) ([]byte, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "Export")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	b, err := o.s.backend.Export(c.ctx)
	if b == nil {
		b = []byte{}
	}
	return b, c.done(err)
}

// wipe forgets secret values once a call is done with them.
func wipe(m map[string]string) {
	for k := range m {
		m[k] = ""
		delete(m, k)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// nonNil makes a nil slice empty: D-Bus has no nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
