// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/sandbox"
	"github.com/posse-project/posse/services/systemd"
)

// demoUnit refuses to start or reload unless its config file says "good",
// like a daemon refusing a broken configuration.
const demoUnit = `[Unit]
Description=Posse demo service
[Service]
ExecStartPre=/bin/grep -q good /etc/posse-demo.conf
ExecStart=/bin/sleep infinity
ExecReload=/bin/grep -q good /etc/posse-demo.conf
[Install]
WantedBy=multi-user.target
`

// boxRunner runs commands inside a box: the check steps of an apply.
type boxRunner struct{ b *sandbox.Box }

func (r boxRunner) Run(ctx context.Context, c host.Cmd) (host.Result, error) {
	var o, e bytes.Buffer
	code, err := r.b.Run(ctx, sandbox.RunOptions{Stdin: bytes.NewReader(c.Stdin), Stdout: &o, Stderr: &e, Env: c.Env}, c.Argv...)
	res := host.Result{Stdout: o.Bytes(), Stderr: e.Bytes(), ExitCode: code}
	if err == nil && code != 0 {
		err = &execx.ExitError{Name: c.Argv[0], Code: code, Stderr: execx.LastLines(res.Stderr, 5)}
	}
	return res, err
}

// systemdBox boots a box with the demo unit and connects to its systemd.
func systemdBox(t *testing.T) (*harness.TestBox, *systemd.Units, string) {
	tb := harness.Box(t, "sysd")
	root := fmt.Sprintf("/proc/%d/root", tb.Sandbox().PID())
	for p, c := range map[string]string{"/etc/systemd/system/posse-demo.service": demoUnit, "/etc/posse-demo.conf": "good\n"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	start := time.Now()
	u, err := systemd.Dial(ctx, tb.BusAddress(), systemd.WithJournal(systemd.Journalctl(&execx.Runner{}, "--root="+root)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	t.Logf("connected to the box's systemd in %v", time.Since(start))
	if err := u.DaemonReload(ctx); err != nil {
		t.Fatal(err)
	}
	return tb, u, root
}

// TestSystemdUnits drives a real systemd in a box over D-Bus from the host.
func TestSystemdUnits(t *testing.T) {
	_, u, root := systemdBox(t)
	ctx := context.Background()
	const unit = "posse-demo.service"
	setConf := func(s string) {
		if err := os.WriteFile(filepath.Join(root, "etc/posse-demo.conf"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	status := func() host.UnitStatus {
		st, err := u.Status(ctx, unit)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	var lastPID uint32
	steps := []struct {
		name   string
		do     func() error
		err    string // substring of the expected error, "" for success
		active string
		file   string
		pid    string // "new", "same", "none"
	}{
		{name: "enable", do: func() error { return u.Enable(ctx, unit) }, active: "inactive", file: "enabled", pid: "none"},
		{name: "start", do: func() error { return u.Start(ctx, unit) }, active: "active", file: "enabled", pid: "new"},
		{name: "reload keeps the pid", do: func() error { return u.Reload(ctx, unit) }, active: "active", file: "enabled", pid: "same"},
		{name: "restart changes the pid", do: func() error { return u.Restart(ctx, unit) }, active: "active", file: "enabled", pid: "new"},
		{name: "reload with a bad config fails", do: func() error { setConf("bad\n"); return u.Reload(ctx, unit) },
			err: "reload posse-demo.service: job failed (unit is active/running", active: "active", file: "enabled", pid: "same"},
		{name: "restart with a bad config fails with the journal", do: func() error { return u.Restart(ctx, unit) },
			err: "Control process exited", active: "failed", file: "enabled", pid: "none"},
		{name: "restart on the good config", do: func() error { setConf("good\n"); return u.Restart(ctx, unit) }, active: "active", file: "enabled", pid: "new"},
		{name: "disable", do: func() error { return u.Disable(ctx, unit) }, active: "active", file: "disabled", pid: "same"},
		{name: "stop", do: func() error { return u.Stop(ctx, unit) }, active: "inactive", file: "disabled", pid: "none"},
		{name: "missing unit", do: func() error { return u.Start(ctx, "posse-missing.service") }, err: "not found", active: "inactive", file: "disabled", pid: "none"},
		{name: "bad name never reaches systemd", do: func() error { return u.Start(ctx, "x;reboot") }, err: "invalid unit name", active: "inactive", file: "disabled", pid: "none"},
	}
	for _, s := range steps {
		start := time.Now()
		err := s.do()
		d := time.Since(start)
		switch {
		case s.err == "" && err != nil:
			t.Errorf("%s: %v", s.name, err)
		case s.err != "" && (err == nil || !strings.Contains(err.Error(), s.err)):
			t.Errorf("%s: err = %v, want %q", s.name, err, s.err)
		}
		st := status()
		if st.ActiveState != s.active || st.UnitFileState != s.file {
			t.Errorf("%s: unit is %s/%s, want %s/%s", s.name, st.ActiveState, st.UnitFileState, s.active, s.file)
		}
		switch s.pid {
		case "new":
			if st.MainPID == 0 || st.MainPID == lastPID {
				t.Errorf("%s: MainPID %d, want a new one (was %d)", s.name, st.MainPID, lastPID)
			}
		case "same":
			if st.MainPID != lastPID {
				t.Errorf("%s: MainPID %d, want %d", s.name, st.MainPID, lastPID)
			}
		case "none":
			if st.MainPID != 0 {
				t.Errorf("%s: MainPID %d, want 0", s.name, st.MainPID)
			}
		}
		lastPID = st.MainPID
		t.Logf("%-50s %8v  %s/%s pid %d", s.name, d.Round(time.Millisecond), st.ActiveState, st.SubState, st.MainPID)
	}
	if st, err := u.Status(ctx, "posse-missing.service"); err != nil || st.LoadState != "not-found" {
		t.Errorf("status of a missing unit: %+v %v", st, err)
	}
}

// TestApplyRollbackOnRealSystemd applies a plan whose new config makes the
// unit fail to restart, and checks that the engine restores the file and
// restarts the unit on the old config.
func TestApplyRollbackOnRealSystemd(t *testing.T) {
	tb, u, root := systemdBox(t)
	ctx := context.Background()
	if err := u.Start(ctx, "posse-demo.service"); err != nil {
		t.Fatal(err)
	}
	env := &host.Env{Root: root, StateDir: "/var/lib/posse", Units: u, Runner: boxRunner{tb.Sandbox()}}
	mk := func(conf string) *plan.Plan {
		st, changed, err := plan.FileStep("demo", env, plan.FileSpec{Path: "/etc/posse-demo.conf", Content: conf, Mode: 0o640})
		if err != nil || !changed {
			t.Fatalf("FileStep: %v changed=%v", err, changed)
		}
		return &plan.Plan{Steps: []plan.Step{st, plan.CheckStep("demo", "test", "-s", "/etc/posse-demo.conf"), plan.UnitStep("demo", "posse-demo.service", "restart")}}
	}
	before, _ := u.Status(ctx, "posse-demo.service")
	res, err := apply.Apply(ctx, mk("bad config\n"), env, nil, apply.NewTextProgress(testWriter{t}, false))
	if err == nil {
		t.Fatal("apply of a config the unit refuses succeeded")
	}
	t.Logf("apply failed as it should: %v", err)
	got, _ := os.ReadFile(filepath.Join(root, "etc/posse-demo.conf"))
	fi, _ := os.Stat(filepath.Join(root, "etc/posse-demo.conf"))
	if string(got) != "good\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("config after rollback: %q mode %o, want the old bytes and mode 644", got, fi.Mode().Perm())
	}
	after, _ := u.Status(ctx, "posse-demo.service")
	if after.ActiveState != "active" || after.MainPID == before.MainPID {
		t.Errorf("unit after rollback: %+v (before: pid %d)", after, before.MainPID)
	}
	if res.Outcome != apply.OutcomeRolledBack {
		t.Errorf("outcome %s", res.Outcome)
	}

	// A good config applies, and a second apply of it changes nothing.
	if _, err := apply.Apply(ctx, mk("good, new\n"), env, nil, apply.NewTextProgress(testWriter{t}, false)); err != nil {
		t.Fatal(err)
	}
	if _, changed, _ := plan.FileStep("demo", env, plan.FileSpec{Path: "/etc/posse-demo.conf", Content: "good, new\n", Mode: 0o640}); changed {
		t.Error("plan after apply still sees a change")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
