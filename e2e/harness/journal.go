// SPDX-License-Identifier: GPL-3.0-or-later

package harness

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/apply"
)

// JournalFile is the apply journal in a box: one JSON record per apply.
const JournalFile = "/var/lib/posse/journal.jsonl"

// LastJournal returns the last record of the apply journal in the box.
func (tb *TestBox) LastJournal(t testing.TB) apply.Result {
	t.Helper()
	l := strings.TrimSpace(tb.MustRun(t, "tail", "-n1", JournalFile))
	var r apply.Result
	if err := json.Unmarshal([]byte(l), &r); err != nil {
		t.Fatalf("the last journal record in box %s, %q: %v", tb.Name(), l, err)
	}
	return r
}
