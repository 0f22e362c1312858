// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/client/fleet"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// fleetFake is a box that ran a backup two hours ago; with slow set its
// status never answers.
type fleetFake struct {
	*fakeBox
	slow bool
}

func (f *fleetFake) BackupStatus(context.Context) (api.BackupStatus, error) {
	return api.BackupStatus{Configured: true, LastRun: time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339), LastResult: "success"}, nil
}

func (f *fleetFake) Status(ctx context.Context) (api.Status, error) {
	if f.slow {
		<-ctx.Done()
		return api.Status{}, ctx.Err()
	}
	return f.fakeBox.Status(ctx)
}

// fleetBus starts possed with a fleetFake on a private bus.
func fleetBus(t *testing.T, slow bool) string {
	t.Helper()
	addr := daemontest.StartBus(t)
	daemontest.StartPolkit(t, addr)
	conn := daemontest.Connect(t, addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    &fleetFake{fakeBox: &fakeBox{Backend: daemontest.NewBackend()}, slow: slow},
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return true }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestFleetProber asks possed (a fake box behind the real daemon) through
// the prober, each entry's host standing for one of the private buses.
func TestFleetProber(t *testing.T) {
	buses := map[string]string{"root@good": fleetBus(t, false), "root@slow": fleetBus(t, true)}
	p := fleet.SSHProber{ReadTemplate: readTemplate, Dial: func(ctx context.Context, e fleet.Entry) (fleet.Conn, error) {
		addr, ok := buses[e.Host]
		if !ok {
			return nil, fmt.Errorf("ssh %s: %w", e.Host, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
		}
		return client.Dial(ctx, client.Options{BusAddress: addr})
	}}
	t.Setenv("POSSE_SECRET_domain_admin", "Admin-Pw-2026-long!")
	t.Setenv("POSSE_SECRET_jdoe", "Jane-Pw-2026-long")
	same := writeFile(t, "same.yaml", testTemplate+"# nochange\n", 0o600)
	drifted := writeFile(t, "drifted.yaml", testTemplate, 0o600)
	entries := []fleet.Entry{
		{Name: "same", Host: "root@good", Template: same},
		{Name: "drifted", Host: "root@good", Template: drifted},
		{Name: "plain", Host: "root@good"},
		{Name: "missing", Host: "root@good", Template: filepath.Join(t.TempDir(), "gone.yaml")},
		{Name: "slow", Host: "root@slow"},
		{Name: "down", Host: "root@down"},
	}
	start := time.Now()
	rs := fleet.Check(context.Background(), entries, p, fleet.Options{Parallel: 4, Timeout: 2 * time.Second})
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("the check took %s with a timeout of 2s", d)
	}
	got := map[string]fleet.Report{}
	for _, r := range rs {
		got[r.Name] = r
	}
	if r := got["same"]; !r.Reachable || r.NeedsAttention() || r.Drift == nil || r.Drift.Steps != 0 || r.Site != "Test Site" ||
		len(r.Services) != 1 || !r.Services[0].OK || r.Backup == nil || !r.Backup.Configured || len(r.Disk) != 1 || r.Disk[0].Share != "Data" {
		t.Errorf("same: %+v", r)
	}
	if r := got["drifted"]; r.Drift == nil || r.Drift.Steps != 3 || r.Severity != fleet.SevDrift {
		t.Errorf("drifted: %+v %+v", r, r.Drift)
	}
	if r := got["plain"]; r.Drift != nil || r.NeedsAttention() {
		t.Errorf("plain: %+v", r)
	}
	if r := got["missing"]; r.Drift == nil || !strings.Contains(r.Drift.Error, "gone.yaml") || !r.NeedsAttention() {
		t.Errorf("missing template: %+v", r.Drift)
	}
	if r := got["slow"]; r.Reachable || r.Problem != fleet.ProblemTimeout {
		t.Errorf("slow: %+v", r.Box)
	}
	if r := got["down"]; r.Reachable || r.Problem != fleet.ProblemRefused {
		t.Errorf("down: %+v", r.Box)
	}
	if rs[len(rs)-1].NeedsAttention() || !rs[0].NeedsAttention() {
		t.Errorf("not worst first: %v", rs)
	}
}

// TestFleetCommands: add, list, remove and the refusals, in a
// configuration directory of the test's own.
func TestFleetCommands(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	tmpl := writeFile(t, "site.yaml", testTemplate, 0o600)
	bad := writeFile(t, "bad.yaml", "version: 1\nsite:\n  nme: x\n", 0o600)
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"fleet", "list"}, 0, "No boxes in the fleet", ""},
		{[]string{"fleet", "add", "shop", "root@10.0.0.5", "--template", tmpl}, 0, "Added shop (root@10.0.0.5)", ""},
		{[]string{"fleet", "add", "cafe", "admin@cafe.example:2222"}, 0, "Added cafe", ""},
		{[]string{"fleet", "add", "Shop", "root@10.0.0.6"}, 1, "", "already a box shop"},
		{[]string{"fleet", "add", "x y", "root@10.0.0.6"}, 2, "", "box name"},
		{[]string{"fleet", "add", "x", "--", "-oProxyCommand=sh"}, 2, "", "no user"},
		{[]string{"fleet", "add", "x", "root@-oProxyCommand=sh"}, 2, "", "not a host name"},
		{[]string{"fleet", "add", "x", "root@h:0"}, 2, "", "1 to 65535"},
		{[]string{"fleet", "add", "x", "root@h", "--template", bad}, 1, "", "bad.yaml:3"},
		{[]string{"fleet", "add", "x", "root@h", "--template", "/nonexistent.yaml"}, 1, "", "nonexistent"},
		{[]string{"fleet", "add", "x"}, 2, "", "needs a name"},
		{[]string{"--host", "root@h", "fleet", "status"}, 2, "", "--host does not go with"},
		{[]string{"fleet", "status", "--parallel", "0"}, 2, "", "--parallel"},
		{[]string{"fleet", "list"}, 0, "shop  root@10.0.0.5", ""},
		{[]string{"fleet", "remove", "nope"}, 1, "", "no box nope"},
		{[]string{"fleet", "remove", "CAFE"}, 0, "Removed CAFE", ""},
	} {
		code, out, errOut := possectl(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d\n%s\n%s", tc.args, code, out, errOut)
		}
	}
	code, out, _ := possectl(t, "fleet", "list", "--json")
	var l []fleet.Entry
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l) != 1 || l[0].Template != tmpl {
		t.Errorf("list --json: %d %v %s", code, err, out)
	}
	fi, err := os.Stat(filepath.Join(cfg, "posse", "fleet.yaml"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("fleet file: %v %v", fi, err)
	}
}

// TestFleetStatusEmpty: an empty fleet has nothing to report and nothing
// that needs attention.
func TestFleetStatusEmpty(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if code, out, e := possectl(t, "fleet", "status"); code != 0 || !strings.Contains(out, "No boxes") {
		t.Errorf("status: %d %s %s", code, out, e)
	}
	code, out, _ := possectl(t, "fleet", "status", "--json")
	var s fleet.StatusJSON
	if err := json.Unmarshal([]byte(out), &s); code != 0 || err != nil || s.Version != 1 || s.Reports == nil {
		t.Errorf("status --json: %d %v %s", code, err, out)
	}
}

// TestReachWordsAreTheFleets: the client names why a box was not reached
// with the fleet's own problem words.
func TestReachWordsAreTheFleets(t *testing.T) {
	for c, f := range map[string]string{
		client.ReachTimeout: fleet.ProblemTimeout, client.ReachHostKeyUnknown: fleet.ProblemHostKeyUnknown,
		client.ReachHostKeyChanged: fleet.ProblemHostKeyChanged, client.ReachRefused: fleet.ProblemRefused,
		client.ReachAuthFailed: fleet.ProblemAuthFailed, client.ReachNoRoute: fleet.ProblemNoRoute,
		client.ReachNoPossed: fleet.ProblemNoPossed, client.ReachError: fleet.ProblemError,
	} {
		if c != f {
			t.Errorf("client says %q where the fleet says %q", c, f)
		}
	}
}
