// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"testing"

	"github.com/posse-project/posse/client"
)

// TestJobThroughPossed: possectl job shows the result of an apply that
// another connection started.
func TestJobThroughPossed(t *testing.T) {
	r, _ := newParityRig(t)
	ctx := context.Background()
	cl, err := client.Dial(ctx, client.Options{BusAddress: r.addr})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ok, err := cl.Apply(ctx, []byte(testTemplate), nil, nil)
	if err != nil || !ok.OK {
		t.Fatalf("apply: %+v %v", ok, err)
	}
	failed, err := cl.Apply(ctx, []byte(testTemplate+"# fail\n"), nil, nil)
	if err != nil || failed.OK {
		t.Fatalf("failing apply: %+v %v", failed, err)
	}
	runParity(t, r, []parityCase{
		{name: "applied", args: []string{"job", ok.Job}, stdout: []string{"apply " + ok.Job + ": applied", "Applied: 3 created"}},
		{name: "applied json", args: []string{"job", ok.Job, "--json"}, stdout: []string{`"job": "` + ok.Job + `"`, `"finished": true`, `"ok": true`, `"rolled_back": []`, `"result": {`}},
		{name: "rolled back", args: []string{"job", failed.Job}, code: 1, stdout: []string{"rolled-back", "↩ directory rolled back: restored /etc/f0"},
			stderr: []string{"apply failed: directory: step 2 failed"}},
		{name: "rolled back json", args: []string{"job", failed.Job, "--json"}, code: 1, stdout: []string{`"ok": false`, `"outcome": "rolled-back"`}},
		{name: "unknown", args: []string{"job", "0123456789abcdef"}, code: 1,
			stderr: []string{`there is no apply "0123456789abcdef" in this possed's memory`, "see 'possectl status' for the running apply"}},
		{name: "not authorized", refuse: true, args: []string{"job", ok.Job}, code: 1,
			stderr: []string{"you are not allowed to read the result of an apply on this box: ask an administrator to add you to posse-admin"}},
	})
}
