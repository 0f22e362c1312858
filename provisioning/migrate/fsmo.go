// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

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

// FSMOShowArgv lists the FSMO role owners from the local sam.ldb.
var FSMOShowArgv = []string{"samba-tool", "fsmo", "show"}

// SysvolResetArgv sets the ACLs of the local SYSVOL from the domain's
// group policy objects.
var SysvolResetArgv = []string{"samba-tool", "ntacl", "sysvolreset"}

// PasswdEnv makes samba-tool read the password from its stdin (file
// descriptor 0), so that it is in neither argv nor the environment.
var PasswdEnv = []string{"PASSWD_FD=0"}

// FSMOTransferArgv moves every FSMO role (the five of the forest and
// domain and the two DNS zones') to the local domain controller. samba-tool
// logs in as user for the DNS zones' roles, whose owner it asks over LDAP;
// the password goes on stdin (PasswdEnv).
func FSMOTransferArgv(user string) []string {
	return []string{"samba-tool", "fsmo", "transfer", "--role=all", "--username=" + user}
}

// RemoveDeadServerArgv removes the domain controller named name, which is
// gone, from the domain: its DC object, computer account, DNS records and
// replication links. It works on the local sam.ldb as root.
func RemoveDeadServerArgv(name string) []string {
	return []string{"samba-tool", "domain", "demote", "--remove-other-dead-server=" + name}
}

// ParseFSMOShow reads samba-tool fsmo show: lines like
// "PdcEmulationMasterRole owner: CN=NTDS Settings,CN=DC1,CN=Servers,…".
func ParseFSMOShow(out []byte) ([]RoleOwner, error) {
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
		return nil, fmt.Errorf("samba-tool fsmo show printed no role owners: %q", clip(string(out), 200))
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

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
