// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

// The FSMO roles' commands and their output's parsing are the domain's,
// shared with possectl dc (services/ad/fsmo.go).

// SysvolResetArgv sets the ACLs of the local SYSVOL from the domain's
// group policy objects.
var SysvolResetArgv = []string{"samba-tool", "ntacl", "sysvolreset"}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
