// SPDX-License-Identifier: GPL-3.0-or-later

package main

import "testing"

// TestVersionsThroughPossed runs possectl snapshots list SHARE PATH and
// snapshots restore against possed (the test backend's share "Office").
func TestVersionsThroughPossed(t *testing.T) {
	t.Setenv("TZ", "UTC")
	r, _ := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "list", args: []string{"snapshots", "list", "Office", "Budget.xlsx"},
			stdout: []string{"SNAPSHOT", "@GMT-2026.12.07-10.00.00", "11 B"}},
		{name: "list json", args: []string{"snapshots", "list", "Office", "Budget.xlsx", "--json"},
			json: "[\n  {\n    \"share\": \"Office\",\n    \"path\": \"Budget.xlsx\",\n    \"snapshot\": \"@GMT-2026.12.07-10.00.00\",\n    \"time\": \"2026-12-07T10:00:00Z\",\n    \"modified\": \"2026-12-07T09:58:00Z\",\n    \"size\": 11,\n    \"folder\": false\n  }\n]\n"},
		{name: "restore alongside", args: []string{"snapshots", "restore", "Office", "Budget.xlsx", "--alongside"},
			stdout: []string{"restored Budget.xlsx (restored 2026-12-07 10.00) of Office from the snapshot of", "1 files"}},
		{name: "restore json", args: []string{"snapshots", "restore", "Office", "Budget.xlsx", "--at", "2026-12-07 11:00", "--json"},
			json: "{\n  \"share\": \"Office\",\n  \"snapshot\": \"@GMT-2026.12.07-10.00.00\",\n  \"time\": \"2026-12-07T10:00:00Z\",\n  \"path\": \"Budget.xlsx\",\n  \"files\": 1,\n  \"bytes\": 11\n}\n"},
		{name: "a share possed does not know", args: []string{"snapshots", "list", "Nowhere", "a.txt"}, code: 1,
			stderr: []string{`no share "Nowhere" with snapshots`, "see 'possectl shares list'"}},
		{name: "a bad time is refused before possed", args: []string{"snapshots", "restore", "Office", "a.txt", "--at", "soon"}, code: 1,
			stderr: []string{`--at "soon" is not a time`}},
		{name: "not authorized", refuse: true, args: []string{"snapshots", "restore", "Office", "a.txt"}, code: 1,
			stderr: []string{"you are not allowed to restore earlier versions on this box: ask an administrator to add you to posse-office (or posse-admin)"}},
	})
}
