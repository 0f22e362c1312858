// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// calendarShorthands are the OnCalendar shorthands systemd accepts.
var calendarShorthands = setOf("minutely", "hourly", "daily", "weekly", "monthly",
	"yearly", "annually", "quarterly", "semiannually")

var weekdays = map[string]int{
	"mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
	"thu": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
	"sun": 7, "sunday": 7,
}

// CheckOnCalendar checks a systemd OnCalendar expression against the
// grammar of systemd.time(7): a shorthand (minutely, hourly, daily, weekly,
// monthly, yearly, annually, quarterly, semiannually) or
// "[DOW[,DOW|..DOW]] [YYYY-MM-DD] [HH:MM[:SS]] [TIMEZONE]", where each date
// and time component is *, a value, a list a,b, a range a..b or a
// repetition a/step or a..b/step, with values range-checked. It is a
// grammar check; systemd-analyze calendar remains the final word at apply
// time.
func CheckOnCalendar(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return errors.New("it is empty")
	}
	if hasControl(expr) {
		return errors.New("it contains control characters")
	}
	fields := strings.Fields(expr)
	if len(fields) == 1 && calendarShorthands[fields[0]] {
		return nil
	}
	if n := len(fields); n > 1 && isTimezone(fields[n-1]) {
		fields = fields[:n-1]
	}
	if len(fields) == 0 || len(fields) > 3 {
		return errors.New("expected [weekdays] [date] [time]")
	}
	i := 0
	if c := fields[0][0]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
		if err := checkWeekdays(fields[0]); err != nil {
			return err
		}
		i++
	}
	if i < len(fields) && !strings.Contains(fields[i], ":") {
		if err := checkDate(fields[i]); err != nil {
			return err
		}
		i++
	}
	if i < len(fields) {
		if err := checkTime(fields[i]); err != nil {
			return err
		}
		i++
	}
	if i < len(fields) {
		return fmt.Errorf("unexpected %q", fields[i])
	}
	return nil
}

func isTimezone(s string) bool {
	if s == "UTC" {
		return true
	}
	if !strings.Contains(s, "/") || hasControl(s) {
		return false
	}
	_, err := time.LoadLocation(s)
	return err == nil
}

func checkWeekdays(s string) error {
	for _, item := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(item, "..")
		if !isRange {
			a, b, isRange = strings.Cut(item, "-")
		}
		da, ok := weekdays[strings.ToLower(a)]
		if !ok {
			return fmt.Errorf("%q is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", a)
		}
		if isRange {
			db, ok := weekdays[strings.ToLower(b)]
			if !ok {
				return fmt.Errorf("%q is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", b)
			}
			if db < da {
				return fmt.Errorf("weekday range %s is backwards", item)
			}
		}
	}
	return nil
}

func checkDate(s string) error {
	if strings.Count(s, "~") > 1 {
		return fmt.Errorf("date %q has more than one ~", s)
	}
	head, lastDays, tilde := strings.Cut(s, "~")
	parts := strings.Split(head, "-")
	if tilde {
		parts = append(parts, lastDays)
	}
	var spec []component
	switch len(parts) {
	case 3:
		spec = []component{{"year", 1970, 2199}, {"month", 1, 12}, {"day", 1, 31}}
	case 2:
		spec = []component{{"month", 1, 12}, {"day", 1, 31}}
	default:
		return fmt.Errorf("date %q is not of the form YYYY-MM-DD or MM-DD", s)
	}
	for i, p := range parts {
		if err := spec[i].check(p, false); err != nil {
			return err
		}
	}
	return nil
}

func checkTime(s string) error {
	parts := strings.Split(s, ":")
	spec := []component{{"hour", 0, 23}, {"minute", 0, 59}, {"second", 0, 59}}
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("time %q is not of the form HH:MM or HH:MM:SS", s)
	}
	for i, p := range parts {
		if err := spec[i].check(p, i == 2); err != nil {
			return err
		}
	}
	return nil
}

type component struct {
	name     string
	min, max int
}

// check accepts *, or a comma list of v, a..b, v/step, a..b/step.
func (c component) check(s string, fraction bool) error {
	if s == "*" {
		return nil
	}
	if s == "" {
		return fmt.Errorf("%s is empty", c.name)
	}
	for _, item := range strings.Split(s, ",") {
		rng, step, hasStep := strings.Cut(item, "/")
		a, b, isRange := strings.Cut(rng, "..")
		if a == "*" {
			return fmt.Errorf("%s %q: a repetition needs a start value, such as 0/15", c.name, item)
		}
		va, err := c.value(a, fraction)
		if err != nil {
			return err
		}
		if isRange {
			vb, err := c.value(b, fraction)
			if err != nil {
				return err
			}
			if vb < va {
				return fmt.Errorf("%s range %s is backwards", c.name, rng)
			}
		}
		if hasStep {
			n, err := strconv.ParseFloat(step, 64)
			if err != nil || n <= 0 || (!fraction && n != float64(int(n))) || !isDecimal(step) {
				return fmt.Errorf("%s repetition %q is not a positive number", c.name, step)
			}
		}
	}
	return nil
}

func (c component) value(s string, fraction bool) (float64, error) {
	if !isDecimal(s) || (!fraction && strings.Contains(s, ".")) {
		return 0, fmt.Errorf("%s %q is not a number", c.name, s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < float64(c.min) || v >= float64(c.max+1) {
		return 0, fmt.Errorf("%s %s is out of range %d to %d", c.name, s, c.min, c.max)
	}
	return v, nil
}

// isDecimal reports whether s is digits with at most one inner dot.
func isDecimal(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	dots := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && i > 0 && i < len(s)-1:
			dots++
		default:
			return false
		}
	}
	return dots <= 1
}
