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

// TestShareRestoreThroughPossed runs possectl backup share-snapshots,
// browse-share and restore-files against possed (the test backend's share
// "Office").
func TestShareRestoreThroughPossed(t *testing.T) {
	t.Setenv("TZ", "UTC")
	r, _ := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "snapshots", args: []string{"backup", "share-snapshots"},
			stdout: []string{"SNAPSHOT", "9f8e7d6c", "2026-12-07 22:00", "shares: Office", "home folders: bob"}, notStdout: []string{"/srv"}},
		{name: "snapshots json", args: []string{"backup", "share-snapshots", "--json"},
			json: "{\n  \"snapshots\": [\n    {\n      \"id\": \"1a2b3c4d5e6f7a8b\",\n      \"time\": \"2026-12-06T22:00:00Z\"\n    },\n    {\n      \"id\": \"9f8e7d6c5b4a3f2e\",\n      \"time\": \"2026-12-07T22:00:00Z\"\n    }\n  ],\n  \"shares\": [\n    \"Office\"\n  ],\n  \"homes\": [\n    \"bob\"\n  ]\n}\n"},
		{name: "browse", args: []string{"backup", "browse-share", "Office"},
			stdout: []string{"dir", "Budget/", "Letters/"}},
		{name: "browse folder json", args: []string{"backup", "browse-share", "Office", "Budget", "--snapshot", "9f8e7d6c", "--json"},
			stdout: []string{`"path": "Budget/plan.txt"`, `"name": "plan.txt"`}},
		{name: "restore in place", args: []string{"backup", "restore-files", "Office", "Budget/plan.txt"},
			stdout: []string{"restored Budget/plan.txt of Office from the backup of 2026-12-07 22:00", "1 files"}},
		{name: "restore alongside json", args: []string{"backup", "restore-files", "Office", `Budget\plan.txt`, "--alongside", "--json"},
			json: "{\n  \"share\": \"Office\",\n  \"snapshot\": \"9f8e7d6c5b4a3f2e\",\n  \"time\": \"2026-12-07T22:00:00Z\",\n  \"paths\": [\n    \"Budget/plan (restored 2026-12-07 23.00).txt\"\n  ],\n  \"files\": 1,\n  \"bytes\": 11\n}\n"},
		{name: "a share possed does not know", args: []string{"backup", "restore-files", "Nowhere", "a.txt"}, code: 1,
			stderr: []string{`no share "Nowhere" in the backup`}},
		{name: "going up is refused before possed", args: []string{"backup", "restore-files", "Office", "../../etc/shadow"}, code: 1,
			stderr: []string{"goes up with .."}},
		{name: "no path", args: []string{"backup", "restore-files", "Office"}, code: 2,
			stderr: []string{"needs a share and at least one path"}},
		{name: "not authorized", refuse: true, args: []string{"backup", "restore-files", "Office", "a.txt"}, code: 1,
			stderr: []string{"you are not allowed to restore files from the backup on this box: ask an administrator to add you to posse-office (or posse-admin)"}},
	})
}
