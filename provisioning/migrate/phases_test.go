// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fsmoShow is samba-tool fsmo show (4.22) on a domain of two DCs.
const fsmoShow = `SchemaMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
InfrastructureMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
RidAllocationMasterRole owner: CN=NTDS Settings,CN=POSSE-3C4D,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
PdcEmulationMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
DomainNamingMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
DomainDnsZonesMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
ForestDnsZonesMasterRole owner: CN=NTDS Settings,CN=LEGACY-1A2B,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=old,DC=example
`

func TestParseFSMOShow(t *testing.T) {
	roles, err := ParseFSMOShow([]byte("WARNING: something\n" + fsmoShow))
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 7 || roles[0] != (RoleOwner{"SchemaMasterRole", "LEGACY-1A2B"}) || roles[2].Server != "POSSE-3C4D" {
		t.Fatalf("roles: %+v", roles)
	}
	away := RolesElsewhere(roles, "posse-3c4d")
	if len(away) != 6 || slices.ContainsFunc(away, func(r RoleOwner) bool { return r.Role == "RidAllocationMasterRole" }) {
		t.Errorf("roles elsewhere: %+v", away)
	}
	if len(RolesElsewhere(roles[2:3], "POSSE-3C4D")) != 0 {
		t.Error("a role on the box counted as elsewhere")
	}
	if _, err := ParseFSMOShow([]byte("ERROR: no sam.ldb\n")); err == nil {
		t.Error("output without roles parsed")
	}
	// An owner that is no NTDS Settings DN is kept as it is.
	roles, _ = ParseFSMOShow([]byte("PdcEmulationMasterRole owner: CN=Deleted\n"))
	if roles[0].Server != "CN=Deleted" {
		t.Errorf("odd owner: %+v", roles)
	}
}

func TestPhaseArgv(t *testing.T) {
	got := FSMOTransferArgv(`OLD\admin`)
	if !slices.Equal(got, []string{"samba-tool", "fsmo", "transfer", "--role=all", `--username=OLD\admin`}) {
		t.Errorf("transfer: %q", got)
	}
	if got := RemoveDeadServerArgv("LEGACY"); !slices.Equal(got, []string{"samba-tool", "domain", "demote", "--remove-other-dead-server=LEGACY"}) {
		t.Errorf("remove: %q", got)
	}
	for _, a := range append(got, FSMOTransferArgv("Administrator")...) {
		if strings.Contains(strings.ToLower(a), "pass") {
			t.Errorf("a password option in argv: %q", a)
		}
	}
	if !slices.Equal(PasswdEnv, []string{"PASSWD_FD=0"}) {
		t.Errorf("env %q", PasswdEnv)
	}
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
	roles, _ := ParseFSMOShow([]byte(fsmoShow))
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
	if got := ParseDCs([]byte("LEGACY\n\n POSSE \n")); !slices.Equal(got, []string{"LEGACY", "POSSE"}) {
		t.Errorf("dcs %q", got)
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
