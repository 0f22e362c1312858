// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/services/system"
)

// updatesBox is a Box whose apt has posse-probe 1.0 installed and 1.1
// pending from a security suite until the upgrade ran.
func updatesBox(t *testing.T) (*Box, *hosttest.FakeRunner, *atomic.Bool) {
	t.Helper()
	var upgraded atomic.Bool
	run := hosttest.NewFakeRunner(t)
	run.On([]string{"apt-get", "update"}, host.Result{})
	run.OnFunc([]string{"apt-get", "-s"}, func(host.Cmd) (host.Result, error) {
		if upgraded.Load() {
			return host.Result{Stdout: []byte("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")}, nil
		}
		return host.Result{Stdout: []byte("Inst posse-probe [1.0] (1.1 Debian-Security:trixie-security [all])\nConf posse-probe (1.1 Debian-Security:trixie-security [all])\n")}, nil
	})
	run.OnFunc([]string{"systemd-run"}, func(host.Cmd) (host.Result, error) {
		upgraded.Store(true)
		return host.Result{Stderr: []byte("Running as unit: posse-updates.service; invocation ID: 0123456789abcdef0123456789abcdef\nFinished with result: success\n")}, nil
	})
	run.On([]string{"journalctl", "--no-pager", "-q", "-o", "cat", "-n", "20", "_SYSTEMD_INVOCATION_ID=0123456789abcdef0123456789abcdef"},
		host.Result{Stdout: []byte("Unpacking posse-probe (1.1) over (1.0) ...\nSetting up posse-probe (1.1) ...\n")})
	run.OnFunc([]string{"dpkg-query"}, func(host.Cmd) (host.Result, error) {
		v := "1.0"
		if upgraded.Load() {
			v = "1.1"
		}
		return host.Result{Stdout: []byte("posse-probe\tall\tii \t" + v + "\n")}, nil
	})
	b := &Box{Root: t.TempDir(), Runner: run, Units: hosttest.NewFakeUnits()}
	return b, run, &upgraded
}

func TestUpdatesListsWithoutRefreshingUnlessAsked(t *testing.T) {
	b, run, _ := updatesBox(t)
	u, err := b.Updates(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Pending) != 1 || u.Security != 1 || u.Pending[0].Installed != "1.0" || u.Pending[0].Candidate != "1.1" || u.Refreshed || u.ID == "" {
		t.Errorf("updates: %+v", u)
	}
	if slices.ContainsFunc(run.Argvs(), func(a string) bool { return a == "apt-get update -q" }) {
		t.Errorf("apt-get update ran without refresh: %q", run.Argvs())
	}
	if !slices.Contains(run.Argvs(), "apt-get -s -q -o Debug::NoLocking=1 upgrade") {
		t.Errorf("the simulation: %q", run.Argvs())
	}
	u, err = b.Updates(context.Background(), true)
	if err != nil || !u.Refreshed || u.ListsUpdated == "" {
		t.Errorf("refresh: %+v %v", u, err)
	}
	if !slices.Contains(run.Argvs(), "apt-get update -q") {
		t.Errorf("apt-get update did not run: %q", run.Argvs())
	}
}

func TestApplyUpdatesInstallsThePlanInItsUnit(t *testing.T) {
	b, run, upgraded := updatesBox(t)
	if _, err := b.ApplyUpdates(context.Background(), "0123456789abcdef"); !errors.Is(err, daemon.ErrInvalid) || upgraded.Load() {
		t.Fatalf("a stale id: %v (upgraded %v)", err, upgraded.Load())
	}
	u, _ := b.Updates(context.Background(), false)
	r, err := b.ApplyUpdates(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Unit != system.UpdatesUnit || len(r.Upgraded) != 1 || r.Upgraded[0].Installed != "1.1" || r.Pending != 0 || !strings.Contains(r.Log, "Setting up posse-probe") {
		t.Errorf("applied: %+v", r)
	}
	after, err := b.Updates(context.Background(), false)
	if err != nil || after.LastUpgrade == "" || after.LastUpgradeResult != "success" || after.LastUpgradePackages != 1 || len(after.Pending) != 0 {
		t.Errorf("after the upgrade: %+v %v", after, err)
	}
	var argv []string
	for _, c := range run.Cmds() {
		if c.Argv[0] == "systemd-run" {
			argv = c.Argv
		}
	}
	joined := strings.Join(argv, " ")
	for _, want := range []string{"--unit=posse-updates.service", "--setenv=DEBIAN_FRONTEND=noninteractive", "Dpkg::Options::=--force-confold", "apt-get -y"} {
		if !strings.Contains(joined, want) {
			t.Errorf("upgrade argv %q lacks %q", joined, want)
		}
	}
}
