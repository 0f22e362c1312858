// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestCheckOnCalendarAccepts(t *testing.T) {
	for _, expr := range []string{
		"minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually",
		"*-*-* 22:00", "*-*-* 22:00:00", "22:00", "Mon 22:00", "Mon..Fri 22:00", "Mon-Fri *-*-* 02:30",
		"Sat,Sun 10:00", "Mon,Wed..Fri 08:00", "monday 06:00", "2026-01-01", "2026-01-01 00:00:00",
		"*-01-01", "*-*-1/2 03:00", "*-1,7-1 00:00", "*:0/15", "*:*:0", "*-*-* 00..06:00",
		"*-*-* 01:02:03.5", "*-02~03", "*-*~1 04:00", "Fri *-*-1..7 18:00", "*-*-* 22:00 UTC",
		"*-*-* 22:00 Europe/Berlin", "Wed", "2026..2030-*-* 00:00", "*-*-* 1,13:00",
	} {
		if err := CheckOnCalendar(expr); err != nil {
			t.Errorf("CheckOnCalendar(%q) = %v, want nil", expr, err)
		}
	}
}

func TestCheckOnCalendarRefuses(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"at 10pm", `"at" is not a weekday`},
		{"*-*-* 25:00", "hour 25 is out of range 0 to 23"},
		{"*-*-* 22:60", "minute 60 is out of range"},
		{"*-*-* 22:00:60", "second 60 is out of range"},
		{"*-13-01", "month 13 is out of range"},
		{"*-*-32", "day 32 is out of range"},
		{"*-00-01", "month 00 is out of range"},
		{"1969-01-01", "year 1969 is out of range"},
		{"Mon..Xyz 10:00", `"Xyz" is not a weekday`},
		{"Fri..Mon 10:00", "backwards"},
		{"*-*-* 10..05:00", "backwards"},
		{"*:*/15", "needs a start value"},
		{"*-*-* 1:00/0", "not a positive number"},
		{"*-*-* 10:00 10:00", "unexpected"},
		{"daily 10:00", `"daily" is not a weekday`},
		{"*-*-*-* 10:00", "not of the form YYYY-MM-DD"},
		{"10:00:00:00", "not of the form HH:MM"},
		{"10", "not of the form YYYY-MM-DD"},
		{"*-*-* 1a:00", `hour "1a" is not a number`},
		{"*-*-* 10.5:00", `hour "10.5" is not a number`},
		{"*-*-* 22:00\n", "control characters"},
		{"*-*~1~2", "more than one ~"},
		{"a b c d e", "expected [weekdays] [date] [time]"},
		{"*-*-* ,:00", `hour "" is not a number`},
	}
	for _, tt := range tests {
		err := CheckOnCalendar(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckOnCalendar(%q) = %v, want an error containing %q", tt.expr, err, tt.want)
		}
	}
}
