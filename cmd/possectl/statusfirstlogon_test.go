// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestFirstLogonLine(t *testing.T) {
	if got := firstLogonLine([]string{"anna"}); !strings.HasPrefix(got, "1 user has not chosen their own password yet: anna\n") ||
		!strings.Contains(got, "--must-change-password=false") {
		t.Errorf("one: %q", got)
	}
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf("u%02d", i))
	}
	got := firstLogonLine(many)
	if !strings.HasPrefix(got, "12 users have not chosen their own password yet: u00, u01, u02, u03, u04, u05, u06, u07, u08, u09 and 2 more\n") {
		t.Errorf("many: %q", got)
	}
	if many[0] != "u00" || len(many) != 12 {
		t.Error("the caller's list changed")
	}
	if got := firstLogonLine([]string{"evil\x1b[2J"}); strings.Contains(got, "\x1b") {
		t.Errorf("control characters printed: %q", got)
	}
}
