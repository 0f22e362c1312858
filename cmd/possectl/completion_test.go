// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/daemontest"
)

// TestParityCompletion: the shell completions cobra generates offer the
// new commands, and names from the box for their arguments.
func TestParityCompletion(t *testing.T) {
	r, _ := newParityRig(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, b := range [][]string{{"shop", "root@10.0.0.5"}, {"cafe", "admin@cafe.example"}} {
		if code, _, e := possectl(t, "fleet", "add", b[0], b[1]); code != 0 {
			t.Fatalf("fleet add: %s", e)
		}
	}
	complete := func(args ...string) []string {
		t.Helper()
		code, out, errOut := possectl(t, append([]string{"__complete"}, args...)...)
		if code != 0 {
			t.Fatalf("__complete %v: exit %d: %s", args, code, errOut)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if strings.HasPrefix(l, ":") {
				break
			}
			name, _, _ := strings.Cut(l, "\t")
			got = append(got, name)
		}
		return got
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"groups", "job", "mail", "shares"}},
		{[]string{"groups", ""}, []string{"add", "add-member", "delete", "list", "remove-member", "show"}},
		{[]string{"shares", ""}, []string{"delete", "list", "set", "usage"}},
		{[]string{"mail", ""}, []string{"aliases", "delete-alias", "queue", "set-alias"}},
		{[]string{"fleet", ""}, []string{"add", "list", "remove", "status"}},
		{[]string{"fleet", "remove", ""}, []string{"cafe", "shop"}},
		{[]string{"fleet", "remove", "s"}, []string{"shop"}},
		{[]string{"fleet", "status", "--"}, []string{"--json", "--parallel", "--timeout"}},
		{[]string{"--bus-address", r.addr, "groups", "show", ""}, []string{"odd", "staff"}},
		{[]string{"--bus-address", r.addr, "groups", "show", "st"}, []string{"staff"}},
		{[]string{"--bus-address", r.addr, "groups", "add-member", "staff", "anna", ""}, []string{"bert", "carl"}},
		{[]string{"--bus-address", r.addr, "groups", "remove-member", "staff", ""}, []string{"anna", "bert"}},
		{[]string{"--bus-address", r.addr, "groups", "add", "x", "--member", ""}, []string{"anna", "bert", "carl"}},
		{[]string{"--bus-address", r.addr, "shares", "delete", ""}, []string{"Data"}},
		{[]string{"--bus-address", r.addr, "shares", "set", "Data", "--read", ""}, []string{"odd", "staff"}},
		{[]string{"--bus-address", r.addr, "mail", "delete-alias", ""}, []string{"office@test.example"}},
	} {
		got := complete(tc.args...)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %q offers %v, lacks %q", tc.args, got, w)
			}
		}
	}
	if got := complete("fleet", "remove", "s"); slices.Contains(got, "cafe") {
		t.Errorf("completing fleet remove s offers %v", got)
	}
	// Without possed, completion offers nothing and says nothing.
	dead := daemontest.StartBus(t)
	if got := complete("--bus-address", dead, "groups", "show", ""); len(got) != 0 {
		t.Errorf("completion without possed offers %v", got)
	}
}
