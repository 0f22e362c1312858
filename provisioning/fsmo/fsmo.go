// SPDX-License-Identifier: GPL-3.0-or-later

// Package fsmo holds samba-tool's commands for the FSMO roles and for
// removing a dead domain controller, and the parsing of their output:
// shared by possectl migrate cutover and possectl dc.
package fsmo

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// RoleOwner is one line of samba-tool fsmo show: a role and the name of
// the domain controller holding it.
type RoleOwner struct {
	Role   string `json:"role"`
	Server string `json:"server"`
}

// ShowArgv lists the FSMO role owners from the local sam.ldb.
var ShowArgv = []string{"samba-tool", "fsmo", "show"}

// PasswdEnv makes samba-tool read the password from its stdin (file
// descriptor 0), so that it is in neither argv nor the environment.
var PasswdEnv = []string{"PASSWD_FD=0"}

// TransferArgv moves every FSMO role (the five of the forest and
// domain and the two DNS zones') to the local domain controller. samba-tool
// logs in as user for the DNS zones' roles, whose owner it asks over LDAP;
// the password goes on stdin (PasswdEnv). The owner must answer.
func TransferArgv(user string) []string {
	return []string{"samba-tool", "fsmo", "transfer", "--role=all", "--username=" + user}
}

// SeizeArgv takes every FSMO role (the seven of TransferArgv) for
// the local domain controller without asking their owner, which is gone:
// --force writes the role owners in the local sam.ldb as root, with no
// login, and never tries a transfer first (which would wait for the dead
// owner). Samba 4.17 and 4.22 take the same arguments.
var SeizeArgv = []string{"samba-tool", "fsmo", "seize", "--role=all", "--force"}

// RemoveDeadServerArgv removes the domain controller named name, which is
// gone, from the domain: its DC object, computer account, DNS records and
// replication links. It works on the local sam.ldb as root. name must have
// passed ValidateDCName.
func RemoveDeadServerArgv(name string) []string {
	return []string{"samba-tool", "domain", "demote", "--remove-other-dead-server=" + name}
}

// ParseShow reads samba-tool fsmo show: lines like
// "PdcEmulationMasterRole owner: CN=NTDS Settings,CN=DC1,CN=Servers,…".
func ParseShow(out []byte) ([]RoleOwner, error) {
	var roles []RoleOwner
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		role, dn, ok := strings.Cut(strings.TrimSpace(sc.Text()), " owner: ")
		if !ok || !strings.HasSuffix(role, "Role") || strings.ContainsAny(role, " \t") {
			continue
		}
		roles = append(roles, RoleOwner{Role: role, Server: serverOfNTDS(dn)})
	}
	if len(roles) == 0 {
		return nil, fmt.Errorf("samba-tool fsmo show printed no role owners: %q", clipText(string(out), 200))
	}
	return roles, nil
}

// serverOfNTDS is the server name of an NTDS Settings DN (its second RDN),
// or the DN when it is not one.
func serverOfNTDS(dn string) string {
	parts := strings.Split(dn, ",")
	if len(parts) > 1 && strings.EqualFold(strings.TrimSpace(parts[0]), "CN=NTDS Settings") {
		if k, v, ok := strings.Cut(parts[1], "="); ok && strings.EqualFold(strings.TrimSpace(k), "CN") {
			return v
		}
	}
	return dn
}

// RolesElsewhere are the roles not held by the DC named server.
func RolesElsewhere(roles []RoleOwner, server string) []RoleOwner {
	var out []RoleOwner
	for _, r := range roles {
		if !strings.EqualFold(r.Server, server) {
			out = append(out, r)
		}
	}
	return out
}

// RolesHeldBy are the roles the DC named server holds.
func RolesHeldBy(roles []RoleOwner, server string) []RoleOwner {
	var out []RoleOwner
	for _, r := range roles {
		if strings.EqualFold(r.Server, server) {
			out = append(out, r)
		}
	}
	return out
}

// RoleHolders are the names of the DCs other than server that hold a
// role, each once, in the order of roles.
func RoleHolders(roles []RoleOwner, server string) []string {
	var out []string
	for _, r := range RolesElsewhere(roles, server) {
		seen := false
		for _, o := range out {
			seen = seen || strings.EqualFold(o, r.Server)
		}
		if !seen {
			out = append(out, r.Server)
		}
	}
	return out
}

// DCsPy prints the name of every domain controller (nTDSDSA object) of
// the local sam.ldb, one a line.
const DCsPy = `
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load_default()
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
for m in db.search(base=db.get_config_basedn(), expression="(objectClass=nTDSDSA)", attrs=["cn"]):
    print(m.dn.parent().get_rdn_value())
`

// ParseDCs reads DCsPy's output.
func ParseDCs(out []byte) []string {
	var dcs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			dcs = append(dcs, l)
		}
	}
	return dcs
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
