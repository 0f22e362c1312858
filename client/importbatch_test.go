// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"fmt"
	"strings"
	"testing"
)

// TestSplitImport: batches of n rows each carry the header; a quoted field
// spanning lines keeps the file's line numbers; a username given twice is
// a problem naming both lines; a malformed file goes whole to possed, which
// names the line.
func TestSplitImport(t *testing.T) {
	var b strings.Builder
	b.WriteString("username,first_name,last_name\n")
	for i := range 5 {
		fmt.Fprintf(&b, "u%d,First,Last\n", i)
	}
	b.WriteString("u5,\"Two\nLines\",Last\n") // lines 7–8
	b.WriteString("U1,Again,Last\n")          // line 9: duplicate of line 3
	b.WriteString("u6,First,Last\n")          // line 10
	batches, dups, err := SplitImport([]byte(b.String()), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 3 || batches[0].Rows != 3 || batches[1].Rows != 3 || batches[2].Rows != 1 {
		t.Fatalf("batches %+v", batches)
	}
	for _, bt := range batches {
		if !strings.HasPrefix(string(bt.CSV), "username,first_name,last_name\n") {
			t.Errorf("a batch without the header: %q", bt.CSV)
		}
	}
	if batches[1].FirstLine != 5 || batches[1].LastLine != 7 || batches[2].FirstLine != 10 {
		t.Errorf("lines: %+v", batches)
	}
	if len(dups) != 1 || !strings.Contains(dups[0], "line 9 (u1): duplicate of line 3") {
		t.Errorf("duplicates %q", dups)
	}
	if got := ShiftProblem("line 4: bad name", batches[1]); got != "line 7: bad name" {
		t.Errorf("ShiftProblem = %q", got)
	}
	whole, _, err := SplitImport([]byte("username\n\"open quote\n"), 3)
	if err != nil || len(whole) != 1 || whole[0].Rows != -1 {
		t.Errorf("a malformed file: %+v, %v", whole, err)
	}
}
