// SPDX-License-Identifier: GPL-3.0-or-later

package api

import (
	"crypto/sha256"
	"encoding/hex"
)

// PlanResult is a plan possed made: what an apply of the template would
// do, step by step. Clients render it (client.WritePlanText and
// client.WritePlanJSON); nothing in it is a secret value.
type PlanResult struct {
	// ID identifies the plan: possed computes it, ApplyPlan takes it back
	// to apply exactly this plan.
	ID string
	// Version is the plan format version (the "version" of plan JSON).
	Version int32
	// Site is the site's display name.
	Site string
	// TemplateHash is the SHA-256 of the template planned.
	TemplateHash string
	Steps        []PlanStep
	// Notes report what apply leaves alone (such as directory users the
	// template does not list).
	Notes  []PlanNote
	Counts PlanCounts
	// Problems are the template's or its secrets' problems; when there are
	// any, the template was not planned and Steps is empty.
	Problems []Problem
}

// PlanStep is one change to one target.
type PlanStep struct {
	Service string
	// Action is create, update, delete, restart, reload or run.
	Action string
	// Kind is file, dir, unit, check, probe or a service's own kind
	// (user, group, …).
	Kind string
	// Target names what changes: a file path, a unit, a user, …
	Target string
	// Summary is one line for people, "" when the target says it all.
	Summary string
	// Unit and Op are set for unit steps: the unit and the operation
	// (start, stop, restart, reload, enable-now, …).
	Unit string
	Op   string
	// Diff is a file step's unified diff, secrets masked.
	Diff    string
	Changes []Change
}

// Change is one field's before and after value. Sensitive values travel
// as "(sensitive)", never as themselves.
type Change struct {
	Field     string
	Before    string
	After     string
	Sensitive bool
}

// PlanNote is something apply leaves alone.
type PlanNote struct {
	Service string
	Target  string
	Message string
}

// PlanCounts counts a plan's steps by action.
type PlanCounts struct {
	Create  int32
	Update  int32
	Delete  int32
	Restart int32
	Reload  int32
	Run     int32
}

// Empty reports whether the plan changes nothing.
func (p PlanResult) Empty() bool { return len(p.Steps) == 0 }

// PlanID is the hex SHA-256 of a plan's full record (possed hashes the
// engine's plan JSON, file contents included, so that any change to what
// would be written changes the id).
func PlanID(record []byte) string {
	sum := sha256.Sum256(record)
	return hex.EncodeToString(sum[:])
}

// OutcomePlanChanged is the Outcome of an ApplyPlan that changed nothing
// because the plan made when the apply began is not the plan the caller
// showed (the box or the template changed in between).
const OutcomePlanChanged = "plan-changed"

// PlanChangedError is the Error of such an apply.
const PlanChangedError = "the box changed since the plan was shown; review the new plan"

// ApplyResult is the outcome of one apply job: the apply engine's record
// (as in the apply journal on the box) with the job around it.
type ApplyResult struct {
	Job string
	// Outcome is no-changes, applied, rolled-back, rollback-failed,
	// plan-changed or failed (the engine did not run).
	Outcome string
	OK      bool
	Error   string
	// Record is the engine's record id in the apply journal, "" when the
	// engine did not run (plan changed, template problems, lock held).
	Record string
	// Time is when the engine began, RFC 3339 ("" without a record).
	Time         string
	Site         string
	TemplateHash string
	// Offline is set when the engine ran without a live box (a root).
	Offline    bool
	DurationMS int64
	Steps      []StepResult
	// FailedStep is the index of the step that failed, -1 when none did.
	FailedStep    int32
	FailedService string
	// RolledBack lists what a rollback restored.
	RolledBack    []string
	RollbackError string
	// Warnings are what the engine noticed besides the steps (such as an
	// interrupted apply it finished).
	Warnings []string
	// Problems are the template's or its secrets' problems: nothing was
	// applied.
	Problems []Problem
}

// StepResult is one step's outcome in an apply.
type StepResult struct {
	Index   int32
	Service string
	Action  string
	Kind    string
	Target  string
	// Status is done, unchanged, skipped, failed or not-run.
	Status     string
	Error      string
	DurationMS int64
}
