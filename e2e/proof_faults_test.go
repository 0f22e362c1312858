package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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
func fullPlanSteps(t *testing.T, tb *harness.TestBox, template string) []planStep {
	t.Helper()
	out := tb.MustRun(t, "possectl", "plan", template, "--secrets", "/root/faults/secrets.yaml", "--json")
	var p struct {
		Steps []planStep `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("possectl plan --json: %v\n%s", err, out)
	}
	return p.Steps
}

func countChanges(steps []planStep) int {
	n := 0
	for _, s := range steps {
		if s.Kind != "probe" {
			n++
		}
	}
	return n
}

// TestProofFaults injects a fault after every step of a change that touches
// the directory and several files in three more services with reloads
// (faults-old.yaml to faults-new.yaml): once as an error (the step fails, the service rolls
// back) and once as a crash (possectl apply --direct kills itself with
// SIGKILL there, as a power cut or kill -9 would). After each fault every
// managed file is exactly its old or exactly its new version; the next
// normal apply (through possed) converges: the plan is empty afterwards,
// every managed unit is active and every file is the new version. Then the
// old site is applied again for the next point.
//
// POSSE_PROOF_POINTS limits the sweep to a comma-separated list of step
// indexes; POSSE_PROOF_MODES to "error" or "crash".
func TestProofFaults(t *testing.T) {
	bin := buildFailpointBinaries(t)
	t.Setenv("POSSE_BIN", bin)
	tb := harness.Box(t, "pfault")
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
	units := []string{"samba-ad-dc.service", "postfix@-.service", "dovecot.service", "posse-backup.timer", "posse-backup-check.timer"}

	points := make([]int, len(change))
	for i := range points {
		points[i] = i
	}
	if v := os.Getenv("POSSE_PROOF_POINTS"); v != "" {
		points = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("POSSE_PROOF_POINTS: %v", err)
			}
			points = append(points, n)
		}
	}
	modes := []string{"error", "crash"}
	if v := os.Getenv("POSSE_PROOF_MODES"); v != "" {
		modes = strings.Split(v, ",")
	}

	type result struct {
		point          int
		mode, step     string
		exit           int
		oldF, newF     int
		ok             bool
		warned         bool // the recovery apply said the last one was interrupted
		recoverSeconds float64
	}
	var results []result
	start := time.Now()
	for _, n := range points {
		for _, mode := range modes {
			name := fmt.Sprintf("after-step:%d=%s", n, mode)
			r := result{point: n, mode: mode}
			r.ok = t.Run(name, func(t *testing.T) {
				steps := fullPlanSteps(t, tb, "/root/faults/new.yaml")
				if stepList(steps) != stepList(change) {
					t.Fatalf("the change is no longer the same plan:\n%swant:\n%s", stepList(steps), stepList(change))
				}
				r.step = fmt.Sprintf("%s %s %s", steps[n].Service, steps[n].Kind, steps[n].Target)
				o, e, code := tb.Output(t, "env", "POSSE_FAILPOINTS="+fmt.Sprintf("after-step:%d=%s", n, mode),
					"possectl", "apply", "/root/faults/new.yaml", "--secrets", "/root/faults/secrets.yaml", "--yes", "--direct")
				r.exit = code
				if code == 0 {
					t.Errorf("the apply with %s succeeded:\n%s%s", name, lastLines(o, 5), e)
				}
				// Never a mix: each file is the old or the new version.
				for f, h := range hashBoxFiles(t, tb, files) {
					switch h {
					case oldHash[f]:
						r.oldF++
					case newHash[f]:
						r.newF++
					default:
						t.Errorf("after %s, %s is neither the old nor the new version (%s)", name, f, h)
					}
				}
				// The next normal apply converges.
				t0 := time.Now()
				tb.Apply(t, faultsNew, secrets)
				r.recoverSeconds = time.Since(t0).Seconds()
				// possectl does not print the engine's warnings; the
				// journal has them.
				if ws, ok := lastJournal(t, tb)["warnings"].([]any); ok {
					r.warned = strings.Contains(fmt.Sprint(ws...), "was interrupted")
				}
				if mode == "crash" && !r.warned {
					t.Errorf("after %s, the next apply's journal record does not say the last apply was interrupted", name)
				}
				if left := countChanges(fullPlanSteps(t, tb, "/root/faults/new.yaml")); left != 0 {
					t.Errorf("after %s and a normal apply, the plan still has %d changes", name, left)
				}
				for _, u := range units {
					if st := strings.TrimSpace(tb.MustRun(t, "sh", "-c", "systemctl is-active "+u+" || true")); st != "active" {
						t.Errorf("after %s and a normal apply, %s is %s", name, u, st)
					}
				}
				for f, h := range hashBoxFiles(t, tb, files) {
					if h != newHash[f] {
						t.Errorf("after %s and a normal apply, %s is not the new version", name, f)
					}
				}
				// Back to the old site for the next point.
				tb.Apply(t, faultsOld, secrets)
			})
			results = append(results, r)
		}
	}
	var b strings.Builder
	passed := 0
	for _, r := range results {
		if r.ok {
			passed++
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %d | %d old, %d new | %v | %.1f s | %v |\n", r.point, r.step, r.mode, r.exit, r.oldF, r.newF, r.ok, r.recoverSeconds, r.warned)
	}
	t.Logf("fault injection: %d of %d points converged, %d managed files, %d steps, %.0fs\n| step | what | fault | exit | files after the fault | converged | recovery apply | journal says interrupted |\n|---|---|---|---|---|---|---|---|\n%s",
		passed, len(points)*len(modes), len(files), len(change), time.Since(start).Seconds(), b.String())
}
