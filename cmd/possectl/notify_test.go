// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	possed "github.com/posse-project/posse/daemon/box"
)

// TestNotifyLocalOnly: the alerts' check and test mail run on the box
// itself; with --host they refuse instead of reading this one.
func TestNotifyLocalOnly(t *testing.T) {
	for _, sub := range []string{"run", "test"} {
		code, _, errs := possectlIn(t, "", "--host", "root@box.example", "notify", sub)
		if code != 2 || !strings.Contains(errs, "drop --host and run it there (e.g. ssh root@box.example possectl notify "+sub+")") {
			t.Errorf("notify %s --host: exit %d: %s", sub, code, errs)
		}
	}
}

// TestNotifyStatusThroughPossed: notify status asks possed's Alerts and
// prints the open problem, as text and as the JSON the in-process status
// prints; refused by polkit, it says who may.
func TestNotifyStatusThroughPossed(t *testing.T) {
	r := newRig(t)
	code, out, errs := r.run(t, "", "notify", "status")
	if code != 0 || !strings.Contains(out, "alerts to it@example.org, from posse@example.org") || !strings.Contains(out, "copy:offsite") ||
		!strings.Contains(out, "the backup copy to offsite failed") {
		t.Errorf("notify status: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = r.run(t, "", "notify", "status", "--json")
	var st possed.NotifyStatus
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("notify status --json: exit %d %v\n%s%s", code, err, out, errs)
	}
	o := st.State.Open["copy:offsite"]
	if o == nil || o.FirstSeen.IsZero() || o.LastSent.IsZero() || !strings.Contains(o.Next, "possectl backup copy offsite") || st.State.LastRun.IsZero() {
		t.Errorf("notify status --json: %s", out)
	}
	r.refuse.Store(true)
	if code, _, errs := r.run(t, "", "notify", "status"); code == 0 || !strings.Contains(errs, "not allowed to read the alerts") || !strings.Contains(errs, "posse-office") {
		t.Errorf("notify status refused: exit %d: %s", code, errs)
	}
}

// TestNotifyReportText: what a check run prints, with the text of a
// problem (which may come from a command's error) escaped.
func TestNotifyReportText(t *testing.T) {
	var b bytes.Buffer
	printReport(&b, possed.NotifyReport{})
	if b.String() != "no problems\n" {
		t.Errorf("empty report: %q", b.String())
	}
	b.Reset()
	rep := possed.NotifyReport{Sent: []string{"[posse dc1] PROBLEM: x"}, Failed: []string{"y: sendmail failed"}}
	rep.Problems = []possed.NotifyProblem{{Key: "copy:nas", Subject: "the copy " + evil}}
	printReport(&b, rep)
	want := "problem copy:nas: the copy " + evilEscaped + "\nsent: [posse dc1] PROBLEM: x\nNOT sent: y: sendmail failed\n"
	if b.String() != want {
		t.Errorf("report:\n%q\nwant\n%q", b.String(), want)
	}
}
