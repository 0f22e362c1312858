// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/fsmo"
)

// TestDCFailoverRefusesBadInput: dc seize-roles, transfer-roles and
// remove refuse bad names and calls before they reach samba-tool.
func TestDCFailoverRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"shell in name", []string{"dc", "remove", "dc1;rm"}, 2, "is not a server's host name"},
		{"option as name", []string{"dc", "remove", "--", "--remove-other-dead-server=x"}, 2, "is not a server's host name"},
		{"long name", []string{"dc", "remove", "a-name-far-too-long-for-netbios"}, 2, "is not a server's host name"},
		{"no name", []string{"dc", "remove"}, 2, "name of the dead domain controller"},
		{"seize --host", []string{"--host", "root@box", "dc", "seize-roles"}, 2, "runs in process as root on the box itself"},
		{"remove --host", []string{"--host", "root@box", "dc", "remove", "dc1"}, 2, "runs in process as root on the box itself"},
		{"transfer without password", []string{"dc", "transfer-roles"}, 2, "pass --password-stdin"},
		{"transfer odd user", []string{"dc", "transfer-roles", "--password-stdin", "--user", "a\x07b"}, 2, "is not a user name"},
	} {
		code, _, errOut := possectl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, code, errOut, tc.code, tc.want)
		}
	}
	if os.Geteuid() != 0 {
		if code, _, errOut := possectl(t, "dc", "seize-roles", "--yes"); code != 1 || !strings.Contains(errOut, "run it as root") {
			t.Errorf("seize-roles as a user: exit %d: %s", code, errOut)
		}
	}
}

func TestCheckRemoveName(t *testing.T) {
	if n, err := checkRemoveName("dc1", "DC2"); err != nil || n != "DC1" {
		t.Errorf("dc1: %q %v", n, err)
	}
	if _, err := checkRemoveName("Dc2", "DC2"); err == nil || !strings.Contains(err.Error(), "is this box") {
		t.Errorf("removing this box: %v", err)
	}
	for _, bad := range []string{"", "-dc", "dc_1", "dc 1", "dc1.ad.example", "0123456789abcdef"} {
		if _, err := checkRemoveName(bad, "DC2"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSeizeAndRemoveRefusal(t *testing.T) {
	up := map[string]bool{"10.0.0.10": true}
	answers := func(a string) string {
		if up[a] {
			return a + ":389"
		}
		return ""
	}
	err := seizeRefusal([]string{"DC1"}, map[string][]string{"DC1": {"10.0.0.9", "10.0.0.10"}}, answers)
	if err == nil || !strings.Contains(err.Error(), "DC1 still answers at 10.0.0.10:389") || !strings.Contains(err.Error(), "possectl dc transfer-roles") {
		t.Errorf("a holder that answers: %v", err)
	}
	if err := seizeRefusal([]string{"DC1"}, map[string][]string{"DC1": {"10.0.0.9"}}, answers); err != nil {
		t.Errorf("a holder that is gone: %v", err)
	}
	if err := seizeRefusal([]string{"DC1", "DC3"}, map[string][]string{"DC1": {"10.0.0.9"}}, answers); err == nil || !strings.Contains(err.Error(), "cannot tell whether DC3") {
		t.Errorf("a holder without address: %v", err)
	}

	roles := []fsmo.RoleOwner{{Role: "PdcEmulationMasterRole", Server: "DC1"}, {Role: "SchemaMasterRole", Server: "DC2"}}
	if err := removeRefusal("dc1", roles, []string{"10.0.0.9"}, answers); err == nil || !strings.Contains(err.Error(), "holds 1 FSMO roles") || !strings.Contains(err.Error(), "dc seize-roles") {
		t.Errorf("a DC holding a role: %v", err)
	}
	if err := removeRefusal("DC3", roles, []string{"10.0.0.10"}, answers); err == nil || !strings.Contains(err.Error(), "still answers") {
		t.Errorf("a DC that answers: %v", err)
	}
	if err := removeRefusal("DC3", roles, nil, answers); err != nil {
		t.Errorf("a gone DC: %v", err)
	}
}

func TestAnsweringOn(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, open, _ := net.SplitHostPort(l.Addr().String())
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, shut, _ := net.SplitHostPort(closed.Addr().String())
	closed.Close()
	if got := answeringOn("127.0.0.1", []string{shut, open}, time.Second); got != "127.0.0.1:"+open {
		t.Errorf("an open port: %q", got)
	}
	if got := answeringOn("127.0.0.1", []string{shut}, time.Second); got != "" {
		t.Errorf("a closed port answered: %q", got)
	}
}
