// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"encoding/json"
	"testing"
)

// PlanStep is a step of `possectl plan --json` as the tests read it.
type PlanStep struct {
	Service string `json:"service"`
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Summary string `json:"summary"`
	Spec    struct {
		Unit string `json:"unit"`
		Op   string `json:"op"`
	} `json:"spec"`
	Changes []struct {
		Field  string `json:"field"`
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"changes"`
}

// PlanNote is a note of `possectl plan --json`: what a service says about
// the plan without a step (a setting it leaves alone, say).
type PlanNote struct {
	Service string `json:"service"`
	Message string `json:"message"`
}

// Plan is what `possectl plan --json` prints, as the tests read it.
type Plan struct {
	Steps []PlanStep `json:"steps"`
	Notes []PlanNote `json:"notes"`
}

// Changes returns the steps that change something: every step but the
// health probes.
func (p Plan) Changes() []PlanStep {
	var out []PlanStep
	for _, s := range p.Steps {
		if s.Kind != "probe" {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether any step belongs to service.
func (p Plan) Has(service string) bool {
	for _, s := range p.Steps {
		if s.Service == service {
			return true
		}
	}
	return false
}

// NotesOf returns the messages of service's notes.
func (p Plan) NotesOf(service string) []string {
	var out []string
	for _, n := range p.Notes {
		if n.Service == service {
			out = append(out, n.Message)
		}
	}
	return out
}

// PlanIn runs `possectl plan --json` inside the box on a template and
// secrets file already there (paths in the box), with extra flags.
func (tb *TestBox) PlanIn(t testing.TB, template, secrets string, extra ...string) Plan {
	t.Helper()
	args := append([]string{"possectl", "plan", template, "--secrets", secrets, "--json"}, extra...)
	out := tb.MustRun(t, args...)
	var p Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("possectl plan --json in box %s: %v\n%s", tb.Name(), err, out)
	}
	return p
}

// PlanOf copies a template and its secrets from the host into a private
// directory of the box, plans them there and removes the copies.
func (tb *TestBox) PlanOf(t testing.TB, template, secrets string, extra ...string) Plan {
	t.Helper()
	const dir = "/root/posse-test-plan"
	tb.MustRun(t, "install", "-d", "-m", "0700", dir)
	defer tb.MustRun(t, "rm", "-rf", dir)
	tb.CopyIn(t, template, dir+"/site.yaml", 0o600)
	tb.CopyIn(t, secrets, dir+"/secrets.yaml", 0o600)
	return tb.PlanIn(t, dir+"/site.yaml", dir+"/secrets.yaml", extra...)
}
