// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// updatesFake is a box with two pending updates, one of them security.
type updatesFake struct {
	*fakeBox

	mu        sync.Mutex
	pending   []api.PendingUpdate
	applied   []string
	takes     time.Duration
	unhealthy bool
}

func (f *updatesFake) Updates(_ context.Context, refresh bool) (api.Updates, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := api.Updates{ID: fmt.Sprintf("%x", len(f.pending)), Pending: append([]api.PendingUpdate{}, f.pending...), Refreshed: refresh,
		ListsUpdated: time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339),
		LastUpgrade:  time.Now().Add(-50 * time.Hour).UTC().Format(time.RFC3339), LastUpgradeResult: "success", LastUpgradePackages: 3}
	for _, p := range f.pending {
		if p.Security {
			u.Security++
		}
	}
	return u, nil
}

func (f *updatesFake) ApplyUpdates(_ context.Context, id string) (api.UpdatesApplied, error) {
	f.mu.Lock()
	takes := f.takes
	f.mu.Unlock()
	time.Sleep(takes)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = append(f.applied, id)
	if id != fmt.Sprintf("%x", len(f.pending)) {
		return api.UpdatesApplied{}, fmt.Errorf("%w: the pending updates changed since they were listed", daemon.ErrInvalid)
	}
	r := api.UpdatesApplied{Unit: "posse-updates.service"}
	for _, p := range f.pending {
		p.Installed = p.Candidate
		r.Upgraded = append(r.Upgraded, p)
	}
	f.pending = nil
	return r, nil
}

func (f *updatesFake) Health(context.Context, string) ([]api.ServiceStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []api.ServiceStatus{{Name: "directory", Unit: "samba-ad-dc.service", State: "active", Healthy: !f.unhealthy, Detail: map[bool]string{true: "LDAPS bind failed"}[f.unhealthy]}}, nil
}

// seen returns the ids ApplyUpdates was called with and how many updates
// are pending.
func (f *updatesFake) seen() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.applied...), len(f.pending)
}

func newUpdatesRig(t *testing.T) (string, *updatesFake) {
	t.Helper()
	f := &updatesFake{fakeBox: &fakeBox{Backend: daemontest.NewBackend()}, pending: []api.PendingUpdate{
		{Package: "openssl", Installed: "3.5.1-1", Candidate: "3.5.1-1+deb13u1", Origin: "Debian-Security:13/stable-security", Security: true},
		{Package: "tzdata", Installed: "2025b-4", Candidate: "2025b-4+deb13u1", Origin: "Debian:13.2/stable"},
	}}
	addr := daemontest.StartBus(t)
	daemontest.StartPolkit(t, addr)
	conn := daemontest.Connect(t, addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    f,
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return true }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return addr, f
}

func TestUpdatesListAndApply(t *testing.T) {
	addr, f := newUpdatesRig(t)
	code, out, errOut := possectl(t, "--bus-address", addr, "updates", "list")
	if code != 0 || !strings.Contains(out, "openssl") || !strings.Contains(out, "2 updates pending (1 security)") || !strings.Contains(out, "package lists: read 2h0m0s ago") {
		t.Fatalf("list: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = possectl(t, "--bus-address", addr, "updates", "list", "--json", "--refresh")
	var l updatesJSON
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil {
		t.Fatalf("list --json: %d %v\n%s", code, err, out)
	}
	if l.Count != 2 || l.Security != 1 || !l.Refreshed || !l.Pending[0].Security || l.Pending[1].Security || l.ListsAgeSeconds < 7100 ||
		l.LastUpgrade == nil || l.LastUpgrade.Packages != 3 || l.LastUpgrade.Result != "success" {
		t.Errorf("list --json: %+v", l)
	}
	code, out, _ = possectl(t, "--bus-address", addr, "status")
	if code != 0 || !strings.Contains(out, "updates: 2 updates pending (1 security)") || !strings.Contains(out, "last upgrade 50h0m0s ago, 3 packages, success") {
		t.Errorf("status: %d\n%s", code, out)
	}

	// A long upgrade says it still runs.
	old := upgradeTick
	upgradeTick = 20 * time.Millisecond
	defer func() { upgradeTick = old }()
	f.mu.Lock()
	f.takes = 100 * time.Millisecond
	f.mu.Unlock()

	// Without a terminal and without --yes nothing is installed.
	if code, _, errOut := possectl(t, "--bus-address", addr, "updates", "apply"); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("apply without --yes: %d %s", code, errOut)
	}
	if applied, _ := f.seen(); len(applied) != 0 {
		t.Errorf("apply without --yes installed: %q", applied)
	}
	code, out, errOut = possectl(t, "--bus-address", addr, "updates", "apply", "--yes", "--json")
	var r appliedJSON
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("apply --json: %d %v\n%s\n%s", code, err, out, errOut)
	}
	if !r.OK || len(r.Plan) != 2 || len(r.Upgraded) != 2 || r.Upgraded[0].Installed != "3.5.1-1+deb13u1" || len(r.Services) != 1 || !r.Services[0].OK {
		t.Errorf("apply --json: %+v", r)
	}
	if applied, _ := f.seen(); len(applied) != 1 || applied[0] != "2" {
		t.Errorf("apply asked with %q, want the plan's id", applied)
	}
	if !strings.Contains(errOut, "installing 2 updates in posse-updates.service") || !strings.Contains(errOut, "still installing (") {
		t.Errorf("apply's progress on stderr:\n%s", errOut)
	}
	code, out, _ = possectl(t, "--bus-address", addr, "updates", "apply", "--yes")
	if code != 0 || !strings.Contains(out, "no updates pending") {
		t.Errorf("apply with nothing pending: %d %s", code, out)
	}
}

func TestUpdatesApplyReportsUnhealthyServices(t *testing.T) {
	addr, f := newUpdatesRig(t)
	f.mu.Lock()
	f.unhealthy = true
	f.mu.Unlock()
	code, out, errOut := possectl(t, "--bus-address", addr, "updates", "apply", "--yes")
	if code != 1 || !strings.Contains(errOut, "after the updates, not healthy: directory (LDAPS bind failed)") || !strings.Contains(out, "upgraded openssl to 3.5.1-1+deb13u1") {
		t.Errorf("apply: %d\n%s\n%s", code, out, errOut)
	}
}

// TestUpdatesApplyRefusesBadAndStaleIDs: possed refuses an id that is
// not one List returns before the backend sees it, and passes on the
// backend's refusal of a stale one as invalid input; nothing is installed.
func TestUpdatesApplyRefusesBadAndStaleIDs(t *testing.T) {
	addr, f := newUpdatesRig(t)
	cl, err := client.Dial(context.Background(), client.Options{BusAddress: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, id := range []string{"not-hex", "ABC", strings.Repeat("a", 65), "ff"} {
		if _, err := cl.ApplyUpdates(context.Background(), id); !client.IsInvalidInput(err) {
			t.Errorf("id %q: %v, want invalid input", id, err)
		}
	}
	if applied, pending := f.seen(); len(applied) != 1 || applied[0] != "ff" || pending != 2 {
		t.Errorf("the backend saw %q and has %d pending", applied, pending)
	}
}
