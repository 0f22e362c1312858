// SPDX-License-Identifier: GPL-3.0-or-later

package hosttest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
)

func TestFakeUnits(t *testing.T) {
	ctx := context.Background()
	f := NewFakeUnits()
	f.Add("smbd.service", true, true)
	pid := func() uint32 { st, _ := f.Status(ctx, "smbd.service"); return st.MainPID }
	p0 := pid()
	if err := f.Reload(ctx, "smbd.service"); err != nil || pid() != p0 || f.Reloads("smbd.service") != 1 {
		t.Errorf("reload: err %v, pid %d→%d", err, p0, pid())
	}
	if err := f.Restart(ctx, "smbd.service"); err != nil || pid() == p0 {
		t.Errorf("restart: err %v, pid unchanged %d", err, p0)
	}
	f.FailNext("restart", "smbd.service", 1)
	if err := f.Restart(ctx, "smbd.service"); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Errorf("scripted restart failure: err = %v", err)
	}
	if st, _ := f.Status(ctx, "smbd.service"); st.ActiveState != "failed" {
		t.Errorf("after failed restart: %s", st.ActiveState)
	}
	if err := f.Restart(ctx, "smbd.service"); err != nil {
		t.Errorf("second restart should succeed: %v", err)
	}
	broken := true
	f.FailWhen("nmbd.service", func() error {
		if broken {
			return errors.New("bad config")
		}
		return nil
	})
	if err := f.Start(ctx, "nmbd.service"); err == nil {
		t.Error("start with broken config succeeded")
	}
	broken = false
	if err := f.Start(ctx, "nmbd.service"); err != nil {
		t.Errorf("start with good config: %v", err)
	}
	f.Enable(ctx, "a.service", "b.service")
	f.Mask(ctx, "c.service")
	if err := f.Start(ctx, "c.service"); err == nil {
		t.Error("start of a masked unit succeeded")
	}
	f.DaemonReload(ctx)
	want := []string{"reload smbd.service", "restart smbd.service", "restart smbd.service", "restart smbd.service",
		"start nmbd.service", "start nmbd.service", "enable a.service b.service", "mask c.service", "start c.service", "daemon-reload"}
	if got := f.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls:\n%q\nwant\n%q", got, want)
	}
	if st, _ := f.Status(ctx, "a.service"); st.UnitFileState != "enabled" {
		t.Errorf("a.service file state %q", st.UnitFileState)
	}
}

func TestFakeRunner(t *testing.T) {
	ctx := context.Background()
	f := NewFakeRunner(t)
	f.On([]string{"testparm"}, host.Result{ExitCode: 1, Stderr: []byte("bad line")})
	f.On([]string{"samba-tool", "user"}, host.Result{Stdout: []byte("ok")})
	if _, err := f.Run(ctx, host.Cmd{Argv: []string{"testparm", "-s"}}); err == nil || !strings.Contains(err.Error(), "bad line") {
		t.Errorf("testparm: %v", err)
	}
	res, err := f.Run(ctx, host.Cmd{Argv: []string{"samba-tool", "user", "create", "anna"}, Stdin: []byte("pw123\n")})
	if err != nil || string(res.Stdout) != "ok" {
		t.Errorf("samba-tool: %q %v", res.Stdout, err)
	}
	if _, err := f.Run(ctx, host.Cmd{Argv: []string{"true"}}); err != nil {
		t.Errorf("unscripted: %v", err)
	}
	want := []string{"testparm -s", "samba-tool user create anna", "true"}
	if got := f.Argvs(); !slices.Equal(got, want) {
		t.Errorf("argvs %q, want %q", got, want)
	}
	// A leak is reported: use a throwaway TB to observe it.
	rec := &recTB{TB: t}
	leaky := NewFakeRunner(rec)
	if _, err := leaky.Run(ctx, host.Cmd{Argv: []string{"tool", "--password=pw123"}, Stdin: []byte("pw123")}); err == nil || !rec.failed {
		t.Errorf("stdin in argv not caught: err %v, reported %v", err, rec.failed)
	}
	if v, ok := (MapSecrets{"a": "b"}).Lookup("a"); !ok || v != "b" {
		t.Error("MapSecrets lookup")
	}
}

type recTB struct {
	testing.TB
	failed bool
}

func (r *recTB) Errorf(string, ...any) { r.failed = true }
