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
	"github.com/posse-project/posse/provisioning/site"
)

// updatesRig is a box root with unattended-upgrades installed and apt's
// upgrade timer running.
func updatesRig(t *testing.T) (*host.Env, *hosttest.FakeRunner) {
	t.Helper()
	root := fakeRoot(t)
	write(t, filepath.Join(root, unattendedUpgradePath), "")
	units := hosttest.NewFakeUnits()
	units.Add(UpgradeTimer, true, true)
	run := hosttest.NewFakeRunner(t)
	run.On([]string{"apt-config", "dump"}, host.Result{})
	return &host.Env{Root: root, Units: units, Runner: run}, run
}

func siteWithUpdates(u *site.Updates) *site.Site {
	s := siteWith("")
	s.Updates = u
	return s
}

func TestRenderUnattended(t *testing.T) {
	sec := RenderUnattended(site.Updates{Automatic: site.UpdatesSecurity, Reboot: "Sun 03:00"})
	for _, want := range []string{
		"#clear Unattended-Upgrade::Origins-Pattern;\n",
		`"origin=Debian,codename=${distro_codename}-security,label=Debian-Security";`,
		"Unattended-Upgrade::Automatic-Reboot \"true\";\n",
		"Unattended-Upgrade::Automatic-Reboot-Time \"03:00\";\n",
		"APT::Periodic::Unattended-Upgrade \"1\";\n",
		"APT::Periodic::Update-Package-Lists \"1\";\n",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("security config lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "label=Debian\"") || strings.Contains(sec, "-updates") {
		t.Errorf("security config installs more than security:\n%s", sec)
	}
	all := RenderUnattended(site.Updates{Automatic: site.UpdatesAll})
	if !strings.Contains(all, "label=Debian\";") || !strings.Contains(all, "-updates\";") || !strings.Contains(all, "Automatic-Reboot \"false\"") || strings.Contains(all, "Reboot-Time") {
		t.Errorf("all without reboot:\n%s", all)
	}
	if got := RenderUpgradeTimerDropIn("Sun", "00:30"); !strings.Contains(got, "OnCalendar=\nOnCalendar=Sat *-*-* 23:30:00\n") {
		t.Errorf("drop-in:\n%s", got)
	}
}

func TestAutomaticUpdatesArePlannedCheckedAndIdempotent(t *testing.T) {
	env, run := updatesRig(t)
	svc := New()
	st := siteWithUpdates(&site.Updates{Automatic: site.UpdatesSecurity, Reboot: "Sun 03:00"})
	steps, _, err := svc.Plan(context.Background(), st, env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create file " + UnattendedConfPath, "run check apt-config dump", "create file " + UpgradeTimerDropIn,
		"run unit systemd", "restart unit " + UpgradeTimer}
	if got := stepTargets(steps); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	r := &rig{t: t, env: env, svc: svc}
	if res, err := r.apply(steps); err != nil || !res.OK() {
		t.Fatalf("apply: %v", err)
	}
	if !slices.Contains(run.Argvs(), "apt-config dump") {
		t.Errorf("apt-config did not check the file: %q", run.Argvs())
	}
	drop, _ := os.ReadFile(env.Path(UpgradeTimerDropIn))
	if !strings.Contains(string(drop), "OnCalendar=Sun *-*-* 02:00:00") {
		t.Errorf("drop-in:\n%s", drop)
	}
	again, _, err := svc.Plan(context.Background(), st, env)
	if err != nil || len(again) != 0 {
		t.Errorf("second plan: %v %q", err, stepTargets(again))
	}

	// A window without a day keeps apt's daily timer: the drop-in goes.
	st.Updates.Reboot = "03:00"
	steps, _, err = svc.Plan(context.Background(), st, env)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"delete file " + UpgradeTimerDropIn,
		"run unit systemd", "restart unit " + UpgradeTimer}
	if got := stepTargets(steps); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	if res, err := r.apply(steps); err != nil || !res.OK() {
		t.Fatalf("apply: %v", err)
	}

	// off (and no updates key) removes Posse's files.
	for _, u := range []*site.Updates{{Automatic: site.UpdatesOff}, nil} {
		steps, _, err = svc.Plan(context.Background(), siteWithUpdates(u), env)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := r.apply(steps); err != nil || !res.OK() {
			t.Fatalf("apply: %v", err)
		}
		if _, err := os.Stat(env.Path(UnattendedConfPath)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", UnattendedConfPath, err)
		}
	}
}

func TestAutomaticUpdatesNeedUnattendedUpgrades(t *testing.T) {
	env, _ := updatesRig(t)
	os.Remove(env.Path(unattendedUpgradePath))
	_, _, err := New().Plan(context.Background(), siteWithUpdates(&site.Updates{Automatic: site.UpdatesAll}), env)
	if err == nil || !strings.Contains(err.Error(), "apt-get install unattended-upgrades") {
		t.Errorf("got %v", err)
	}
	// off needs nothing installed.
	if _, _, err := New().Plan(context.Background(), siteWithUpdates(&site.Updates{Automatic: site.UpdatesOff}), env); err != nil {
		t.Errorf("off: %v", err)
	}
}
