// SPDX-License-Identifier: GPL-3.0-or-later

package main

import "testing"

func TestScrubLines(t *testing.T) {
	got := scrubLines([]byte("ERROR: failed\nPassword for [OLD\\admin]:\n"), []byte("\n  more  \n"))
	if got != "ERROR: failed\nmore" {
		t.Errorf("scrubLines: %q", got)
	}
}
