// SPDX-License-Identifier: GPL-3.0-or-later

// Package apply executes a plan on a box: it writes files atomically and
// keeps their previous versions, runs native checkers, drives units through
// host.Units and hands other steps to the owning service. Each service is a
// transaction: when one of its steps fails, its files are restored, its
// units restarted on the old configuration, and apply stops. A lock keeps
// applies apart, and each apply appends one line to a journal.
package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Executor carries out the steps of a service's own kinds and its probe.
// provisioning.Service satisfies it.
type Executor interface {
	Execute(ctx context.Context, step plan.Step, env *host.Env) error
}

// Rollbacker is an optional interface of an Executor: when a step of its
// service fails, Rollback gets the service's own-kind steps that ran in this
// apply, newest (the failed one) first, and undoes what it can. Files and
// units are rolled back by the engine.
type Rollbacker interface {
	Rollback(ctx context.Context, ran []plan.Step, env *host.Env) error
}

// Status is what became of one step.
type Status string

// Step statuses.
const (
	Done      Status = "done"      // the step changed the box
	Unchanged Status = "unchanged" // nothing to do: the box already matched
	Skipped   Status = "skipped"   // offline (--root): no units, commands or probes
	Failed    Status = "failed"
	NotRun    Status = "not-run" // after a failure
)

// Outcomes of a whole apply.
const (
	OutcomeNoChanges      = "no-changes"
	OutcomeApplied        = "applied"
	OutcomeRolledBack     = "rolled-back"     // a step failed, the service was restored
	OutcomeRollbackFailed = "rollback-failed" // a step failed and so did parts of the rollback
)

// ErrSkipped is the error Progress.StepDone gets for a skipped step.
var ErrSkipped = errors.New("skipped (offline)")

// ErrLocked is returned (wrapped) when another apply holds the lock.
var ErrLocked = errors.New("another apply is running")

// StepResult is one step's outcome.
type StepResult struct {
	Index      int           `json:"index"`
	Service    string        `json:"service"`
	Action     plan.Action   `json:"action"`
	Kind       string        `json:"kind"`
	Target     string        `json:"target"`
	Status     Status        `json:"status"`
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"-"`
	DurationMS int64         `json:"duration_ms"`
}

// Result is what an apply did. It is also the journal record, so it never
// holds a secret value.
type Result struct {
	Time         time.Time     `json:"time"`
	ID           string        `json:"id"`
	Site         string        `json:"site"`
	TemplateHash string        `json:"template_hash"`
	Offline      bool          `json:"offline,omitempty"`
	Outcome      string        `json:"result"`
	Duration     time.Duration `json:"-"`
	DurationMS   int64         `json:"duration_ms"`
	Steps        []StepResult  `json:"steps"`
	// FailedStep is the index of the step that failed, or -1.
	FailedStep    int    `json:"failed_step"`
	FailedService string `json:"failed_service,omitempty"`
	Error         string `json:"error,omitempty"`
	// RolledBack lists what the rollback did, such as
	// "restored /etc/samba/smb.conf" or "restarted smbd.service".
	RolledBack    []string `json:"rolled_back,omitempty"`
	RollbackError string   `json:"rollback_error,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
}

// OK reports whether every step succeeded or was skipped.
func (r *Result) OK() bool { return r.FailedStep < 0 }

// Changed reports whether any step changed the box.
func (r *Result) Changed() bool {
	for _, s := range r.Steps {
		if s.Status == Done {
			return true
		}
	}
	return false
}

// Summary is one line for people, in the words of the plan's summary: such
// as "Applied: 2 created, 1 updated, 0 deleted, 0 restarts, 1 reload, 2
// steps run (unit jobs, checks, probes); 0 unchanged (1.2s).", or "No
// changes.".
func (r *Result) Summary() string {
	n := map[Status]int{}
	for _, s := range r.Steps {
		n[s.Status]++
	}
	d := r.Duration.Round(100 * time.Millisecond)
	switch r.Outcome {
	case OutcomeNoChanges:
		if n[Skipped] > 0 {
			return fmt.Sprintf("No changes (%d steps skipped offline).", n[Skipped])
		}
		return "No changes."
	case OutcomeRolledBack:
		return fmt.Sprintf("Failed at step %d (%s); %s was rolled back, %d later steps not run (%s).", r.FailedStep+1, r.FailedService, r.FailedService, n[NotRun], d)
	case OutcomeRollbackFailed:
		return fmt.Sprintf("Failed at step %d (%s) and the rollback is incomplete: %s (%s).", r.FailedStep+1, r.FailedService, r.RollbackError, d)
	}
	// Done steps by action, in the words of the plan's summary line.
	a := map[plan.Action]int{}
	for _, s := range r.Steps {
		if s.Status == Done {
			a[s.Action]++
		}
	}
	msg := fmt.Sprintf("Applied: %d created, %d updated, %d deleted, %s, %s", a[plan.Create], a[plan.Update], a[plan.Delete],
		countOf(a[plan.Restart], "restart"), countOf(a[plan.Reload], "reload"))
	if a[plan.Run] > 0 {
		msg += fmt.Sprintf(", %d %s run (unit jobs, checks, probes)", a[plan.Run], plural(a[plan.Run], "step", "steps"))
	}
	msg += fmt.Sprintf("; %d unchanged", n[Unchanged])
	if n[Skipped] > 0 {
		msg += fmt.Sprintf(", %d skipped offline", n[Skipped])
	}
	return msg + fmt.Sprintf(" (%s).", d)
}

// countOf is "1 restart", "2 restarts".
func countOf(n int, what string) string {
	return fmt.Sprintf("%d %s", n, plural(n, what, what+"s"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// testHookAfterStep, when set by a test, runs after each successful step; a
// panic in it simulates a crash between two steps.
var testHookAfterStep func(i int, s plan.Step)

// now is the clock; tests may replace it.
var now = time.Now

// Apply executes p on the box described by env, in order. services maps a
// service name to the executor of its own step kinds and probe; file, dir,
// unit and check steps are run by the engine. progress (may be nil) hears
// about every step. Apply reads only the plan: it never asks a service to
// plan again.
//
// On failure Apply rolls back the failing service, leaves later services
// alone, and returns the Result together with an error that says which step
// failed, why, and what was rolled back. Offline (--root) it writes files and
// directories only and reports the rest as skipped.
func Apply(ctx context.Context, p *plan.Plan, env *host.Env, services map[string]Executor, progress Progress) (*Result, error) {
	if p == nil || env == nil {
		return nil, errors.New("apply: no plan or no environment")
	}
	if progress == nil {
		progress = nopProgress{}
	}
	start := now()
	lk, err := lock(env)
	if err != nil {
		return nil, err
	}
	defer lk.release()

	r := &Result{
		Time:         start.UTC(),
		ID:           start.UTC().Format("20060102T150405.000000Z"),
		Site:         p.Site,
		TemplateHash: p.TemplateHash,
		Offline:      env.Offline,
		FailedStep:   -1,
		Steps:        make([]StepResult, 0, len(p.Steps)),
	}
	prev := lk.interrupted()
	if prev != "" {
		r.Warnings = append(r.Warnings, fmt.Sprintf("apply %s was interrupted; this apply continues from what is on disk (its backups are in %s)", prev, env.State("history", prev)))
	}
	if prev != "" && !env.Offline {
		pending, warn := unfinished(env, prev, p)
		if warn != "" {
			r.Warnings = append(r.Warnings, warn)
		}
		var added []plan.Step
		if p, added = withUnfinished(p, pending); len(added) > 0 {
			lines := make([]string, len(added))
			for i, s := range added {
				lines[i] = s.Service + ": " + plan.StepLine(s)
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("apply %s was interrupted before these steps ran; this apply runs them: %s", prev, strings.Join(lines, "; ")))
		}
	}
	if !env.Offline {
		if err := saveFollowups(env, r.ID, p); err != nil {
			return nil, err
		}
	}
	if err := lk.mark(r.ID); err != nil {
		return nil, err
	}
	e := &engine{env: env, services: services, progress: progress, result: r, txns: map[string]*txn{}, afterCrash: prev != ""}
	e.secrets = planSecrets(p, env.Secrets)
	e.done = openDoneLog(env, r.ID)
	runErr := e.run(ctx, p)
	e.done.close()

	r.Duration = now().Sub(start)
	r.DurationMS = r.Duration.Milliseconds()
	switch {
	case runErr != nil && r.RollbackError != "":
		r.Outcome = OutcomeRollbackFailed
	case runErr != nil:
		r.Outcome = OutcomeRolledBack
	case r.Changed():
		r.Outcome = OutcomeApplied
	default:
		r.Outcome = OutcomeNoChanges
	}
	if err := appendJournal(env, r); err != nil {
		r.Warnings = append(r.Warnings, err.Error())
	}
	lk.unmark()
	if runErr != nil {
		return r, runErr
	}
	return r, nil
}

// engine is one apply in progress.
type engine struct {
	env      *host.Env
	services map[string]Executor
	progress Progress
	result   *Result
	txns     map[string]*txn
	secrets  []string // values expanded in this apply, masked in all output
	histDir  string
	cur      int // index of the step running, for in-step failpoints
	// afterCrash is set when the previous apply was interrupted: file
	// steps then remove the temporary files it may have left.
	afterCrash bool
	done       *doneLog // finished steps, for the apply after a crash
}

func (e *engine) run(ctx context.Context, p *plan.Plan) error {
	n := len(p.Steps)
	for i, s := range p.Steps {
		t := e.txn(s.Service)
		sr := StepResult{Index: i, Service: s.Service, Action: s.Action, Kind: s.Kind, Target: s.Target}
		e.cur = i
		if err := failpoint("before-step", i); err != nil {
			return e.fail(ctx, p, i, t, sr, err, 0)
		}
		e.progress.StepStart(i, n, s)
		t0 := now()
		status, err := e.step(ctx, t, s)
		if err == nil {
			err = failpoint("after-step", i)
		}
		d := now().Sub(t0)
		if err != nil {
			return e.fail(ctx, p, i, t, sr, err, d)
		}
		sr.Status, sr.Duration, sr.DurationMS = status, d, d.Milliseconds()
		e.result.Steps = append(e.result.Steps, sr)
		e.done.step(i)
		var perr error
		if status == Skipped {
			perr = ErrSkipped
		}
		e.progress.StepDone(i, n, s, d, perr)
		if testHookAfterStep != nil {
			testHookAfterStep(i, s)
		}
	}
	return nil
}

// fail records step i's failure, rolls its service back and marks the rest
// of the plan not run.
func (e *engine) fail(ctx context.Context, p *plan.Plan, i int, t *txn, sr StepResult, err error, d time.Duration) error {
	msg := e.redact(err.Error())
	sr.Status, sr.Error, sr.Duration, sr.DurationMS = Failed, msg, d, d.Milliseconds()
	e.result.Steps = append(e.result.Steps, sr)
	e.result.FailedStep, e.result.FailedService, e.result.Error = i, sr.Service, msg
	e.progress.StepDone(i, len(p.Steps), p.Steps[i], d, errors.New(msg))
	for j := i + 1; j < len(p.Steps); j++ {
		s := p.Steps[j]
		e.result.Steps = append(e.result.Steps, StepResult{Index: j, Service: s.Service, Action: s.Action, Kind: s.Kind, Target: s.Target, Status: NotRun})
	}
	// Roll back even when ctx was cancelled, but not forever.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	done, rerr := e.rollback(rctx, t, p.Steps[i])
	e.result.RolledBack = done
	if rerr != nil {
		e.result.RollbackError = e.redact(rerr.Error())
	}
	e.progress.RollbackDone(sr.Service, done, rerr)

	var b strings.Builder
	fmt.Fprintf(&b, "%s: step %d (%s) failed: %s", sr.Service, i+1, plan.StepLine(p.Steps[i]), msg)
	if len(done) > 0 {
		fmt.Fprintf(&b, "; rolled back: %s", strings.Join(done, ", "))
	} else {
		b.WriteString("; nothing needed rolling back")
	}
	if rerr != nil {
		fmt.Fprintf(&b, "; ROLLBACK INCOMPLETE: %s; check the service by hand (backups are in %s)", e.result.RollbackError, e.env.State("history", e.result.ID))
	}
	if later := laterServices(p, i); later != "" {
		fmt.Fprintf(&b, "; not applied: %s", later)
	}
	return errors.New(b.String())
}

func laterServices(p *plan.Plan, i int) string {
	var names []string
	seen := map[string]bool{p.Steps[i].Service: true}
	for _, s := range p.Steps[i+1:] {
		if !seen[s.Service] {
			seen[s.Service] = true
			names = append(names, s.Service)
		}
	}
	return strings.Join(names, ", ")
}

func (e *engine) txn(service string) *txn {
	t, ok := e.txns[service]
	if !ok {
		t = &txn{service: service}
		e.txns[service] = t
	}
	return t
}

// step runs one step and reports what became of it.
func (e *engine) step(ctx context.Context, t *txn, s plan.Step) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Failed, fmt.Errorf("apply cancelled: %w", err)
	}
	switch s.Kind {
	case plan.KindFile:
		return e.file(t, s)
	case plan.KindDir:
		return e.dir(t, s)
	}
	if e.env.Offline {
		return Skipped, nil
	}
	switch s.Kind {
	case plan.KindUnit:
		return e.unit(ctx, t, s)
	case plan.KindCheck:
		var c plan.CommandSpec
		if err := s.DecodeSpec(&c); err != nil || len(c.Argv) == 0 {
			return Failed, fmt.Errorf("check step has no command: %v", err)
		}
		if e.env.Runner == nil {
			return Failed, errors.New("no command runner configured")
		}
		if _, err := e.env.Runner.Run(ctx, host.Cmd{Argv: c.Argv}); err != nil {
			return Failed, fmt.Errorf("configuration check failed: %w", err)
		}
		return Done, nil
	}
	x := e.services[s.Service]
	if x == nil {
		return Failed, fmt.Errorf("no executor for service %q (step kind %q)", s.Service, s.Kind)
	}
	t.ran = append(t.ran, s)
	if err := x.Execute(ctx, s, e.env); err != nil {
		return Failed, err
	}
	return Done, nil
}

// planSecrets looks up every secret the plan refers to anywhere (file
// contents, changes, specs of services' own kinds), so that their values are
// masked in errors and the journal even when a service's error quotes one.
func planSecrets(p *plan.Plan, secrets host.Secrets) []string {
	if secrets == nil {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range plan.SecretNames(string(b)) {
		if v, ok := secrets.Lookup(name); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// redact masks every secret value this apply expanded.
func (e *engine) redact(s string) string {
	for _, v := range e.secrets {
		if len(v) >= 3 {
			s = strings.ReplaceAll(s, v, plan.Masked)
		}
	}
	return s
}

var pid = os.Getpid
