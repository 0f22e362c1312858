// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	faultsOld     = "testdata/proof/faults-old.yaml"
	faultsNew     = "testdata/proof/faults-new.yaml"
	faultsSecrets = "testdata/proof/faults.secrets.yaml"
)

// buildFailpointBinaries builds possectl and possed with -tags failpoints
// into a temporary directory, for a box's /usr/local/bin.
func buildFailpointBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := exec.Command("go", "build", "-tags", "failpoints", "-o", dir+"/", "./cmd/possectl", "./cmd/possed")
	c.Dir = ".."
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("building with -tags failpoints: %v\n%s", err, out)
	}
	return dir
}

// fullPlanSteps returns every step of possectl plan --json for the
// template in /root/faults inside the box, probes included (failpoints
// count them).
func fullPlanSteps(t *testing.T, tb *harness.TestBox, template string) []harness.PlanStep {
	t.Helper()
	return tb.PlanIn(t, template, "/root/faults/secrets.yaml").Steps
}

// faultPoint is one place a fault is injected: PHASE:STEP of
// POSSE_FAILPOINTS (see provisioning/apply/failpoint_on.go).
type faultPoint struct {
	phase string // before-step, in-step or after-step
	step  int
}

func (p faultPoint) String() string { return fmt.Sprintf("%s:%d", p.phase, p.step) }

// jobOps are the unit operations with a systemd job, where in-step means
// "queued, result not awaited".
var jobOps = map[string]bool{"start": true, "stop": true, "restart": true, "reload": true, "enable-now": true, "disable-now": true}

// hasInStep reports whether step s has an in-step failpoint: a file write
// (temporary file written, not renamed) or a unit job (queued, result not
// awaited).
func hasInStep(s harness.PlanStep) bool {
	return (s.Kind == "file" && s.Action != "delete") || (s.Kind == "unit" && jobOps[s.Spec.Op])
}

// faultPoints lists the points swept over the change: every after-step,
// every in-step, and the before-step points whose state differs from an
// after-step one: step 0 and the first step of each service (all of them
// with all=true). Before step N of the same service as step N-1, the disk,
// the units and the engine's transaction are exactly as after step N-1:
// only the progress report runs in between, so a crash there is the crash
// after N-1, and an error there rolls back the same transaction.
func faultPoints(change []harness.PlanStep, kinds map[string]bool, all bool) []faultPoint {
	var out []faultPoint
	for n, s := range change {
		if kinds["before"] && (all || n == 0 || change[n-1].Service != s.Service) {
			out = append(out, faultPoint{"before-step", n})
		}
		if kinds["in"] && hasInStep(s) {
			out = append(out, faultPoint{"in-step", n})
		}
		if kinds["after"] {
			out = append(out, faultPoint{"after-step", n})
		}
	}
	return out
}

// leftoverTemps lists temporary files of atomic writes (".NAME.posse-*")
// in the directories of the managed files.
func leftoverTemps(t *testing.T, tb *harness.TestBox, files []string) []string {
	t.Helper()
	dirs := map[string]bool{}
	for _, f := range files {
		dirs[filepath.Dir(f)] = true
	}
	args := append([]string{"find"}, sortedKeys(dirs)...)
	args = append(args, "-maxdepth", "1", "-name", ".*.posse-*")
	o, _, _ := tb.Output(t, args...)
	return strings.Fields(o)
}

// faultsBox is a box with failpoint binaries on the old faults site, and
// what the change to the new one touches.
type faultsBox struct {
	tb               *harness.TestBox
	secrets          string
	files            []string // the managed files
	oldHash, newHash map[string]string
	change           []harness.PlanStep // old to new, probes included
	units            []string           // must be active on the new site
}

// newFaultsBox builds possectl and possed with failpoints, boots a box
// with them and applies old, new, old: the first change creates
// directories that going back to the old site keeps, so the change
// injected into is the one from the second old state on.
func newFaultsBox(t *testing.T, prefix string) *faultsBox {
	t.Helper()
	bin := buildFailpointBinaries(t)
	t.Setenv("POSSE_BIN", bin)
	tb := harness.Box(t, prefix)
	secrets := copySecrets(t, faultsSecrets)
	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/faults")
	tb.CopyIn(t, faultsOld, "/root/faults/old.yaml", 0o600)
	tb.CopyIn(t, faultsNew, "/root/faults/new.yaml", 0o600)
	tb.CopyIn(t, secrets, "/root/faults/secrets.yaml", 0o600)

	// Old, new, old again: the first change creates directories that going
	// back to the old site keeps, so the change swept is the one from the
	// second old state on.
	tb.Apply(t, faultsOld, secrets)
	first := fullPlanSteps(t, tb, "/root/faults/new.yaml")
	// The managed files: every file step of the change and of its reverse.
	fileSet := map[string]bool{}
	for _, s := range first {
		if s.Kind == "file" {
			fileSet[s.Target] = true
		}
	}
	tb.Apply(t, faultsNew, secrets)
	for _, s := range fullPlanSteps(t, tb, "/root/faults/old.yaml") {
		if s.Kind == "file" {
			fileSet[s.Target] = true
		}
	}
	files := sortedKeys(fileSet)
	newHash := hashBoxFiles(t, tb, files)
	tb.Apply(t, faultsOld, secrets)
	oldHash := hashBoxFiles(t, tb, files)
	change := fullPlanSteps(t, tb, "/root/faults/new.yaml")
	t.Logf("the change, %d steps (%d managed files):\n%s", len(change), len(files), stepList(change))
	for _, f := range files {
		if oldHash[f] == newHash[f] {
			t.Logf("note: %s is the same in both versions", f)
		}
	}
	return &faultsBox{tb: tb, secrets: secrets, files: files, oldHash: oldHash, newHash: newHash, change: change, units: []string{"samba-ad-dc.service", tb.PostfixUnit(), "dovecot.service", "posse-backup.timer", "posse-backup-check.timer", "posse-backup-drill.timer", "posse-recycle-purge.timer"}}
}

// oldOrNew checks that every managed file is exactly its old or exactly its
// new version, never a mix, and counts them.
func (fx *faultsBox) oldOrNew(t *testing.T, after string) (oldF, newF int) {
	t.Helper()
	for f, h := range hashBoxFiles(t, fx.tb, fx.files) {
		switch h {
		case fx.oldHash[f]:
			oldF++
		case fx.newHash[f]:
			newF++
		default:
			t.Errorf("after %s, %s is neither the old nor the new version (%s)", after, f, h)
		}
	}
	return oldF, newF
}

// converged checks the box after an apply of the new site: the plan is
// empty, every managed unit is active, every managed file is the new
// version and no temporary file is left next to one.
func (fx *faultsBox) converged(t *testing.T, after string) {
	t.Helper()
	if left := len(fx.tb.PlanIn(t, "/root/faults/new.yaml", "/root/faults/secrets.yaml").Changes()); left != 0 {
		t.Errorf("after %s and a normal apply, the plan still has %d changes", after, left)
	}
	for _, u := range fx.units {
		if st := strings.TrimSpace(fx.tb.MustRun(t, "sh", "-c", "systemctl is-active "+u+" || true")); st != "active" {
			t.Errorf("after %s and a normal apply, %s is %s", after, u, st)
		}
	}
	for f, h := range hashBoxFiles(t, fx.tb, fx.files) {
		if h != fx.newHash[f] {
			t.Errorf("after %s and a normal apply, %s is not the new version", after, f)
		}
	}
	if temps := leftoverTemps(t, fx.tb, fx.files); len(temps) != 0 {
		t.Errorf("after %s and a normal apply, temporary files are left: %q", after, temps)
	}
}

// TestProofFaults injects faults before, inside and after the steps of a
// change that touches the directory and several files in three more
// services with reloads (faults-old.yaml to faults-new.yaml): once as an
// error (the step fails, the service rolls back) and once as a crash
// (possectl apply --direct kills itself with SIGKILL there, as a power cut
// or kill -9 would). After each fault every managed file is exactly its old
// or exactly its new version; the next normal apply (through possed)
// converges: the plan is empty afterwards, every managed unit is active,
// every file is the new version and no temporary file is left. Then the old
// site is applied again for the next point.
//
// POSSE_PROOF_KINDS limits the sweep to some of before,in,after;
// POSSE_PROOF_ALL=1 adds the before-step points equivalent to an after-step
// one (see faultPoints); POSSE_PROOF_POINTS limits it to a comma-separated
// list of step indexes; POSSE_PROOF_MODES to "error" or "crash".
// POSSE_PROOF_SHARD=K/N runs the faults of part K of N (point number plus
// mode number modulo N is K-1), in a box of its own, so that N test runs
// side by side sweep all of them.
func TestProofFaults(t *testing.T) {
	fx := newFaultsBox(t, "pfault")
	tb, secrets, files, newHash, change := fx.tb, fx.secrets, fx.files, fx.newHash, fx.change

	kinds := map[string]bool{"before": true, "in": true, "after": true}
	if v := os.Getenv("POSSE_PROOF_KINDS"); v != "" {
		kinds = map[string]bool{}
		for _, k := range strings.Split(v, ",") {
			kinds[strings.TrimSpace(k)] = true
		}
	}
	points := faultPoints(change, kinds, os.Getenv("POSSE_PROOF_ALL") == "1")
	if v := os.Getenv("POSSE_PROOF_POINTS"); v != "" {
		keep := map[int]bool{}
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("POSSE_PROOF_POINTS: %v", err)
			}
			keep[n] = true
		}
		var some []faultPoint
		for _, p := range points {
			if keep[p.step] {
				some = append(some, p)
			}
		}
		points = some
	}
	modes := []string{"error", "crash"}
	if v := os.Getenv("POSSE_PROOF_MODES"); v != "" {
		modes = strings.Split(v, ",")
	}
	shard, shards := proofShard(t)

	type result struct {
		point          faultPoint
		mode, step     string
		exit           int
		oldF, newF     int
		temps          int // temporary files left by the fault
		ok             bool
		warned         bool // the recovery apply said the last one was interrupted
		recoverSeconds float64
	}
	var results []result
	start := time.Now()
	for pi, pt := range points {
		for mi, mode := range modes {
			// Point and mode both turn the part over, so each part gets
			// errors and crashes alike.
			if (pi+mi)%shards != shard {
				continue
			}
			name := fmt.Sprintf("%s=%s", pt, mode)
			r := result{point: pt, mode: mode}
			r.ok = t.Run(name, func(t *testing.T) {
				steps := fullPlanSteps(t, tb, "/root/faults/new.yaml")
				if stepList(steps) != stepList(change) {
					// A point before this one failed before it put the old
					// site back. Put it back here, so that one failure
					// does not fail every point after it.
					t.Logf("the box is not on the old site (a point before failed); applying it again")
					if out, code := tb.TryApply(t, faultsOld, secrets); code != 0 {
						t.Fatalf("the old site does not apply (exit %d):\n%s", code, lastLines(out, 20))
					}
					steps = fullPlanSteps(t, tb, "/root/faults/new.yaml")
				}
				if stepList(steps) != stepList(change) {
					t.Fatalf("the change is no longer the same plan:\n%swant:\n%s", stepList(steps), stepList(change))
				}
				n := pt.step
				r.step = fmt.Sprintf("%s %s %s", steps[n].Service, steps[n].Kind, steps[n].Target)
				if steps[n].Kind == "unit" {
					r.step += " " + steps[n].Spec.Op
				}
				o, e, code := tb.Output(t, "env", "POSSE_FAILPOINTS="+name,
					"possectl", "apply", "/root/faults/new.yaml", "--secrets", "/root/faults/secrets.yaml", "--yes", "--direct")
				r.exit = code
				if code == 0 {
					t.Errorf("the apply with %s succeeded:\n%s%s", name, lastLines(o, 5), e)
				}
				r.oldF, r.newF = fx.oldOrNew(t, name)
				temps := leftoverTemps(t, tb, files)
				r.temps = len(temps)
				// Only a crash inside a file step leaves its temporary
				// file, which holds the whole new version.
				wantTemps := 0
				if mode == "crash" && pt.phase == "in-step" && steps[n].Kind == "file" {
					wantTemps = 1
				}
				if len(temps) != wantTemps {
					t.Errorf("after %s, temporary files %q, want %d", name, temps, wantTemps)
				}
				for _, tmp := range temps {
					if h := hashBoxFiles(t, tb, []string{tmp})[tmp]; h != newHash[steps[n].Target] {
						t.Errorf("after %s, the temporary file %s is not the new version of %s", name, tmp, steps[n].Target)
					}
				}
				// The next normal apply converges.
				t0 := time.Now()
				out := tb.Apply(t, faultsNew, secrets)
				r.recoverSeconds = time.Since(t0).Seconds()
				r.warned = strings.Contains(out, "was interrupted")
				if mode == "crash" && !r.warned {
					t.Errorf("after %s, the next apply does not say the last apply was interrupted:\n%s", name, lastLines(out, 8))
				}
				if ws := tb.LastJournal(t).Warnings; mode == "crash" && !strings.Contains(strings.Join(ws, "\n"), "was interrupted") {
					t.Errorf("after %s, the next apply's journal record does not say the last apply was interrupted", name)
				}
				fx.converged(t, name)
				// Back to the old site for the next point.
				tb.Apply(t, faultsOld, secrets)
			})
			results = append(results, r)
		}
	}
	var b strings.Builder
	passed := 0
	byKind := map[string][2]int{}
	for _, r := range results {
		k := byKind[r.point.phase+" "+r.mode]
		k[1]++
		if r.ok {
			passed++
			k[0]++
		}
		byKind[r.point.phase+" "+r.mode] = k
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d old, %d new, %d temp | %v | %.1f s | %v |\n", r.point, r.step, r.mode, r.exit, r.oldF, r.newF, r.temps, r.ok, r.recoverSeconds, r.warned)
	}
	var kb strings.Builder
	for _, k := range sortedKeys(byKind) {
		fmt.Fprintf(&kb, "  %s: %d of %d\n", k, byKind[k][0], byKind[k][1])
	}
	part := ""
	if shards > 1 {
		part = fmt.Sprintf(", part %d of %d of the sweep", shard+1, shards)
	}
	t.Logf("fault injection: %d of %d faults converged (%d points × %d modes%s), %d managed files, %d steps, %.0fs\n%s| point | step | fault | exit | files after the fault | converged | recovery apply | says interrupted |\n|---|---|---|---|---|---|---|---|\n%s",
		passed, len(results), len(points), len(modes), part, len(files), len(change), time.Since(start).Seconds(), kb.String(), b.String())
}

// proofShard reads POSSE_PROOF_SHARD ("K/N", 1 <= K <= N) and returns K-1
// and N. Unset, it is part 1 of 1: all of them.
func proofShard(t *testing.T) (shard, shards int) {
	v := os.Getenv("POSSE_PROOF_SHARD")
	if v == "" {
		return 0, 1
	}
	k, n, ok := strings.Cut(v, "/")
	kk, err1 := strconv.Atoi(k)
	nn, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || nn < 1 || kk < 1 || kk > nn {
		t.Fatalf("POSSE_PROOF_SHARD=%q: want K/N with 1 <= K <= N, such as 1/2", v)
	}
	return kk - 1, nn
}
