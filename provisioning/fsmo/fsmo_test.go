// SPDX-License-Identifier: GPL-3.0-or-later

package fsmo

import (
	"slices"
	"strings"
	"testing"
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

func TestParseShow(t *testing.T) {
	roles, err := ParseShow([]byte("WARNING: something\n" + fsmoShow))
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
	if _, err := ParseShow([]byte("ERROR: no sam.ldb\n")); err == nil {
		t.Error("output without roles parsed")
	}
	// An owner that is no NTDS Settings DN is kept as it is.
	roles, _ = ParseShow([]byte("PdcEmulationMasterRole owner: CN=Deleted\n"))
	if roles[0].Server != "CN=Deleted" {
		t.Errorf("odd owner: %+v", roles)
	}
}

func TestArgv(t *testing.T) {
	got := TransferArgv(`OLD\admin`)
	if !slices.Equal(got, []string{"samba-tool", "fsmo", "transfer", "--role=all", `--username=OLD\admin`}) {
		t.Errorf("transfer: %q", got)
	}
	if got := RemoveDeadServerArgv("LEGACY"); !slices.Equal(got, []string{"samba-tool", "domain", "demote", "--remove-other-dead-server=LEGACY"}) {
		t.Errorf("remove: %q", got)
	}
	if !slices.Equal(SeizeArgv, []string{"samba-tool", "fsmo", "seize", "--role=all", "--force"}) {
		t.Errorf("seize: %q", SeizeArgv)
	}
	for _, a := range append(append(RemoveDeadServerArgv("LEGACY"), TransferArgv("Administrator")...), SeizeArgv...) {
		if strings.Contains(strings.ToLower(a), "pass") {
			t.Errorf("a password option in argv: %q", a)
		}
	}
	if !slices.Equal(PasswdEnv, []string{"PASSWD_FD=0"}) {
		t.Errorf("env %q", PasswdEnv)
	}
	if got := ParseDCs([]byte("LEGACY\n\n POSSE \n")); !slices.Equal(got, []string{"LEGACY", "POSSE"}) {
		t.Errorf("dcs %q", got)
	}
}

func TestRoleHolders(t *testing.T) {
	roles, err := ParseShow([]byte(fsmoShow))
	if err != nil {
		t.Fatal(err)
	}
	if got := RoleHolders(roles, "posse-3c4d"); !slices.Equal(got, []string{"LEGACY-1A2B"}) {
		t.Errorf("holders besides POSSE-3C4D: %q", got)
	}
	if got := RoleHolders(roles, "other"); !slices.Equal(got, []string{"LEGACY-1A2B", "POSSE-3C4D"}) {
		t.Errorf("holders besides other: %q", got)
	}
	if got := RolesHeldBy(roles, "posse-3c4d"); len(got) != 1 || got[0].Role != "RidAllocationMasterRole" {
		t.Errorf("held by POSSE-3C4D: %+v", got)
	}
	if RolesHeldBy(roles, "dc9") != nil || RoleHolders(roles[2:3], "POSSE-3C4D") != nil {
		t.Error("roles found for a DC that holds none")
	}
}
