// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/fsmo"
)

func TestPhaseArgv(t *testing.T) {
	if c := CopyCommands("/var/lib/samba/sysvol"); c != `prompt OFF; recurse ON; lcd "/var/lib/samba/sysvol"; mget *` {
		t.Errorf("copy commands %q", c)
	}
}

func TestState(t *testing.T) {
	p := filepath.Join(t.TempDir(), "posse", StateFile)
	st, err := LoadState(p)
	if err != nil || st.Phase != PhaseNone || st.Reached(PhaseJoining) {
		t.Fatalf("missing state: %+v %v", st, err)
	}
	st = State{Phase: PhaseJoined, Domain: "old.example", Realm: "OLD.EXAMPLE", NetBIOS: "OLD", OldDC: "legacy.old.example",
		OldName: "LEGACY", From: "10.0.0.2", Host: "posse.old.example", Joined: time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC), JoinSeconds: 31, SysvolFiles: 7}
	if err := SaveState(p, st); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi.Mode(), err)
	}
	got, err := LoadState(p)
	if err != nil || got != st {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if !got.Reached(PhaseJoined) || !got.Reached(PhaseJoining) || got.Reached(PhaseRoles) {
		t.Error("Reached")
	}
	os.WriteFile(p, []byte(`{"phase":"done-ish"}`), 0o600)
	if _, err := LoadState(p); err == nil || !strings.Contains(err.Error(), "unknown phase") {
		t.Errorf("unknown phase: %v", err)
	}
	os.WriteFile(p, []byte(`{`), 0o600)
	if _, err := LoadState(p); err == nil || !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("damaged: %v", err)
	}
}

func TestWriteProgress(t *testing.T) {
	var b bytes.Buffer
	WriteProgress(&b, Progress{Next: NextStep(PhaseNone)})
	if !strings.Contains(b.String(), "not started") || !strings.Contains(b.String(), "Next: possectl migrate plan") {
		t.Errorf("nothing done:\n%s", b.String())
	}
	b.Reset()
	roles := []fsmo.RoleOwner{{Role: "SchemaMasterRole", Server: "LEGACY-1A2B"}, {Role: "PdcEmulationMasterRole", Server: "LEGACY-1A2B"}}
	WriteProgress(&b, Progress{State: State{Phase: PhaseJoined, Domain: "old.example", Realm: "OLD.EXAMPLE", NetBIOS: "OLD",
		OldDC: "legacy.old.example", OldName: "LEGACY", From: "10.0.0.2", Host: "posse.old.example",
		Joined: time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC), JoinSeconds: 31, SysvolFiles: 7},
		Roles: roles, DCs: []string{"LEGACY", "POSSE"}, Next: NextStep(PhaseJoined)})
	for _, want := range []string{"Migration: joined", "old DC:      legacy.old.example (LEGACY at 10.0.0.2)", "joined:      2026-12-07T21:00:00Z (31s), SYSVOL 7 files",
		"role PdcEmulationMasterRole     LEGACY-1A2B", "domain controllers: LEGACY, POSSE", "Next: possectl migrate cutover"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, b.String())
		}
	}
	if NextStep(PhaseOldRemoved) != "" {
		t.Error("a next step after the last phase")
	}
}

func TestJoinPlan(t *testing.T) {
	r := &Report{Domain: "old.example", Realm: "OLD.EXAMPLE", NetBIOS: "OLD", DC: "legacy.old.example", From: "10.0.0.2", Users: 6}
	p := NewJoinPlan(r, "Posse", "10.0.0.3", "/var/lib/posse/tls")
	if p.Host != "posse.old.example" {
		t.Errorf("host %q", p.Host)
	}
	var b bytes.Buffer
	WriteJoinPlan(&b, p)
	for _, want := range []string{"additional domain controller of old.example", "replicating from legacy.old.example (10.0.0.2): the 6 users",
		"posse.old.example at 10.0.0.3", `\\10.0.0.2\sysvol`, "sysvolreset"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
	if ShortName("legacy-1a.old.example") != "LEGACY-1A" {
		t.Error("ShortName")
	}
}

func TestDNSRetry(t *testing.T) {
	ctx := t.Context()
	n := 0
	out, why := retry(ctx, func() ([]string, string) {
		n++
		if n < 2 {
			return nil, msgTimeout
		}
		return []string{"10.0.0.2"}, ""
	})
	if n != 2 || why != "" || len(out) != 1 {
		t.Errorf("retry after a timeout: %d calls, %q %q", n, out, why)
	}
	n = 0
	_, why = retry(ctx, func() ([]string, string) { n++; return nil, msgTimeout })
	if n != 3 || why != msgTimeout {
		t.Errorf("a server that never answers: %d calls, %q", n, why)
	}
	n = 0
	_, why = retry(ctx, func() ([]string, string) { n++; return nil, "no such record" })
	if n != 1 || why != "no such record" {
		t.Errorf("no such record is not retried: %d calls", n)
	}
}
