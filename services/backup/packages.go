// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"fmt"
	"os"

	"github.com/posse-project/posse/provisioning/host"
)

// tdbbackupPath is the tool `samba-tool domain backup offline` runs to copy
// Samba's TDB databases. Debian 12's samba pulls in its package, tdb-tools;
// Debian 13's does not.
const tdbbackupPath = "/usr/bin/tdbbackup"

// checkTools refuses a plan on a domain controller whose nightly AD dump
// would fail for want of tdbbackup, naming the package to install. Boxes
// without samba-tool (a --root directory, a test root) are not checked.
func checkTools(env *host.Env) error {
	if _, err := os.Stat(env.Path("/usr/bin/samba-tool")); err != nil {
		return nil
	}
	if _, err := os.Stat(env.Path(tdbbackupPath)); err != nil {
		return fmt.Errorf("backup needs the package tdb-tools (the directory dump runs %s): install it with apt-get install tdb-tools, then plan again", tdbbackupPath)
	}
	return nil
}
