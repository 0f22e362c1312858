// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"os"
	"path/filepath"
	"testing"
)

// SMBAuth writes an authentication file for smbclient and smbcacls (mode
// 0600, in dir) for DOMAIN\user and returns its path, so the password
// never reaches a command line.
func SMBAuth(t testing.TB, dir, domain, user, pw string) string {
	t.Helper()
	auth := filepath.Join(dir, "auth-"+domain+"-"+user)
	if err := os.WriteFile(auth, []byte("username = "+user+"\npassword = "+pw+"\ndomain = "+domain+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return auth
}

// SMB runs smbclient commands on //ip/share from the host as DOMAIN\user,
// as an office PC would, and returns the combined output.
func SMB(t testing.TB, dir, ip, share, domain, user, pw, cmds string) (string, error) {
	t.Helper()
	return Host("smbclient", "//"+ip+"/"+share, "-A", SMBAuth(t, dir, domain, user, pw), "-c", cmds)
}
