// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
)

const secretValue = "Tr0ub4dor&3-horse"

// fakeSamba is a small service: two config files (one with a secret), the
// native checker, a restart and a probe, planned only when a file changes.
type fakeSamba struct {
	workgroup string
	share     string
	probeErr  error
	probes    int
}

func (f *fakeSamba) Name() string { return "samba" }

func (f *fakeSamba) Plan(env *host.Env) ([]plan.Step, error) {
	specs := []plan.FileSpec{
		{Path: "/etc/samba/smb.conf", Content: "[global]\n\tworkgroup = " + f.workgroup + "\n", Mode: 0o644},
		{Path: "/etc/samba/shares.conf", Content: "[" + f.share + "]\n\tpath = /srv/" + f.share + "\n"},
		{Path: "/etc/samba/secret.conf", Content: "password = ${secret:samba_pw}\n", Mode: 0o600, Secret: true},
	}
	var steps []plan.Step
	for _, spec := range specs {
		st, changed, err := plan.FileStep(f.Name(), env, spec)
		if err != nil {
			return nil, err
		}
		if changed {
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return nil, nil
	}
	return append(steps,
		plan.CheckStep("samba", "testparm", "-s"),
		plan.UnitStep("samba", "smbd.service", "restart"),
		plan.ProbeStep("samba", "smb://localhost", "shares answer"),
	), nil
}

func (f *fakeSamba) Execute(_ context.Context, s plan.Step, _ *host.Env) error {
	if s.Kind != plan.KindProbe {
		return errors.New("unexpected step kind " + s.Kind)
	}
	f.probes++
	return f.probeErr
}

// fakeMail has one file and a reload.
type fakeMail struct{ hostname string }

func (f *fakeMail) Name() string { return "mail" }

func (f *fakeMail) Plan(env *host.Env) ([]plan.Step, error) {
	st, changed, err := plan.FileStep("mail", env, plan.FileSpec{Path: "/etc/postfix/main.cf", Content: "myhostname = " + f.hostname + "\n"})
	if err != nil || !changed {
		return nil, err
	}
	return []plan.Step{st, plan.UnitStep("mail", "postfix.service", "reload")}, nil
}

func (f *fakeMail) Execute(context.Context, plan.Step, *host.Env) error { return nil }

type testService interface {
	Executor
	Name() string
	Plan(env *host.Env) ([]plan.Step, error)
}

// rig is a temp root with fake units and runner.
type rig struct {
	t      *testing.T
	env    *host.Env
	units  *hosttest.FakeUnits
	runner *hosttest.FakeRunner
	samba  *fakeSamba
	mail   *fakeMail
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, units: hosttest.NewFakeUnits(), runner: hosttest.NewFakeRunner(t),
		samba: &fakeSamba{workgroup: "OLD", share: "akten"}, mail: &fakeMail{hostname: "old.example"}}
	r.units.Add("smbd.service", true, true)
	r.units.Add("postfix.service", true, true)
	r.env = &host.Env{Root: t.TempDir(), Units: r.units, Runner: r.runner, Secrets: hosttest.MapSecrets{"samba_pw": secretValue}}
	// smbd refuses a configuration with a "broken" workgroup, like a real
	// daemon refusing a bad config file.
	r.units.FailWhen("smbd.service", func() error {
		b, _ := os.ReadFile(r.env.Path("/etc/samba/smb.conf"))
		if bytes.Contains(b, []byte("BROKEN")) {
			return errors.New("smbd: bad workgroup")
		}
		return nil
	})
	return r
}

func (r *rig) services() []testService { return []testService{r.samba, r.mail} }

func (r *rig) makePlan() *plan.Plan {
	r.t.Helper()
	p := &plan.Plan{Version: plan.FormatVersion, Site: "Test", TemplateHash: "hash"}
	for _, s := range r.services() {
		steps, err := s.Plan(r.env)
		if err != nil {
			r.t.Fatal(err)
		}
		p.Steps = append(p.Steps, steps...)
	}
	return p
}

func (r *rig) apply(p *plan.Plan) (*Result, error) {
	execs := map[string]Executor{}
	for _, s := range r.services() {
		execs[s.Name()] = s
	}
	return Apply(context.Background(), p, r.env, execs, nil)
}

// converge plans and applies the current desired state; it must succeed.
func (r *rig) converge() *Result {
	r.t.Helper()
	res, err := r.apply(r.makePlan())
	if err != nil {
		r.t.Fatalf("apply: %v", err)
	}
	return res
}

func (r *rig) read(p string) string {
	b, err := os.ReadFile(r.env.Path(p))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func (r *rig) mode(p string) os.FileMode {
	fi, err := os.Stat(r.env.Path(p))
	if err != nil {
		return 0
	}
	return fi.Mode().Perm()
}

func (r *rig) pid(unit string) uint32 {
	st, _ := r.units.Status(context.Background(), unit)
	return st.MainPID
}

func TestApplyThenNoChanges(t *testing.T) {
	r := newRig(t)
	p := r.makePlan()
	if got := len(p.Steps); got != 8 {
		t.Fatalf("first plan has %d steps, want 8", got)
	}
	res := r.converge()
	if res.Outcome != OutcomeApplied || !res.OK() || !strings.HasPrefix(res.Summary(), "Applied: 4 created, 0 updated, 0 deleted, 1 restart, 1 reload, 2 steps run (unit jobs, checks, probes); 0 unchanged (") {
		t.Errorf("outcome %s: %s", res.Outcome, res.Summary())
	}
	if got := r.read("/etc/samba/secret.conf"); got != "password = "+secretValue+"\n" {
		t.Errorf("secret file = %q", got)
	}
	if m := r.mode("/etc/samba/secret.conf"); m != 0o600 {
		t.Errorf("secret file mode %o", m)
	}
	want := []string{"restart smbd.service", "reload postfix.service"}
	if got := r.units.Calls(); !slices.Equal(got, want) {
		t.Errorf("unit calls %q, want %q", got, want)
	}
	if got := r.runner.Argvs(); !slices.Equal(got, []string{"testparm -s"}) {
		t.Errorf("commands %q", got)
	}

	// Second round: the plan is empty and apply touches nothing.
	r.units.Reset()
	p = r.makePlan()
	if !p.Empty() {
		t.Fatalf("plan of an unchanged box has %d steps: %+v", len(p.Steps), p.Steps)
	}
	pid := r.pid("smbd.service")
	res = r.converge()
	if res.Outcome != OutcomeNoChanges || res.Summary() != "No changes." {
		t.Errorf("outcome %s, want %s (%s)", res.Outcome, OutcomeNoChanges, res.Summary())
	}
	if calls := r.units.Calls(); len(calls) != 0 || r.pid("smbd.service") != pid {
		t.Errorf("no-op apply touched units: %q", calls)
	}
	j, err := ReadJournal(r.env)
	if err != nil || len(j) != 2 || j[0].Outcome != OutcomeApplied || j[1].Outcome != OutcomeNoChanges || len(j[0].Steps) != 8 {
		t.Errorf("journal: %v %+v", err, j)
	}
}

// setUp applies the old state and changes the desired state.
func setUp(t *testing.T, workgroup string) *rig {
	r := newRig(t)
	r.converge()
	// An admin tightened smb.conf's mode by hand; rollback must keep it.
	os.Chmod(r.env.Path("/etc/samba/smb.conf"), 0o640)
	r.samba.workgroup = "OLD" // spec mode 0644 differs from 0640: planned as update
	r.units.Reset()
	r.samba.workgroup, r.samba.share = workgroup, "neu"
	r.mail.hostname = "new.example"
	return r
}

func TestRollback(t *testing.T) {
	tests := []struct {
		name      string
		workgroup string
		setup     func(r *rig)
		failed    string // StepLine of the failing step
		calls     []string
		rolled    []string
		pidChange bool
	}{
		{
			name: "checker fails: nothing restarted, files restored", workgroup: "NEW",
			setup: func(r *rig) {
				r.runner.On([]string{"testparm"}, host.Result{ExitCode: 1, Stderr: []byte("bad option")})
			},
			failed: "• run check testparm -s",
			calls:  nil,
			rolled: []string{"restored /etc/samba/shares.conf", "restored /etc/samba/smb.conf"},
		},
		{
			name: "restart fails: files restored, unit restarted on old config", workgroup: "BROKEN",
			failed:    "↻ restart unit smbd.service",
			calls:     []string{"restart smbd.service", "restart smbd.service"},
			rolled:    []string{"restored /etc/samba/shares.conf", "restored /etc/samba/smb.conf", "restarted smbd.service"},
			pidChange: true,
		},
		{
			name: "probe fails: files restored, unit restarted", workgroup: "NEW",
			setup:     func(r *rig) { r.samba.probeErr = errors.New("no answer on port 445") },
			failed:    "• run probe smb://localhost (shares answer)",
			calls:     []string{"restart smbd.service", "restart smbd.service"},
			rolled:    []string{"restored /etc/samba/shares.conf", "restored /etc/samba/smb.conf", "restarted smbd.service"},
			pidChange: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setUp(t, tt.workgroup)
			if tt.setup != nil {
				tt.setup(r)
			}
			oldConf, oldShares, oldMain := r.read("/etc/samba/smb.conf"), r.read("/etc/samba/shares.conf"), r.read("/etc/postfix/main.cf")
			oldPID := r.pid("smbd.service")
			p := r.makePlan()
			res, err := r.apply(p)
			if err == nil {
				t.Fatal("apply succeeded")
			}
			if res.FailedStep < 0 || plan.StepLine(p.Steps[res.FailedStep]) != tt.failed {
				t.Errorf("failed step %d, want %q", res.FailedStep, tt.failed)
			}
			if !strings.Contains(err.Error(), tt.failed) || !strings.Contains(err.Error(), "not applied: mail") {
				t.Errorf("error %q does not name the step and the skipped service", err)
			}
			if r.read("/etc/samba/smb.conf") != oldConf || r.read("/etc/samba/shares.conf") != oldShares {
				t.Errorf("files not restored: %q %q", r.read("/etc/samba/smb.conf"), r.read("/etc/samba/shares.conf"))
			}
			if m := r.mode("/etc/samba/smb.conf"); m != 0o640 {
				t.Errorf("mode after rollback %o, want 640", m)
			}
			if r.read("/etc/postfix/main.cf") != oldMain {
				t.Error("the later service was applied")
			}
			if got := r.units.Calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("unit calls %q, want %q", got, tt.calls)
			}
			if !slices.Equal(res.RolledBack, tt.rolled) {
				t.Errorf("rolled back %q, want %q", res.RolledBack, tt.rolled)
			}
			st, _ := r.units.Status(context.Background(), "smbd.service")
			if st.ActiveState != "active" || (st.MainPID != oldPID) == !tt.pidChange {
				t.Errorf("smbd after rollback: %s pid %d (was %d)", st.ActiveState, st.MainPID, oldPID)
			}
			if res.Outcome != OutcomeRolledBack || res.RollbackError != "" || !strings.HasPrefix(res.Summary(), "Failed at step") {
				t.Errorf("outcome %s %q: %s", res.Outcome, res.RollbackError, res.Summary())
			}
			var notRun int
			for _, s := range res.Steps {
				if s.Status == NotRun {
					notRun++
				}
			}
			if notRun != len(p.Steps)-res.FailedStep-1 {
				t.Errorf("%d steps not run, want %d", notRun, len(p.Steps)-res.FailedStep-1)
			}
		})
	}
}

func TestRollbackRemovesNewFiles(t *testing.T) {
	r := newRig(t)
	r.runner.On([]string{"testparm"}, host.Result{ExitCode: 1})
	if _, err := r.apply(r.makePlan()); err == nil {
		t.Fatal("apply succeeded")
	}
	for _, p := range []string{"/etc/samba/smb.conf", "/etc/samba", "/etc"} {
		if _, err := os.Stat(r.env.Path(p)); !os.IsNotExist(err) {
			t.Errorf("%s left behind after rollback of a fresh box", p)
		}
	}
}

func TestHistoryKeepsPreviousVersions(t *testing.T) {
	r := setUp(t, "NEW")
	old := r.read("/etc/samba/smb.conf")
	res := r.converge()
	got, err := os.ReadFile(r.env.State("history", res.ID, "files", "etc/samba/smb.conf"))
	if err != nil || string(got) != old {
		t.Errorf("history copy %q (%v), want %q", got, err, old)
	}
	manifest, _ := os.ReadFile(r.env.State("history", res.ID, "manifest.jsonl"))
	if !bytes.Contains(manifest, []byte(`"path":"/etc/samba/smb.conf","mode":416`)) {
		t.Errorf("manifest %s", manifest)
	}
}

func TestCrashBetweenFileWritesConverges(t *testing.T) {
	r := setUp(t, "NEW")
	func() {
		defer func() {
			if v := recover(); v != "crash" {
				t.Fatalf("recovered %v", v)
			}
		}()
		testHookAfterStep = func(i int, s plan.Step) {
			if i == 0 {
				panic("crash")
			}
		}
		defer func() { testHookAfterStep = nil }()
		r.apply(r.makePlan())
	}()
	if !strings.Contains(r.read("/etc/samba/smb.conf"), "NEW") || strings.Contains(r.read("/etc/samba/shares.conf"), "neu") {
		t.Fatalf("crash did not land between the writes: %q %q", r.read("/etc/samba/smb.conf"), r.read("/etc/samba/shares.conf"))
	}
	p := r.makePlan()
	for _, s := range p.Steps {
		if s.Target == "/etc/samba/smb.conf" {
			t.Errorf("already written file planned again")
		}
	}
	res := r.converge() // also proves the crashed apply released the lock
	if !strings.Contains(r.read("/etc/samba/shares.conf"), "neu") || !strings.Contains(r.read("/etc/postfix/main.cf"), "new.example") {
		t.Error("did not converge")
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "interrupted") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if p := r.makePlan(); !p.Empty() {
		t.Errorf("plan after convergence: %+v", p.Steps)
	}
}

func TestLockRefusesConcurrentApply(t *testing.T) {
	r := newRig(t)
	held, err := lock(r.env)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.apply(r.makePlan())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "(pid ") || !strings.Contains(err.Error(), "wait for it to finish") {
		t.Errorf("err = %v", err)
	}
	if _, serr := os.Stat(r.env.Path("/etc/samba/smb.conf")); !os.IsNotExist(serr) {
		t.Error("locked-out apply wrote files")
	}
	held.release()
	r.converge()
}

func TestSecretsStayOut(t *testing.T) {
	r := newRig(t)
	// A checker that echoes the secret in its error output.
	r.runner.On([]string{"testparm"}, host.Result{ExitCode: 1, Stderr: []byte("line 3: unknown value " + secretValue)})
	p := r.makePlan()
	var out bytes.Buffer
	plan.WriteText(&out, p)
	plan.WriteJSON(&out, p)
	res, err := r.apply(p)
	if err == nil {
		t.Fatal("apply succeeded")
	}
	journal, _ := os.ReadFile(r.env.State(JournalFile))
	for what, s := range map[string]string{"plan": out.String(), "error": err.Error(), "journal": string(journal), "result": res.Error} {
		if strings.Contains(s, secretValue) {
			t.Errorf("%s contains the secret: %s", what, s)
		}
	}
	if !strings.Contains(err.Error(), plan.Masked) {
		t.Errorf("error does not show the masked value: %v", err)
	}
	// Written files do hold it.
	r.runner.On([]string{"testparm"}, host.Result{})
	r.converge()
	if !strings.Contains(r.read("/etc/samba/secret.conf"), secretValue) {
		t.Error("secret not expanded in the written file")
	}
	if fi, _ := os.Stat(r.env.State(JournalFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %o", fi.Mode().Perm())
	}
}

func TestOffline(t *testing.T) {
	r := newRig(t)
	r.env.Offline = true
	r.env.Units, r.env.Runner = nil, nil
	res := r.converge()
	var skipped []string
	for _, s := range res.Steps {
		if s.Status == Skipped {
			skipped = append(skipped, s.Kind+" "+s.Target)
		}
	}
	want := []string{"check testparm -s", "unit smbd.service", "probe smb://localhost", "unit postfix.service"}
	if !slices.Equal(skipped, want) {
		t.Errorf("skipped %q, want %q", skipped, want)
	}
	if !strings.HasPrefix(res.Summary(), "Applied: 4 created, 0 updated, 0 deleted, 0 restarts, 0 reloads; 0 unchanged, 4 skipped offline (") {
		t.Errorf("summary %q", res.Summary())
	}
	if r.samba.probes != 0 || !strings.Contains(r.read("/etc/samba/smb.conf"), "OLD") {
		t.Error("offline apply ran a probe or did not write files")
	}
	if _, err := os.Stat(filepath.Join(r.env.Root, "var/lib/posse", JournalFile)); err != nil {
		t.Errorf("journal not under the root: %v", err)
	}
}

// TestUnitRollback runs unit steps followed by a failing probe and checks
// that unit-file state and running state are put back.
func TestUnitRollback(t *testing.T) {
	tests := []struct {
		name  string
		setup func(u *hosttest.FakeUnits)
		ops   []string // op unit
		calls []string
	}{
		{
			name:  "enable-now of a new unit is undone",
			setup: func(u *hosttest.FakeUnits) { u.Add("posse-backup.timer", false, false) },
			ops:   []string{"enable-now posse-backup.timer"},
			calls: []string{"enable posse-backup.timer", "start posse-backup.timer", "daemon-reload", "disable posse-backup.timer", "stop posse-backup.timer"},
		},
		{
			name:  "reload only is reloaded back",
			setup: func(u *hosttest.FakeUnits) { u.Add("postfix.service", true, true) },
			ops:   []string{"reload postfix.service"},
			calls: []string{"reload postfix.service", "reload postfix.service"},
		},
		{
			name:  "mask of a running unit",
			setup: func(u *hosttest.FakeUnits) { u.Add("smbd.service", true, true) },
			ops:   []string{"stop smbd.service", "mask smbd.service"},
			calls: []string{"stop smbd.service", "mask smbd.service", "daemon-reload", "unmask smbd.service", "restart smbd.service"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units := hosttest.NewFakeUnits()
			tt.setup(units)
			env := &host.Env{Root: t.TempDir(), Units: units}
			p := &plan.Plan{}
			for _, o := range tt.ops {
				op, unit, _ := strings.Cut(o, " ")
				p.Steps = append(p.Steps, plan.UnitStep("svc", unit, op))
			}
			p.Steps = append(p.Steps, plan.ProbeStep("svc", "x", ""))
			_, err := Apply(context.Background(), p, env, map[string]Executor{"svc": failing{}}, nil)
			if err == nil {
				t.Fatal("apply succeeded")
			}
			if got := units.Calls(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %q\nwant  %q", got, tt.calls)
			}
		})
	}
}

type failing struct{}

func (failing) Execute(context.Context, plan.Step, *host.Env) error {
	return errors.New("probe failed")
}

func TestCancelledContextRollsBack(t *testing.T) {
	r := setUp(t, "NEW")
	old := r.read("/etc/samba/smb.conf")
	ctx, cancel := context.WithCancel(context.Background())
	testHookAfterStep = func(i int, s plan.Step) {
		if i == 0 {
			cancel()
		}
	}
	defer func() { testHookAfterStep = nil }()
	_, err := Apply(ctx, r.makePlan(), r.env, map[string]Executor{"samba": r.samba, "mail": r.mail}, nil)
	if err == nil || !strings.Contains(err.Error(), "apply cancelled") {
		t.Fatalf("err = %v", err)
	}
	if r.read("/etc/samba/smb.conf") != old {
		t.Error("cancelled apply not rolled back")
	}
}

func TestSymlinkOutOfRootRefused(t *testing.T) {
	r := newRig(t)
	r.env.Offline = true
	outside := t.TempDir()
	os.MkdirAll(r.env.Path("/etc"), 0o755)
	if err := os.Symlink(outside, r.env.Path("/etc/samba")); err != nil {
		t.Fatal(err)
	}
	st := plan.NewStep("samba", plan.Create, plan.KindFile, "/etc/samba/smb.conf", "", plan.FileSpec{Path: "/etc/samba/smb.conf", Content: "x"})
	_, err := Apply(context.Background(), &plan.Plan{Steps: []plan.Step{st}}, r.env, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("err = %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("wrote outside the root: %v", ents)
	}
}

func TestDaemonReloadStep(t *testing.T) {
	units := hosttest.NewFakeUnits()
	env := &host.Env{Root: t.TempDir(), Units: units}
	p := &plan.Plan{Steps: []plan.Step{plan.UnitStep("svc", "", "daemon-reload")}}
	if _, err := Apply(context.Background(), p, env, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := units.Calls(); !slices.Equal(got, []string{"daemon-reload"}) {
		t.Errorf("calls %q", got)
	}
	if line := plan.StepLine(p.Steps[0]); line != "• daemon-reload unit systemd" {
		t.Errorf("step line %q", line)
	}
}

func TestLaterServiceFailureKeepsEarlierOnes(t *testing.T) {
	r := setUp(t, "NEW")
	oldMain := r.read("/etc/postfix/main.cf")
	r.units.FailNext("reload", "postfix.service", 1)
	res, err := r.apply(r.makePlan())
	if err == nil || res.FailedService != "mail" {
		t.Fatalf("err = %v, failed service %q", err, res.FailedService)
	}
	if !strings.Contains(r.read("/etc/samba/smb.conf"), "NEW") {
		t.Error("the earlier, successful service was rolled back")
	}
	if r.read("/etc/postfix/main.cf") != oldMain {
		t.Error("the failed service's file was not restored")
	}
	want := []string{"restart smbd.service", "reload postfix.service", "reload postfix.service"}
	if got := r.units.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}

type leakyExec struct{ secret string }

func (l leakyExec) Execute(context.Context, plan.Step, *host.Env) error {
	return errors.New("samba-tool: password " + l.secret + " is too short")
}

func TestExecutorErrorsAreRedacted(t *testing.T) {
	env := &host.Env{Root: t.TempDir(), Units: hosttest.NewFakeUnits(), Secrets: hosttest.MapSecrets{"amueller": secretValue}}
	st := plan.Step{Service: "directory", Action: plan.Create, Kind: "user", Target: "amueller",
		Changes: []plan.Change{{Field: "password", After: "${secret:amueller}", Sensitive: true}}}
	res, err := Apply(context.Background(), &plan.Plan{Steps: []plan.Step{st}}, env, map[string]Executor{"directory": leakyExec{secretValue}}, nil)
	if err == nil {
		t.Fatal("apply succeeded")
	}
	journal, _ := os.ReadFile(env.State(JournalFile))
	for what, s := range map[string]string{"error": err.Error(), "result": res.Error, "journal": string(journal)} {
		if strings.Contains(s, secretValue) || !strings.Contains(s, "password (sensitive) is too short") {
			t.Errorf("%s: %s", what, s)
		}
	}
}
