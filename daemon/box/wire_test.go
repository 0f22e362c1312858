// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// samplePlan is the plan of provisioning/plan's golden files, with a
// sensitive change and a note.
func samplePlan(t *testing.T) *plan.Plan {
	t.Helper()
	b, err := os.ReadFile("../../provisioning/plan/testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	p.Steps = append(p.Steps, plan.Step{Service: "directory", Action: plan.Update, Kind: "user", Target: "anna",
		Changes: []plan.Change{{Field: "password", Before: "old", After: "new", Sensitive: true}, {Field: "mail", Before: "", After: "a b"}}})
	p.Notes = append(p.Notes, plan.Note{Service: "directory", Target: "bob", Message: "not in the template; left alone"})
	return &p
}

// TestTypedPlanRendersAsTheEnginePlan: the plan that travels typed and is
// rendered by the client reads exactly as the engine's own rendering, in
// text and in JSON (which keeps of a step's spec the unit and op).
func TestTypedPlanRendersAsTheEnginePlan(t *testing.T) {
	p := samplePlan(t)
	r, err := PlanResult(p)
	if err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	if err := plan.WriteText(&want, p); err != nil {
		t.Fatal(err)
	}
	if err := client.WritePlanText(&got, r); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("text:\n%s\nwant\n%s", got.String(), want.String())
	}
	if strings.Contains(got.String(), "new") && strings.Contains(got.String(), "password: old") {
		t.Error("a sensitive value is shown")
	}

	want.Reset()
	got.Reset()
	if err := plan.WriteJSON(&want, p); err != nil {
		t.Fatal(err)
	}
	if err := client.WritePlanJSON(&got, r); err != nil {
		t.Fatal(err)
	}
	var w, g map[string]any
	if err := json.Unmarshal(want.Bytes(), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got.Bytes(), &g); err != nil {
		t.Fatal(err)
	}
	units := 0
	for _, s := range w["steps"].([]any) {
		m := s.(map[string]any)
		if m["kind"] != "unit" {
			delete(m, "spec") // file contents and argv stay on the box
		} else {
			units++
		}
	}
	if units == 0 {
		t.Fatal("the sample has no unit step")
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON:\n%s\nwant (without non-unit specs)\n%s", got.String(), want.String())
	}
	if strings.Contains(got.String(), `"new"`) {
		t.Error("a sensitive value is in the JSON")
	}

	if r.Counts != (api.PlanCounts{Create: countAction(p, plan.Create), Update: countAction(p, plan.Update), Delete: countAction(p, plan.Delete),
		Restart: countAction(p, plan.Restart), Reload: countAction(p, plan.Reload), Run: countAction(p, plan.Run)}) {
		t.Errorf("counts %+v", r.Counts)
	}
	// The plan's type travels on D-Bus.
	if sig := dbus.SignatureOf(r).String(); strings.Contains(sig, "v") {
		t.Errorf("the plan's signature %s has a variant", sig)
	}
}

func countAction(p *plan.Plan, a plan.Action) int32 {
	n := int32(0)
	for _, s := range p.Steps {
		if s.Action == a {
			n++
		}
	}
	return n
}

// TestPlanIDFollowsContent: the id changes when what would be written
// changes, even where the typed plan does not show it (a file's content).
func TestPlanIDFollowsContent(t *testing.T) {
	p := samplePlan(t)
	a, err := PlanResult(p)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PlanResult(p)
	if a.ID == "" || a.ID != b.ID {
		t.Fatalf("ids %q, %q", a.ID, b.ID)
	}
	p.Steps[0].Spec = json.RawMessage(`{"path":"/etc/samba/smb.conf","content":"other","mode":420}`)
	c, _ := PlanResult(p)
	if c.ID == a.ID {
		t.Error("the id did not change with a file's content")
	}
}

func TestApplyResultKeepsTheRecord(t *testing.T) {
	r := &apply.Result{Time: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC), ID: "20261207-1", Site: "S", TemplateHash: "h",
		Outcome: apply.OutcomeRolledBack, DurationMS: 1200, FailedStep: 1, FailedService: "mail", Error: "mail: postfix did not start",
		RolledBack: []string{"restored /etc/postfix/main.cf"}, RollbackError: "", Warnings: []string{"finished an interrupted apply"},
		Steps: []apply.StepResult{{Index: 0, Service: "mail", Action: plan.Update, Kind: "file", Target: "/etc/postfix/main.cf", Status: apply.Done, DurationMS: 3},
			{Index: 1, Service: "mail", Action: plan.Restart, Kind: "unit", Target: "postfix.service", Status: apply.Failed, Error: "failed", DurationMS: 900}}}
	got := ApplyResult(r)
	if got.OK || got.Record != r.ID || got.Time != "2026-12-07T03:00:00Z" || got.FailedStep != 1 || got.FailedService != "mail" ||
		len(got.Steps) != 2 || got.Steps[1].Status != "failed" || got.Steps[1].DurationMS != 900 || got.Warnings[0] != r.Warnings[0] ||
		got.RolledBack[0] != r.RolledBack[0] || got.DurationMS != 1200 {
		t.Errorf("ApplyResult = %+v", got)
	}
	if n := ApplyResult(nil); n.FailedStep != -1 || n.Steps == nil || n.Problems == nil {
		t.Errorf("ApplyResult(nil) = %+v", n)
	}
	if sig := dbus.SignatureOf(got).String(); strings.Contains(sig, "v") {
		t.Errorf("the apply result's signature %s has a variant", sig)
	}
}

// TestPlanProblemsOfAParseError: a template that does not parse plans to
// its typed problems, with their lines.
func TestPlanProblemsOfAParseError(t *testing.T) {
	_, err := site.Parse(templateName, []byte("version: 1\nsite:\n  name: [\n"))
	if err == nil {
		t.Fatal("the broken template parsed")
	}
	p, perr := planProblems(err)
	if perr != nil || len(p.Problems) == 0 || p.Problems[0].Line == 0 || len(p.Steps) != 0 {
		t.Errorf("planProblems(%v) = %+v, %v", err, p, perr)
	}
	if _, perr := planProblems(errors.New("no problems in here")); !errors.Is(perr, daemon.ErrInvalid) {
		t.Errorf("an error without problems = %v, want invalid input", perr)
	}
}
