// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestProofPossedKilled kills possed itself (SIGKILL, from a failpoint in
// possed built with -tags failpoints) while it runs an apply for possectl,
// at three kinds of points of the faults change: after a directory step,
// with a file's new version written to its temporary file but not renamed,
// and with a reload job queued but its result not awaited. possectl, which
// asked possed for the apply, must fail; possed must have died of SIGKILL;
// every file must be exactly old or exactly new. Then possectl apply again,
// through possed (D-Bus activation starts a new one), must say that the
// killed apply was interrupted and is being finished, and converge: empty
// plan, every managed unit active, every file new, no temporary file left.
func TestProofPossedKilled(t *testing.T) {
	fx := newFaultsBox(t, "pkilld")
	tb := fx.tb
	// The points: after the first step, in the first file write and in
	// the first reload job.
	points := []faultPoint{{"after-step", 0}}
	for _, kind := range []string{"file", "unit"} {
		for n, s := range fx.change {
			if s.Kind == kind && hasInStep(s) && (kind == "file" || s.Spec.Op == "reload") {
				points = append(points, faultPoint{"in-step", n})
				break
			}
		}
	}
	if len(points) != 3 {
		t.Fatalf("points %v: the change has no file write or no reload", points)
	}
	for _, pt := range points {
		name := pt.String() + "=crash"
		s := fx.change[pt.step]
		t.Run(name, func(t *testing.T) {
			t.Logf("%s: %s %s %s %s", name, s.Service, s.Kind, s.Target, s.Spec.Op)
			// possed gets its environment from the service manager; a
			// possed started from now on has the failpoint armed.
			tb.MustRun(t, "systemctl", "stop", "possed.service")
			tb.MustRun(t, "systemctl", "set-environment", "POSSE_FAILPOINTS="+name)
			o, e, code := tb.Output(t, "possectl", "apply", "/root/faults/new.yaml", "--secrets", "/root/faults/secrets.yaml", "--yes")
			tb.MustRun(t, "systemctl", "unset-environment", "POSSE_FAILPOINTS")
			t.Logf("possectl apply exited %d:\n%s%s", code, lastLines(o, 4), lastLines(e, 4))
			if code == 0 {
				t.Errorf("possectl apply succeeded though possed was killed")
			}
			show := tb.MustRun(t, "systemctl", "show", "possed.service", "-p", "Result", "-p", "ExecMainStatus", "-p", "ActiveState")
			if !strings.Contains(show, "Result=signal") || !strings.Contains(show, "ExecMainStatus=9") {
				t.Errorf("possed did not die of SIGKILL:\n%s", show)
			}
			oldF, newF := fx.oldOrNew(t, name)
			temps := leftoverTemps(t, tb, fx.files)
			t.Logf("after %s in possed: %d files old, %d new, temporary files %q", name, oldF, newF, temps)
			if want := pt.phase == "in-step" && s.Kind == "file"; (len(temps) == 1) != want || len(temps) > 1 {
				t.Errorf("after %s, temporary files %q", name, temps)
			}

			out := tb.Apply(t, faultsNew, fx.secrets)
			if !strings.Contains(out, "was interrupted; this apply continues from what is on disk") {
				t.Errorf("the apply after possed was killed does not say the killed apply was interrupted:\n%s", out)
			}
			if pt.phase == "in-step" && s.Kind == "file" && !strings.Contains(out, "a temporary file the interrupted apply left") {
				t.Errorf("the apply after possed was killed does not report removing the temporary file:\n%s", out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "warning:") {
					t.Logf("the next apply (through a new possed): %s", l)
				}
			}
			if st := strings.TrimSpace(tb.MustRun(t, "sh", "-c", "systemctl is-active possed.service || true")); st != "active" {
				t.Errorf("possed is %s after the next apply", st)
			}
			fx.converged(t, fmt.Sprintf("possed killed at %s", name))
			tb.Apply(t, faultsOld, fx.secrets)
		})
	}
}
