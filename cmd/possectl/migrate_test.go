// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigratePlanRefusesBadInput: the pre-flight refuses bad input before
// it reaches any network, and never prints the password.
func TestMigratePlanRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const pw = "Legacy-Secret-Pw-1"
	good := write("good.yaml", "legacy_admin_user: Administrator\nlegacy_admin: "+pw+"\n", 0o600)
	noUser := write("nouser.yaml", "legacy_admin: "+pw+"\n", 0o600)
	noPW := write("nopw.yaml", "legacy_admin_user: Administrator\n", 0o600)
	open := write("open.yaml", "legacy_admin_user: Administrator\nlegacy_admin: "+pw+"\n", 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no --from", []string{"migrate", "plan", "--secrets", good}, 2, `"from" not set`},
		{"bad address", []string{"migrate", "plan", "--from", "10.0.0.1:636", "--secrets", good}, 2, "neither an IP address nor a host name"},
		{"shell in address", []string{"migrate", "plan", "--from", "dc;rm", "--secrets", good}, 2, "neither an IP address nor a host name"},
		{"ca and insecure", []string{"migrate", "plan", "--from", "10.0.0.1", "--secrets", good, "--ca", good, "--insecure-tls"}, 2, "do not go together"},
		{"no user", []string{"migrate", "plan", "--from", "10.0.0.1", "--secrets", noUser}, 1, "has no legacy_admin_user"},
		{"no password", []string{"migrate", "plan", "--from", "10.0.0.1", "--secrets", noPW}, 1, "has no legacy_admin:"},
		{"open secrets file", []string{"migrate", "plan", "--from", "10.0.0.1", "--secrets", open}, 1, "chmod 600"},
		{"--host", []string{"--host", "root@box", "migrate", "plan", "--from", "10.0.0.1", "--secrets", good}, 2, "runs on the box that takes the domain over"},
	} {
		code, out, errOut := possectl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, code, errOut, tc.code, tc.want)
		}
		if strings.Contains(out+errOut, pw) {
			t.Errorf("%s: the password was printed", tc.name)
		}
	}
}
