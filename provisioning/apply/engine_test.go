// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
)

// probeExec is an Executor of probes: it records each probe it runs, runs
// do (if set) and fails with err.
type probeExec struct {
	ran []string
	do  func()
	err error
}

func (p *probeExec) Execute(_ context.Context, s plan.Step, _ *host.Env) error {
	p.ran = append(p.ran, s.Kind+" "+s.Target)
	if p.do != nil {
		p.do()
	}
	return p.err
}

// crashAfter makes the apply "crash" (panic, as TestCrashBetweenFileWrites
// does) after step n finished, and recovers.
func crashAfter(t *testing.T, n int, apply func()) {
	t.Helper()
	testHookAfterStep = func(i int, _ plan.Step) {
		if i == n {
			panic("crash")
		}
	}
	defer func() { testHookAfterStep = nil }()
	defer func() {
		if v := recover(); v != "crash" {
			t.Fatalf("apply did not crash after step %d (recovered %v)", n, v)
		}
	}()
	apply()
}

// stepLines is "kind target" of each step result, in the order run.
func stepLines(res *Result) []string {
	var out []string
	for _, s := range res.Steps {
		out = append(out, s.Kind+" "+s.Target+" "+string(s.Status))
	}
	return out
}

// TestRollbackFailsUnit: the restart fails and so does the restart of the
// rollback. The outcome is rollback-failed, and the error, the result,
// the summary and the journal say what is left: smbd not running on the
// old configuration, where the backups are.
func TestRollbackFailsUnit(t *testing.T) {
	r := setUp(t, "NEW")
	oldConf := r.read("/etc/samba/smb.conf")
	r.units.FailNext("restart", "smbd.service", 2)
	res, err := r.apply(r.makePlan())
	if err == nil {
		t.Fatal("apply succeeded")
	}
	if res.Outcome != OutcomeRollbackFailed {
		t.Errorf("outcome %s, want %s", res.Outcome, OutcomeRollbackFailed)
	}
	if !strings.HasPrefix(res.RollbackError, "restarted smbd.service: restart smbd.service: job failed") {
		t.Errorf("rollback error %q does not name the unit left", res.RollbackError)
	}
	for _, want := range []string{"samba: step 4 (↻ restart unit smbd.service) failed", "ROLLBACK INCOMPLETE: restarted smbd.service: ", "check the service by hand (backups are in " + r.env.State("history", res.ID) + ")", "not applied: mail"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !strings.HasPrefix(res.Summary(), "Failed at step 4 (samba) and the rollback is incomplete: restarted smbd.service: ") {
		t.Errorf("summary %q", res.Summary())
	}
	// What could be undone was: the files are back.
	if r.read("/etc/samba/smb.conf") != oldConf || !slices.Contains(res.RolledBack, "restored /etc/samba/smb.conf") {
		t.Errorf("files not restored: rolled back %q", res.RolledBack)
	}
	if slices.Contains(res.RolledBack, "restarted smbd.service") {
		t.Errorf("rolled back %q claims the failed restart", res.RolledBack)
	}
	j, _ := ReadJournal(r.env)
	if last := j[len(j)-1]; last.Outcome != OutcomeRollbackFailed || last.RollbackError != res.RollbackError || last.FailedStep != 3 {
		t.Errorf("journal record: %s %q step %d", last.Outcome, last.RollbackError, last.FailedStep)
	}
}

// TestRollbackFailsFile: the failing step left a directory where a file
// was. That file cannot be restored and the rollback says which; it
// carries on with the other file and the unit.
func TestRollbackFailsFile(t *testing.T) {
	r := setUp(t, "NEW")
	oldShares := r.read("/etc/samba/shares.conf")
	smb := r.env.Path("/etc/samba/smb.conf")
	probe := &probeExec{err: errors.New("no answer"), do: func() {
		os.Remove(smb)
		os.Mkdir(smb, 0o755)
	}}
	res, err := Apply(context.Background(), r.makePlan(), r.env, map[string]Executor{"samba": probe, "mail": r.mail}, nil)
	if err == nil {
		t.Fatal("apply succeeded")
	}
	if res.Outcome != OutcomeRollbackFailed || !strings.Contains(res.RollbackError, "restore /etc/samba/smb.conf: /etc/samba/smb.conf is now a directory") {
		t.Errorf("outcome %s, rollback error %q", res.Outcome, res.RollbackError)
	}
	if !strings.Contains(err.Error(), "ROLLBACK INCOMPLETE: restore /etc/samba/smb.conf") {
		t.Errorf("error %q does not name the file left", err)
	}
	if r.read("/etc/samba/shares.conf") != oldShares || !slices.Equal(res.RolledBack, []string{"restored /etc/samba/shares.conf", "restarted smbd.service"}) {
		t.Errorf("the rest was not rolled back: %q", res.RolledBack)
	}
}

// deleteRig has /etc/posse/old.conf (mode 0640) and a plan of service
// "files" that deletes it, then probes.
func deleteRig(t *testing.T, probe *probeExec) (*host.Env, *plan.Plan, string) {
	t.Helper()
	env := &host.Env{Root: t.TempDir(), Units: hosttest.NewFakeUnits()}
	full := env.Path("/etc/posse/old.conf")
	os.MkdirAll(env.Path("/etc/posse"), 0o755)
	if err := os.WriteFile(full, []byte("share = old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(full, 0o640)
	st, changed, err := plan.DeleteFileStep("files", env, "/etc/posse/old.conf")
	if err != nil || !changed {
		t.Fatalf("delete step: %v %v", changed, err)
	}
	return env, &plan.Plan{Steps: []plan.Step{st, plan.ProbeStep("files", "shares", "")}}, full
}

// TestRollbackRestoresDeletedFile: a file step that deletes a file
// registers the file for undo, so a failure later in the service brings
// it back with its content and mode; its previous version is in the
// history either way.
func TestRollbackRestoresDeletedFile(t *testing.T) {
	probe := &probeExec{err: errors.New("share gone")}
	env, p, full := deleteRig(t, probe)
	res, err := Apply(context.Background(), p, env, map[string]Executor{"files": probe}, nil)
	if err == nil {
		t.Fatal("apply succeeded")
	}
	b, rerr := os.ReadFile(full)
	fi, _ := os.Stat(full)
	if rerr != nil || string(b) != "share = old\n" || fi.Mode().Perm() != 0o640 {
		t.Fatalf("deleted file not restored: %q mode %v (%v)", b, fi, rerr)
	}
	if !slices.Equal(res.RolledBack, []string{"restored /etc/posse/old.conf"}) || res.Outcome != OutcomeRolledBack {
		t.Errorf("%s, rolled back %q", res.Outcome, res.RolledBack)
	}
	if h, err := os.ReadFile(env.State("history", res.ID, "files", "etc/posse/old.conf")); err != nil || string(h) != "share = old\n" {
		t.Errorf("history copy %q (%v)", h, err)
	}

	// When the service succeeds the file stays deleted.
	probe = &probeExec{}
	env, p, full = deleteRig(t, probe)
	res, err = Apply(context.Background(), p, env, map[string]Executor{"files": probe}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(full); !os.IsNotExist(err) {
		t.Errorf("file not deleted: %v", err)
	}
	if !strings.HasPrefix(res.Summary(), "Applied: 0 created, 0 updated, 1 deleted,") {
		t.Errorf("summary %q", res.Summary())
	}
	manifest, _ := os.ReadFile(env.State("history", res.ID, "manifest.jsonl"))
	if !strings.Contains(string(manifest), `"path":"/etc/posse/old.conf","mode":416`) {
		t.Errorf("manifest %s", manifest)
	}
	// Deleting what is already gone changes nothing.
	res, err = Apply(context.Background(), p, env, map[string]Executor{"files": probe}, nil)
	if err != nil || res.Steps[0].Status != Unchanged {
		t.Errorf("second delete: %v %+v", err, res.Steps)
	}
}

// resumeRig is a service "svc" whose plan writes /etc/svc/a.conf,
// restarts x.service, reloads y.service and probes.
type resumeRig struct {
	env   *host.Env
	units *hosttest.FakeUnits
	probe *probeExec
}

func newResumeRig(t *testing.T) *resumeRig {
	units := hosttest.NewFakeUnits()
	units.Add("x.service", true, true)
	units.Add("y.service", true, true)
	return &resumeRig{env: &host.Env{Root: t.TempDir(), Units: units, Runner: hosttest.NewFakeRunner(t)}, units: units, probe: &probeExec{}}
}

func (r *resumeRig) file(t *testing.T, path, content string) plan.Step {
	t.Helper()
	st, _, err := plan.FileStep("svc", r.env, plan.FileSpec{Path: path, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (r *resumeRig) apply(p *plan.Plan) (*Result, error) {
	return Apply(context.Background(), p, r.env, map[string]Executor{"svc": r.probe}, nil)
}

// TestResumeAfterRestart: an apply killed right after its restart step.
// The next apply of the same template does not restart again (the
// restart finished), and runs the reload and the probe that never ran,
// the reload before the probe, whether or not its own plan has steps of
// that service.
func TestResumeAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		next  func(r *resumeRig) []plan.Step
		steps []string
		added string // the steps added, as the warning lists them
	}{
		{
			name:  "the next plan is empty",
			next:  func(*resumeRig) []plan.Step { return nil },
			steps: []string{"unit y.service done", "probe svc done"},
			added: "svc: ↻ reload unit y.service; svc: • run probe svc",
		},
		{
			name: "the next plan has a file and the probe of the service",
			next: func(r *resumeRig) []plan.Step {
				return []plan.Step{r.file(t, "/etc/svc/b.conf", "b\n"), plan.ProbeStep("svc", "svc", "")}
			},
			steps: []string{"file /etc/svc/b.conf done", "unit y.service done", "probe svc done"},
			added: "svc: ↻ reload unit y.service",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newResumeRig(t)
			first := &plan.Plan{TemplateHash: "t1", Steps: []plan.Step{
				r.file(t, "/etc/svc/a.conf", "a\n"),
				plan.UnitStep("svc", "x.service", "restart"),
				plan.UnitStep("svc", "y.service", "reload"),
				plan.ProbeStep("svc", "svc", ""),
			}}
			crashAfter(t, 1, func() { r.apply(first) })
			if got := r.units.Calls(); !slices.Equal(got, []string{"restart x.service"}) {
				t.Fatalf("before the crash: %q", got)
			}
			r.units.Reset()
			res, err := r.apply(&plan.Plan{TemplateHash: "t1", Steps: tc.next(r)})
			if err != nil {
				t.Fatal(err)
			}
			if got := stepLines(res); !slices.Equal(got, tc.steps) {
				t.Errorf("steps %q, want %q", got, tc.steps)
			}
			if got := r.units.Calls(); !slices.Equal(got, []string{"reload y.service"}) {
				t.Errorf("unit calls %q: want the reload only, no second restart", got)
			}
			if !slices.Equal(r.probe.ran, []string{"probe svc"}) {
				t.Errorf("probes %q", r.probe.ran)
			}
			if len(res.Warnings) != 2 || !strings.HasSuffix(res.Warnings[1], "this apply runs them: "+tc.added) {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

// TestFinishedStepsAreLogged: each finished step's index is in the apply's
// done log as soon as it finished (a crash right after loses nothing), and
// every step with its status is in the journal record.
func TestFinishedStepsAreLogged(t *testing.T) {
	r := newResumeRig(t)
	p := &plan.Plan{TemplateHash: "t1", Steps: []plan.Step{
		r.file(t, "/etc/svc/a.conf", "a\n"),
		plan.UnitStep("svc", "x.service", "restart"),
		plan.UnitStep("svc", "y.service", "reload"),
		plan.ProbeStep("svc", "svc", ""),
	}}
	var id string
	crashAfter(t, 2, func() {
		orig := testHookAfterStep
		testHookAfterStep = func(i int, s plan.Step) {
			if id == "" {
				b, _ := os.ReadFile(r.env.State("apply.running"))
				id = strings.TrimSpace(string(b))
			}
			orig(i, s)
		}
		r.apply(p)
	})
	if b, err := os.ReadFile(r.env.State("history", id, doneFile)); err != nil || string(b) != "0\n1\n2\n" {
		t.Errorf("done log after a crash after step 2: %q (%v), want steps 0 to 2", b, err)
	}
	var f followups
	b, _ := os.ReadFile(r.env.State("history", id, followupsFile))
	if err := json.Unmarshal(b, &f); err != nil || len(f.Steps) != 3 || f.Steps[0].Index != 1 || f.TemplateHash != "t1" {
		t.Errorf("followups %s (%v)", b, err)
	}

	res, err := r.apply(&plan.Plan{TemplateHash: "t1", Steps: []plan.Step{
		r.file(t, "/etc/svc/b.conf", "b\n"),
		plan.UnitStep("svc", "x.service", "reload"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(r.env.State("history", res.ID, doneFile)); err != nil || string(b) != "0\n1\n2\n" {
		t.Errorf("done log of a whole apply: %q (%v)", b, err)
	}
	j, err := ReadJournal(r.env)
	if err != nil || len(j) != 1 {
		t.Fatalf("journal: %d records, %v (the crashed apply has none)", len(j), err)
	}
	// Steps 0 to 2 of the crashed apply finished; its probe (3) did not.
	want := []string{"file /etc/svc/b.conf done", "unit x.service done", "probe svc done"}
	if got := stepLines(&j[0]); !slices.Equal(got, want) || j[0].ID != res.ID || j[0].Outcome != OutcomeApplied {
		t.Errorf("journal steps %q (want %q), id %s outcome %s", got, want, j[0].ID, j[0].Outcome)
	}
	if _, err := os.Stat(r.env.State("apply.running")); !os.IsNotExist(err) {
		t.Errorf("running marker left after a finished apply: %v", err)
	}
}

// undoExec runs a service's own steps (kind "user") and records what its
// Rollback is given.
type undoExec struct {
	failOn  string // target of the step that fails
	undone  []string
	undoErr error
}

func (u *undoExec) Execute(_ context.Context, s plan.Step, _ *host.Env) error {
	if s.Target == u.failOn {
		return errors.New("samba-tool: cannot add " + s.Target)
	}
	return nil
}

func (u *undoExec) Rollback(_ context.Context, ran []plan.Step, _ *host.Env) error {
	for _, s := range ran {
		u.undone = append(u.undone, s.Target)
	}
	return u.undoErr
}

// TestExecutorRollback: when a step of a service fails, its executor gets
// the service's own steps that ran, newest (the failed one) first; an
// error there makes the rollback incomplete.
func TestExecutorRollback(t *testing.T) {
	steps := []plan.Step{
		{Service: "directory", Action: plan.Create, Kind: "user", Target: "anna"},
		{Service: "directory", Action: plan.Create, Kind: "user", Target: "bert"},
		{Service: "directory", Action: plan.Create, Kind: "user", Target: "carl"},
	}
	for _, undoErr := range []error{nil, errors.New("anna is locked")} {
		x := &undoExec{failOn: "carl", undoErr: undoErr}
		env := &host.Env{Root: t.TempDir(), Units: hosttest.NewFakeUnits()}
		res, err := Apply(context.Background(), &plan.Plan{Steps: steps}, env, map[string]Executor{"directory": x}, nil)
		if err == nil {
			t.Fatal("apply succeeded")
		}
		if !slices.Equal(x.undone, []string{"carl", "bert", "anna"}) {
			t.Errorf("undone %q, want newest first", x.undone)
		}
		if undoErr == nil && (res.Outcome != OutcomeRolledBack || !slices.Equal(res.RolledBack, []string{"undid 3 directory step(s)"})) {
			t.Errorf("%s, rolled back %q", res.Outcome, res.RolledBack)
		}
		if undoErr != nil && (res.Outcome != OutcomeRollbackFailed || res.RollbackError != "undo directory steps: anna is locked") {
			t.Errorf("%s, rollback error %q", res.Outcome, res.RollbackError)
		}
	}
}

// TestResumeOfAnotherTemplate: after an apply of another template was
// killed, its unfinished steps are not run, only named.
func TestResumeOfAnotherTemplate(t *testing.T) {
	r := newResumeRig(t)
	first := &plan.Plan{TemplateHash: "t1", Steps: []plan.Step{
		r.file(t, "/etc/svc/a.conf", "a\n"),
		plan.UnitStep("svc", "x.service", "restart"),
		plan.ProbeStep("svc", "svc", ""),
	}}
	crashAfter(t, 0, func() { r.apply(first) })
	res, err := r.apply(&plan.Plan{TemplateHash: "t2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 0 || len(r.units.Calls()) != 0 || len(r.probe.ran) != 0 {
		t.Errorf("ran steps of another template: %q, units %q", stepLines(res), r.units.Calls())
	}
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[1], "this apply is of another template, so they are not run again; check the units by hand: svc: ↻ restart unit x.service; svc: • run probe svc") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// TestFileModeKept: a file step whose spec gives no mode (FileStep fills
// it in from the file; a step built otherwise may not) keeps the mode the
// file has when its content changes, so an admin's chmod stays; a new
// file gets the default.
func TestFileModeKept(t *testing.T) {
	r := newResumeRig(t)
	write := func(content string) {
		t.Helper()
		st := plan.NewStep("svc", plan.Update, plan.KindFile, "/etc/svc/a.conf", "", plan.FileSpec{Path: "/etc/svc/a.conf", Content: content})
		if _, err := r.apply(&plan.Plan{Steps: []plan.Step{st}}); err != nil {
			t.Fatal(err)
		}
	}
	write("a\n")
	full := r.env.Path("/etc/svc/a.conf")
	if fi, _ := os.Stat(full); fi.Mode().Perm() != plan.DefaultFileMode {
		t.Errorf("new file mode %v, want %v", fi.Mode().Perm(), plan.DefaultFileMode)
	}
	os.Chmod(full, 0o600)
	write("b\n")
	if b, _ := os.ReadFile(full); string(b) != "b\n" {
		t.Fatalf("not rewritten: %q", b)
	}
	if fi, _ := os.Stat(full); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after a rewrite %v, want the admin's 0600", fi.Mode().Perm())
	}
}

// TestLeftoversOnlyAfterACrash: temporary files next to a managed file are
// removed only by the apply after an interrupted one; otherwise a
// .NAME.posse-* file may be another writer's and is left alone.
func TestLeftoversOnlyAfterACrash(t *testing.T) {
	r := newResumeRig(t)
	p := func(content string) *plan.Plan {
		return &plan.Plan{Steps: []plan.Step{r.file(t, "/etc/svc/a.conf", content)}}
	}
	if _, err := r.apply(p("a\n")); err != nil {
		t.Fatal(err)
	}
	other := r.env.Path("/etc/svc/.a.conf.posse-123")
	os.WriteFile(other, []byte("someone else's"), 0o600)
	res, err := r.apply(p("b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); err != nil || len(res.Warnings) != 0 {
		t.Errorf("a normal apply removed %s (%v) or warned %q", other, err, res.Warnings)
	}
	crashAfter(t, 0, func() { r.apply(p("c\n")) })
	res, err = r.apply(p("d\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) || len(res.Warnings) != 2 || !strings.Contains(res.Warnings[1], "removed /etc/svc/.a.conf.posse-123") {
		t.Errorf("after a crash: %s still there (%v), warnings %q", other, err, res.Warnings)
	}
}
