// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
)

// sshRig is a box root with the OpenSSH server installed and running.
func sshRig(t *testing.T) (*host.Env, *hosttest.FakeUnits, *hosttest.FakeRunner) {
	t.Helper()
	root := fakeRoot(t)
	write(t, filepath.Join(root, sshdPath), "")
	units := hosttest.NewFakeUnits()
	units.Add(SSHUnit, true, true)
	run := hosttest.NewFakeRunner(t)
	run.On([]string{"sshd", "-t"}, host.Result{})
	return &host.Env{Root: root, Units: units, Runner: run}, units, run
}

func stepTargets(steps []plan.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.Kind+" "+s.Target)
	}
	return out
}

func TestSSHDropInIsPlannedCheckedAndReloaded(t *testing.T) {
	env, _, run := sshRig(t)
	svc := New()
	steps, _, err := svc.Plan(context.Background(), siteWith(""), env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create file " + SSHConfPath, "run check sshd -t", "reload unit " + SSHUnit}
	if got := stepTargets(steps); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	r := &rig{t: t, env: env, svc: svc}
	if res, err := r.apply(steps); err != nil || !res.OK() {
		t.Fatalf("apply: %v", err)
	}
	if !slices.Contains(run.Argvs(), "sshd -t") {
		t.Errorf("sshd's own check did not run: %q", run.Argvs())
	}
	again, _, err := svc.Plan(context.Background(), siteWith(""), env)
	if err != nil || len(again) != 0 {
		t.Errorf("second plan: %v %q", err, stepTargets(again))
	}
}

func TestSSHDropInWithoutServerOrRunningSSH(t *testing.T) {
	env, units, _ := sshRig(t)
	units.Stop(context.Background(), SSHUnit)
	steps, _, err := New().Plan(context.Background(), siteWith(""), env)
	if err != nil {
		t.Fatal(err)
	}
	if got := stepTargets(steps); len(got) != 2 || strings.Contains(strings.Join(got, ","), "reload") {
		t.Errorf("a stopped ssh.service is reloaded: %q", got)
	}
	os.Remove(env.Path(sshdPath))
	if steps, _, _ := New().Plan(context.Background(), siteWith(""), env); len(steps) != 0 {
		t.Errorf("a box without sshd gets %q", stepTargets(steps))
	}
	env.Offline = true
	write(t, env.Path(sshdPath), "")
	if steps, _, _ := New().Plan(context.Background(), siteWith(""), env); len(steps) != 1 {
		t.Errorf("offline: %q, want the file only", stepTargets(steps))
	}
}

// TestSSHConfKeepsDomainUsersOut reads the drop-in as sshd does: the
// groups that may log in are local ones, no domain group and no wildcard,
// and office managers' sessions forward nothing. A golden file would let
// -update bless a weaker file; these are the properties.
func TestSSHConfKeepsDomainUsersOut(t *testing.T) {
	conf := RenderSSHConf()
	var allow []string
	var inMatch, officeNoForward bool
	for _, l := range strings.Split(conf, "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToLower(f[0]) {
		case "allowgroups":
			if inMatch {
				t.Error("AllowGroups inside a Match block")
			}
			allow = f[1:]
		case "match":
			inMatch = strings.EqualFold(f[1], "group") && strings.HasPrefix(f[2], "posse-office")
		case "disableforwarding":
			officeNoForward = inMatch && f[1] == "yes"
		case "allowusers", "denygroups":
			t.Errorf("unexpected %s", f[0])
		}
	}
	if !slices.Equal(allow, SSHLoginGroups) {
		t.Errorf("AllowGroups %q, want %q", allow, SSHLoginGroups)
	}
	for _, g := range allow {
		if strings.ContainsAny(g, "*?\\@") || strings.Contains(strings.ToLower(g), "domain") {
			t.Errorf("AllowGroups lets in %q", g)
		}
	}
	if !officeNoForward {
		t.Error("office managers' SSH sessions may forward ports")
	}
}
