// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/daemon/daemontest"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
)

// fakeBox is daemontest's backend with a plan, health and export, and the
// secrets possed received.
type fakeBox struct {
	*daemontest.Backend

	mu      sync.Mutex
	secrets []map[string]string
	applied int
}

func (f *fakeBox) record(secrets map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := map[string]string{}
	for k, v := range secrets {
		cp[k] = v
	}
	f.secrets = append(f.secrets, cp)
}

func (f *fakeBox) lastSecrets() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.secrets) == 0 {
		return nil
	}
	return f.secrets[len(f.secrets)-1]
}

func (f *fakeBox) appliedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

// fakeSteps are the steps daemontest.Backend.Apply reports.
func fakeSteps() []plan.Step {
	var out []plan.Step
	for _, t := range []string{"/etc/f0", "/etc/f1", "/etc/f2"} {
		out = append(out, plan.Step{Service: "directory", Action: plan.Create, Kind: "file", Target: t, Summary: "write file"})
	}
	return out
}

// Plan: three steps, none for a template containing "nochange".
func (f *fakeBox) Plan(_ context.Context, t []byte, secrets map[string]string) (api.PlanResult, error) {
	f.record(secrets)
	p := &plan.Plan{}
	if !strings.Contains(string(t), "nochange") {
		p.Steps = fakeSteps()
	}
	if strings.Contains(string(t), "problem") {
		return api.PlanResult{Problems: []api.Problem{{Path: "users[0].password", Line: 4, Column: 15, Message: `secret "anna" is not set`}}}, nil
	}
	return possed.PlanResult(p)
}

// Apply runs daemontest's three steps and returns the engine's record.
func (f *fakeBox) Apply(ctx context.Context, t []byte, secrets map[string]string, progress func(bool, api.Step)) (api.ApplyResult, error) {
	f.record(secrets)
	f.mu.Lock()
	f.applied++
	f.mu.Unlock()
	if strings.Contains(string(t), "nochange") {
		return possed.ApplyResult(&apply.Result{ID: "r0", Outcome: apply.OutcomeNoChanges, FailedStep: -1}), nil
	}
	r, err := f.Backend.Apply(ctx, t, secrets, progress)
	rec := apply.Result{ID: "r1", Outcome: r.Outcome, FailedStep: -1, DurationMS: 1200}
	for i := range 3 {
		st := apply.Done
		if r.Outcome == apply.OutcomeRolledBack && i > 0 {
			st = map[int]apply.Status{1: apply.Failed, 2: apply.NotRun}[i]
		}
		rec.Steps = append(rec.Steps, apply.StepResult{Index: i, Service: "directory", Action: plan.Create, Status: st})
	}
	if r.Outcome == apply.OutcomeRolledBack {
		rec.FailedStep, rec.FailedService, rec.Error, rec.RolledBack = 1, "directory", r.Error, r.RolledBack
	}
	typed := possed.ApplyResult(&rec)
	typed.Job, typed.Error = r.Job, r.Error
	return typed, err
}

// Health: the directory is healthy.
func (f *fakeBox) Health(context.Context, string) ([]api.ServiceStatus, error) {
	return []api.ServiceStatus{{Name: "directory", Unit: "samba-ad-dc.service", State: "active", Healthy: true}}, nil
}

// Export: the applied template.
func (f *fakeBox) Export(context.Context) ([]byte, error) {
	return []byte("version: 1\nsite:\n  name: Test Site\n"), nil
}

// rig is possed on a private bus with the fake box. Callers are trusted
// (as root is) unless refuse is set; then the fake polkit refuses them.
type rig struct {
	addr   string
	box    *fakeBox
	refuse atomic.Bool
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{addr: daemontest.StartBus(t), box: &fakeBox{Backend: daemontest.NewBackend()}}
	daemontest.StartPolkit(t, r.addr)
	conn := daemontest.Connect(t, r.addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    r.box,
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return !r.refuse.Load() }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs possectl against the rig's bus with stdin.
func (r *rig) run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return possectlIn(t, stdin, append([]string{"--bus-address", r.addr}, args...)...)
}

// writeFile writes a file for a test with mode.
func writeFile(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	testTemplate = `version: 1
site:
  name: "Test Site"
  domain: test.example
  workgroup: TEST
directory:
  admin_password: ${secret:domain_admin}
users:
  - username: jdoe
    given_name: Jane
    surname: Doe
    password: ${secret:jdoe}
`
	testSecrets = "domain_admin: \"Admin-Pw-2026-long!\"\njdoe: \"Jane-Pw-2026-long\"\nunused: \"Not-Sent-2026-pw\"\n"
)

// TestClientCommands runs possectl's client commands against possed with
// a fake backend on a private bus.
func TestClientCommands(t *testing.T) {
	r := newRig(t)
	tmpl := writeFile(t, "site.yaml", testTemplate, 0o644)
	failing := writeFile(t, "site.yaml", testTemplate+"# fail\n", 0o644)
	unchanged := writeFile(t, "site.yaml", testTemplate+"# nochange\n", 0o644)
	problem := writeFile(t, "problem.yaml", testTemplate+"# problem\n", 0o644)
	secrets := writeFile(t, "secrets.yaml", testSecrets, 0o600)
	open := writeFile(t, "secrets.yaml", testSecrets, 0o644)

	tests := []struct {
		name      string
		refuse    bool
		stdin     string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStdout []string
		check     func(t *testing.T)
	}{
		{name: "status", args: []string{"status"}, stdout: []string{`box: site "Test Site", possed test`, "SERVICE", "directory", "samba-ad-dc.service", "ok"}},
		{name: "status json", args: []string{"status", "--json"}, stdout: []string{`"service": "directory"`, `"ok": true`}, notStdout: []string{"possed test"}},
		{name: "plan", args: []string{"plan", tmpl, "--secrets", secrets}, stdout: []string{"+ create file /etc/f0 (write file)"}, check: func(t *testing.T) {
			got := r.box.lastSecrets()
			if len(got) != 2 || got["domain_admin"] != "Admin-Pw-2026-long!" || got["jdoe"] != "Jane-Pw-2026-long" {
				t.Errorf("possed got secrets %v, want the two the template references", keys(got))
			}
		}},
		{name: "plan json", args: []string{"plan", tmpl, "--secrets", secrets, "--json"}, stdout: []string{`"target": "/etc/f1"`}},
		{name: "plan json keeps its shape", args: []string{"plan", tmpl, "--secrets", secrets, "--json"}, stdout: []string{
			"{\n  \"version\": 0,\n  \"site\": \"\",\n  \"template_hash\": \"\",\n  \"steps\": [\n    {\n      \"service\": \"directory\",\n      \"action\": \"create\",\n      \"kind\": \"file\",\n      \"target\": \"/etc/f0\",\n      \"summary\": \"write file\"\n    },"}},
		{name: "plan with problems names the file", args: []string{"plan", problem, "--secrets", secrets}, code: 1, stderr: []string{
			problem + ":4:15: secret \"anna\" is not set\n  hint: put the missing secrets in the --secrets file (mode 0600) or set POSSE_SECRET_<NAME>"}},
		{name: "apply with problems changes nothing", args: []string{"apply", problem, "--secrets", secrets, "--yes"}, code: 1, stderr: []string{problem + ":4:15:"}, notStdout: []string{"Applied"}},
		{name: "plan with a readable secrets file", args: []string{"plan", tmpl, "--secrets", open}, code: 1, stderr: []string{"chmod 600"}},
		{name: "apply", args: []string{"apply", tmpl, "--secrets", secrets, "--yes"}, stdout: []string{
			"+ create file /etc/f0 (write file)",
			"[1/3] directory: + create file /etc/f0 (write file) ...",
			"✓ [3/3] directory: + create file /etc/f2 (write file): done",
			"Applied: 3 created, 0 updated, 0 deleted, 0 restarts, 0 reloads; 0 unchanged (1.2s).",
		}},
		{name: "apply rolled back", args: []string{"apply", failing, "--secrets", secrets, "--yes"}, code: 1, stdout: []string{
			"✗ [2/3] directory: + create file /etc/f1 (write file): failed: unit did not start",
			"↩ directory rolled back: restored /etc/f0",
			"Failed at step 2 (directory); directory was rolled back, 1 later steps not run",
		}, stderr: []string{"apply failed: directory: step 2 failed"}},
		{name: "apply without changes records the site", args: []string{"apply", unchanged, "--secrets", secrets}, stdout: []string{"No changes"}, notStdout: []string{"Applied"}, check: func(t *testing.T) {
			if r.box.appliedCount() == 0 {
				t.Error("possed was not asked to record the unchanged site")
			}
		}},
		{name: "apply needs --yes without a terminal", args: []string{"apply", tmpl, "--secrets", secrets}, code: 2, stderr: []string{"pass --yes"}},
		{name: "users add", stdin: "Anna-Pw-2026-long\n", args: []string{"users", "add", "anna", "--given-name", "Anna", "--group", "staff", "--password-stdin"}, stdout: []string{"created user anna"}, check: func(t *testing.T) {
			if pw := r.box.Password("anna"); pw != "Anna-Pw-2026-long" {
				t.Errorf("anna's password is %q", pw)
			}
		}},
		{name: "users add notes flags that no longer count", stdin: "Bert-Pw-2026-long\n", args: []string{"users", "add", "bert", "--password-stdin", "--secrets", secrets}, stdout: []string{"created user bert"}, stderr: []string{"--secrets no longer count"}},
		{name: "users list", args: []string{"users", "list"}, stdout: []string{"USERNAME", "anna", "Anna", "staff", "enabled"}},
		{name: "users show missing", args: []string{"users", "show", "nobody"}, code: 1, stderr: []string{"nobody"}},
		{name: "users disable", args: []string{"users", "disable", "anna"}, stdout: []string{"disabled user anna"}},
		{name: "users set", args: []string{"users", "set", "anna", "--display-name", "Anna M.", "--aliases", "info@example.org"}, stdout: []string{"updated user anna: display-name, aliases"}, check: func(t *testing.T) {
			code, out, _ := r.run(t, "", "users", "show", "anna", "--json")
			if code != 0 || !strings.Contains(out, `"DisplayName": "Anna M."`) && !strings.Contains(out, `"display_name": "Anna M."`) || !strings.Contains(out, "info@example.org") {
				t.Errorf("after users set: %s", out)
			}
		}},
		{name: "users set json", args: []string{"users", "set", "anna", "--given-name", "Annette", "--json"}, stdout: []string{"Annette"}},
		{name: "users set nothing", args: []string{"users", "set", "anna"}, code: 2, stderr: []string{"nothing to change"}},
		{name: "users import refuses --no-must-change", args: []string{"users", "import", tmpl, "--passwords-out", "x", "--no-must-change"}, code: 2, stderr: []string{"--no-must-change is not supported by import"}},
		{name: "export", args: []string{"export"}, stdout: []string{"name: Test Site"}},
		{name: "export --only needs --direct", args: []string{"export", "--only", "mail"}, code: 2, stderr: []string{"--only works only with --direct"}},
		{name: "not authorized to add a user", refuse: true, stdin: "Carl-Pw-2026-long\n", args: []string{"users", "add", "carl", "--password-stdin"}, code: 1,
			stderr: []string{"you are not allowed to manage users on this box: ask an administrator to add you to posse-office (or posse-admin)"}},
		{name: "not authorized to apply", refuse: true, args: []string{"apply", tmpl, "--secrets", secrets, "--yes"}, code: 1,
			stderr: []string{"you are not allowed to plan a site on this box: ask an administrator to add you to posse-admin"}},
		{name: "--direct with --host", args: []string{"status", "--direct", "--host", "root@box"}, code: 2, stderr: []string{"--direct works only on the box itself"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.refuse.Store(tc.refuse)
			code, out, errOut := r.run(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notStdout {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			for _, secret := range []string{"Admin-Pw-2026-long!", "Jane-Pw-2026-long", "Anna-Pw-2026-long"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output shows the secret %q", secret)
				}
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// TestGeneratedPassword: set-password without stdin generates a password
// into the 0600 passwords file and never prints it.
func TestGeneratedPassword(t *testing.T) {
	r := newRig(t)
	if code, out, errOut := r.run(t, "Dora-Pw-2026-long\n", "users", "add", "dora", "--password-stdin"); code != 0 {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	pwFile := filepath.Join(t.TempDir(), "pw.csv")
	code, out, errOut := r.run(t, "", "users", "set-password", "dora", "--passwords-out", pwFile)
	if code != 0 {
		t.Fatalf("set-password: %d %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimPrefix(strings.TrimSpace(string(b)), "dora,")
	if len(pw) < generatedLength || r.box.Password("dora") != pw {
		t.Errorf("passwords file has %q, possed got another or a short one", pw)
	}
	if strings.Contains(out+errOut, pw) {
		t.Error("the generated password was printed")
	}
	if st, _ := os.Stat(pwFile); st.Mode().Perm() != 0o600 {
		t.Errorf("passwords file mode %o", st.Mode().Perm())
	}
}

// TestDaemonNotReachable: a bus without possed says to start or install it.
func TestDaemonNotReachable(t *testing.T) {
	addr := daemontest.StartBus(t)
	for _, args := range [][]string{{"status"}, {"users", "list"}, {"export"}} {
		code, _, errOut := possectlIn(t, "", append([]string{"--bus-address", addr}, args...)...)
		if code != 1 || !strings.Contains(errOut, "possed is not running on this box and the bus cannot start it: start it as root with 'systemctl start possed' (if there is no such unit, install the posse package)") {
			t.Errorf("%v without possed: exit %d, %s", args, code, errOut)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
