// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/sandbox"
)

// planUnits plans a template in the box and returns the units the plan
// starts or probes (they must be active afterwards), the units it stops,
// and how many steps change something (all but probes).
func planUnits(t *testing.T, tb *harness.TestBox, template, secrets string) (active, inactive []string, changes int) {
	t.Helper()
	p := tb.PlanOf(t, template, secrets)
	for _, s := range p.Steps {
		if s.Kind == "probe" {
			if isUnitName(s.Target) {
				active = append(active, s.Target)
			}
			continue
		}
		changes++
		if s.Kind != "unit" || s.Spec.Unit == "" {
			continue
		}
		switch s.Spec.Op {
		case "start", "restart", "reload", "enable-now":
			active = append(active, s.Spec.Unit)
		case "stop", "disable-now", "mask":
			inactive = append(inactive, s.Spec.Unit)
		}
	}
	return active, inactive, changes
}

func isUnitName(s string) bool {
	for _, suf := range []string{".service", ".socket", ".timer", ".target", ".path", ".mount"} {
		if strings.HasSuffix(s, suf) && !strings.ContainsAny(s, "/ ") {
			return true
		}
	}
	return false
}

// TestApplyMinimalSite applies examples/minimal.yaml in a fresh box with the
// real possectl and checks that the units Posse manages (those its plan
// starts or probes) are active, that every service's probe passes, and that
// a second plan changes nothing.
func TestApplyMinimalSite(t *testing.T) {
	const template, secrets = "../examples/minimal.yaml", "../examples/minimal.secrets.yaml"
	for _, f := range []string{template, secrets} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is missing: the example belongs to the project", f)
		}
	}
	tb := harness.Box(t, "minimal")
	for _, cmd := range []string{"plan", "apply"} {
		if _, stderr, code := tb.Output(t, "possectl", cmd, "--help"); code != 0 && strings.Contains(stderr, "unknown command") {
			t.Fatalf("possectl has no %s command", cmd)
		}
	}
	active, inactive, _ := planUnits(t, tb, template, secrets)
	if len(active) == 0 {
		t.Fatal("the plan of the minimal site starts or probes no unit")
	}
	t.Logf("units the plan starts or probes: %v; stops: %v", active, inactive)

	tb.Apply(t, template, secrets)

	for _, u := range active {
		if s, _, _ := tb.Output(t, "systemctl", "is-active", u); strings.TrimSpace(s) != "active" {
			t.Errorf("unit %s is %q after apply, want active\n%s", u, strings.TrimSpace(s),
				tb.MustRun(t, "journalctl", "-u", u, "-n", "20", "--no-pager"))
		}
	}
	for _, u := range inactive {
		if s, _, _ := tb.Output(t, "systemctl", "is-active", u); strings.TrimSpace(s) == "active" {
			t.Errorf("unit %s is active after apply, want it stopped", u)
		}
	}
	hs, err := tb.Sandbox().Status(t.Context())
	switch {
	case errors.Is(err, sandbox.ErrNoStatus):
		t.Log("possectl has no status command yet: no probes checked")
	case err != nil:
		t.Errorf("status: %v", err)
	default:
		for _, h := range hs {
			if !h.OK {
				t.Errorf("service %s is unhealthy: %s", h.Service, h.Detail)
			}
		}
	}
	if _, _, n := planUnits(t, tb, template, secrets); n != 0 {
		t.Errorf("a second plan after apply has %d steps that change something, want none", n)
	}
}
