// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
)

// TestApplyPrintsWarnings: possed's result carries the engine's warnings
// (an earlier apply was interrupted); possectl shows them, also when the
// apply itself changed nothing.
func TestApplyPrintsWarnings(t *testing.T) {
	for _, outcome := range []string{apply.OutcomeApplied, apply.OutcomeNoChanges} {
		r := api.ApplyResult{OK: true, Outcome: outcome, Record: "20261123T2", FailedStep: -1, Warnings: []string{"apply 20261123T1 was interrupted; this apply continues from what is on disk"}}
		var out bytes.Buffer
		e := &eventPrinter{text: apply.NewTextProgress(&out, false), plan: &plan.Plan{}}
		if err := e.finish(&out, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "warning: apply 20261123T1 was interrupted") {
			t.Errorf("%s: output does not show the warning:\n%s", outcome, out.String())
		}
	}
}
