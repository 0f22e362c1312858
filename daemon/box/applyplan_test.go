// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// stateSvc plans one step that carries what it finds on the box (state)
// and counts the steps it executed.
type stateSvc struct {
	state    string
	executed int
}

func (f *stateSvc) Name() string { return "files" }

func (f *stateSvc) Plan(context.Context, *site.Site, *host.Env) ([]plan.Step, []plan.Note, error) {
	return []plan.Step{plan.NewStep("files", plan.Update, "fake", "box", "found "+f.state, map[string]string{"state": f.state})}, nil, nil
}

func (f *stateSvc) Execute(context.Context, plan.Step, *host.Env) error {
	f.executed++
	return nil
}

func TestApplyPlanRefusesAPlanThatChanged(t *testing.T) {
	b, _ := newBox(t, true)
	svc := &stateSvc{state: "as shown"}
	b.Units = hosttest.NewFakeUnits()
	b.Runner = hosttest.NewFakeRunner(t)
	b.Services = func() []provisioning.Service { return []provisioning.Service{svc} }
	ctx := context.Background()
	secrets := map[string]string{"carla": "Sommer-2026-ok"}
	applied := filepath.Join(b.Root, host.DefaultStateDir, "site.yaml")
	before, _ := os.ReadFile(applied)
	template := []byte(testSite + "# next version\n")

	shown, err := b.Plan(ctx, template, secrets)
	if err != nil {
		t.Fatal(err)
	}
	svc.state = "changed by hand" // the box changes after the plan was shown
	res, err := b.ApplyPlan(ctx, template, secrets, shown.ID, nil)
	if err != nil || res.OK || res.Outcome != api.OutcomePlanChanged || res.Error != "the box changed since the plan was shown; review the new plan" {
		t.Errorf("ApplyPlan of an outdated plan = %+v, %v", res, err)
	}
	if after, _ := os.ReadFile(applied); svc.executed != 0 || string(after) != string(before) {
		t.Errorf("an outdated plan changed the box: %d steps executed", svc.executed)
	}

	// The new plan, shown and applied.
	shown, err = b.Plan(ctx, template, secrets)
	if err != nil {
		t.Fatal(err)
	}
	res, err = b.ApplyPlan(ctx, template, secrets, shown.ID, nil)
	if err != nil || !res.OK || svc.executed != 1 {
		t.Errorf("ApplyPlan of the plan shown = %+v, %v (%d steps executed)", res, err, svc.executed)
	}
	if after, _ := os.ReadFile(applied); string(after) == string(before) {
		t.Error("the applied template was not recorded")
	}
}
