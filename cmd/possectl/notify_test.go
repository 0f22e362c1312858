// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"strings"
	"testing"

	possed "github.com/posse-project/posse/daemon/box"
)

// TestNotifyLocalOnly: the alerts' commands run on the box itself; with
// --host they refuse instead of reading this one.
func TestNotifyLocalOnly(t *testing.T) {
	for _, sub := range []string{"run", "status", "test"} {
		code, _, errs := possectlIn(t, "", "--host", "root@box.example", "notify", sub)
		if code != 2 || !strings.Contains(errs, "drop --host and run it there (e.g. ssh root@box.example possectl notify "+sub+")") {
			t.Errorf("notify %s --host: exit %d: %s", sub, code, errs)
		}
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
