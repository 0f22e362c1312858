// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// An apply that is killed (kill -9, a power cut) leaves files written and
// the unit, check and probe steps that should follow them not run: a reload, a
// daemon-reload, an enable-now. The next plan is made from what is on disk,
// where those files already match, so services do not plan those steps
// again, and the box would stay with a unit not started or a daemon on its
// old configuration. So each apply records its unit, check and probe steps
// (history/<id>/followups.json) and which steps finished
// (history/<id>/done); the apply after an interrupted one runs the
// interrupted one's unit, check and probe steps that never finished, in its own
// plan, unless its plan already has them or was made from another template.

const (
	followupsFile = "followups.json"
	doneFile      = "done"
)

// followups is what history/<id>/followups.json holds.
type followups struct {
	TemplateHash string     `json:"template_hash"`
	Steps        []followup `json:"steps"`
}

type followup struct {
	Index int       `json:"index"`
	Step  plan.Step `json:"step"`
}

// isFollowup reports whether s is a step services plan only alongside a
// change: a unit operation, a configuration check or a probe.
func isFollowup(s plan.Step) bool {
	return s.Kind == plan.KindUnit || s.Kind == plan.KindCheck || s.Kind == plan.KindProbe
}

// saveFollowups records p's unit, check and probe steps for apply id. Without any,
// it records nothing.
func saveFollowups(env *host.Env, id string, p *plan.Plan) error {
	f := followups{TemplateHash: p.TemplateHash}
	for i, s := range p.Steps {
		if isFollowup(s) {
			f.Steps = append(f.Steps, followup{Index: i, Step: s})
		}
	}
	if len(f.Steps) == 0 {
		return nil
	}
	dir := env.State("history", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("record the unit steps of apply %s: %w", id, err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("record the unit steps of apply %s: %w", id, err)
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, followupsFile), b, 0o600, fsutil.NoID, fsutil.NoID); err != nil {
		return fmt.Errorf("record the unit steps of apply %s: %w", id, err)
	}
	return nil
}

// doneLog appends the index of each finished step to history/<id>/done. It
// does not fsync: after a power cut a lost line only makes the next apply
// run a unit step again, which is harmless.
type doneLog struct{ f *os.File }

func openDoneLog(env *host.Env, id string) *doneLog {
	dir := env.State("history", id)
	if _, err := os.Stat(filepath.Join(dir, followupsFile)); err != nil {
		return nil // nothing to resume: no need to record progress
	}
	f, err := os.OpenFile(filepath.Join(dir, doneFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil
	}
	return &doneLog{f: f}
}

func (d *doneLog) step(i int) {
	if d != nil {
		d.f.WriteString(strconv.Itoa(i) + "\n")
	}
}

func (d *doneLog) close() {
	if d != nil {
		d.f.Close()
	}
}

// unfinished returns the unit, check and probe steps of the interrupted apply prev
// that never finished, and a warning when they are not run again because
// p was made from another template.
func unfinished(env *host.Env, prev string, p *plan.Plan) ([]plan.Step, string) {
	dir := env.State("history", prev)
	b, err := os.ReadFile(filepath.Join(dir, followupsFile))
	if err != nil {
		return nil, ""
	}
	var f followups
	if json.Unmarshal(b, &f) != nil {
		return nil, ""
	}
	done := map[int]bool{}
	if d, err := os.ReadFile(filepath.Join(dir, doneFile)); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(d))
		for sc.Scan() {
			if n, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil {
				done[n] = true
			}
		}
	}
	var out []plan.Step
	for _, x := range f.Steps {
		if !done[x.Index] {
			out = append(out, x.Step)
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	if f.TemplateHash != p.TemplateHash {
		lines := make([]string, len(out))
		for i, s := range out {
			lines[i] = s.Service + ": " + plan.StepLine(s)
		}
		return nil, fmt.Sprintf("apply %s was interrupted before these steps ran, and this apply is of another template, so they are not run again; check the units by hand: %s", prev, strings.Join(lines, "; "))
	}
	return out, ""
}

func sameStep(a, b plan.Step) bool {
	return a.Service == b.Service && a.Kind == b.Kind && a.Target == b.Target && a.Action == b.Action && bytes.Equal(a.Spec, b.Spec)
}

// withUnfinished returns a copy of p with the steps of pending that p does
// not have: each after the last step of its service that is not a probe, or,
// for a service p has no step of, before the first step of a service that
// came after it in the interrupted apply (else at the end). It also
// returns the steps it added.
func withUnfinished(p *plan.Plan, pending []plan.Step) (*plan.Plan, []plan.Step) {
	var add []plan.Step
	for _, s := range pending {
		if !slices.ContainsFunc(p.Steps, func(x plan.Step) bool { return sameStep(x, s) }) {
			add = append(add, s)
		}
	}
	if len(add) == 0 {
		return p, nil
	}
	// The services in the interrupted apply's order, as far as known.
	var order []string
	for _, s := range pending {
		if !slices.Contains(order, s.Service) {
			order = append(order, s.Service)
		}
	}
	steps := slices.Clone(p.Steps)
	for _, svc := range order {
		var these []plan.Step
		for _, s := range add {
			if s.Service == svc {
				these = append(these, s)
			}
		}
		if len(these) == 0 {
			continue
		}
		at := -1
		for i, s := range steps {
			if s.Service == svc && s.Kind != plan.KindProbe {
				at = i + 1
			}
		}
		if at < 0 {
			// Before the service's probe, if it has one.
			at = slices.IndexFunc(steps, func(s plan.Step) bool { return s.Service == svc })
		}
		if at < 0 {
			later := order[slices.Index(order, svc)+1:]
			at = slices.IndexFunc(steps, func(s plan.Step) bool { return slices.Contains(later, s.Service) })
		}
		if at < 0 {
			at = len(steps)
		}
		steps = slices.Insert(steps, at, these...)
	}
	q := *p
	q.Steps = steps
	return &q, add
}
