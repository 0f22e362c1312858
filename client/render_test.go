// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"bytes"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/api"
)

// The rendering of a full plan is compared with the engine's own in
// daemon/box (TestTypedPlanRendersAsTheEnginePlan); these are the edges.

func TestEmptyPlan(t *testing.T) {
	var text, js bytes.Buffer
	p := api.PlanResult{Version: 1, Site: "S", TemplateHash: "h"}
	if err := WritePlanText(&text, p); err != nil || text.String() != NoChanges+"\n" {
		t.Errorf("text of an empty plan: %q, %v", text.String(), err)
	}
	if err := WritePlanJSON(&js, p); err != nil || !strings.Contains(js.String(), `"steps": []`) || strings.Contains(js.String(), "notes") {
		t.Errorf("JSON of an empty plan: %s, %v", js.String(), err)
	}
}

func TestStepLine(t *testing.T) {
	tests := []struct {
		s    api.PlanStep
		want string
	}{
		{api.PlanStep{Action: "restart", Kind: "unit", Target: "smbd.service", Unit: "smbd.service", Op: "enable-now"}, "↻ enable-now unit smbd.service"},
		{api.PlanStep{Action: "create", Kind: "file", Target: "/etc/x", Summary: "write x"}, "+ create file /etc/x (write x)"},
		{api.PlanStep{Action: "teleport", Kind: "user", Target: "anna"}, "? teleport user anna"},
	}
	for _, tt := range tests {
		if got := StepLine(tt.s); got != tt.want {
			t.Errorf("StepLine(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestProblemLines(t *testing.T) {
	ps := []api.Problem{
		{Line: 4, Column: 15, Message: `secret "anna" is not set`, Hint: "add anna to the secrets file"},
		{Line: 7, Message: "bad line"},
		{Path: "users[2].password", Message: "too short"},
		{Message: "no place"},
	}
	want := "site.yaml:4:15: secret \"anna\" is not set\n  hint: add anna to the secrets file\n" +
		"site.yaml:7: bad line\nsite.yaml: users[2].password: too short\nsite.yaml: no place"
	if got := ProblemLines("site.yaml", ps); got != want {
		t.Errorf("ProblemLines:\n%s\nwant\n%s", got, want)
	}
}
