// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"sync/atomic"
	"time"
)

// boxZone is the time zone of the connected box: its schedules ("daily at
// 22:30") are in that zone, so every date and time the app shows is too.
// nil: this computer's zone (a box that does not say, or none yet).
var boxZone atomic.Pointer[time.Location]

// zoner is a Backend that reports the box's time zone (IANA name, such
// as Europe/Berlin).
type zoner interface {
	TimeZone(ctx context.Context) (string, error)
}

// learnZone asks the box for its time zone and uses it from then on; a
// box that cannot say leaves this computer's zone.
func learnZone(ctx context.Context, be Backend) {
	boxZone.Store(nil)
	z, ok := be.(zoner)
	if !ok {
		return
	}
	name, err := z.TimeZone(ctx)
	if err != nil || name == "" {
		return
	}
	if loc, err := time.LoadLocation(name); err == nil {
		boxZone.Store(loc)
	}
}

// inBox is t in the box's time zone.
func inBox(t time.Time) time.Time {
	if loc := boxZone.Load(); loc != nil {
		return t.In(loc)
	}
	return t.Local()
}

// dateTime prints a date and time in the box's zone, as the UI's
// language writes it: 07.12.2026 21:05 in German, 2026-12-07 21:05 in
// English. Every date and time the app shows goes through it or dateOnly.
func dateTime(t time.Time) string {
	if currentLanguage() == "de" {
		return inBox(t).Format("02.01.2006 15:04")
	}
	return inBox(t).Format("2006-01-02 15:04")
}

// dateOnly is dateTime without the time of day.
func dateOnly(t time.Time) string {
	if currentLanguage() == "de" {
		return inBox(t).Format("02.01.2006")
	}
	return inBox(t).Format("2006-01-02")
}

// clockTime is the time of day in the box's zone (15:04).
func clockTime(t time.Time) string {
	return inBox(t).Format("15:04")
}

// localTime prints an RFC 3339 time of possed with dateTime; text that
// is not such a time stays as it is.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return dateTime(t)
}
