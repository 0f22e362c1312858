// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Updates turns on automatic Debian updates with unattended-upgrades.
type Updates struct {
	// Automatic is security (the -security suites only), all (also the
	// point releases and -updates) or off.
	Automatic string `yaml:"automatic" json:"automatic"`
	// Reboot is the window in which the box may reboot when an update
	// needs it: "Sun 03:00" (that day, weekly) or "03:00" (any day);
	// empty never reboots on its own.
	Reboot string `yaml:"reboot" json:"reboot,omitempty"`
}

// The values of updates.automatic.
const (
	UpdatesSecurity = "security"
	UpdatesAll      = "all"
	UpdatesOff      = "off"
)

// RebootWindowPattern is the form of updates.reboot.
const RebootWindowPattern = `^((Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([01][0-9]|2[0-3]):[0-5][0-9]$`

var rebootWindowRE = regexp.MustCompile(RebootWindowPattern)

// Weekdays are the day names of a reboot window, as systemd writes them.
var Weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// AutomaticUpdates reports whether the site turns on automatic updates.
func (s *Site) AutomaticUpdates() bool {
	return s.Updates != nil && (s.Updates.Automatic == UpdatesSecurity || s.Updates.Automatic == UpdatesAll)
}

// RebootWindow splits a valid updates.reboot into its day ("" for any
// day) and its time "HH:MM"; ok is false for a malformed window.
func RebootWindow(w string) (day, hhmm string, ok bool) {
	if !rebootWindowRE.MatchString(w) {
		return "", "", false
	}
	if d, t, found := strings.Cut(w, " "); found {
		return d, t, true
	}
	return "", w, true
}

// BeforeWindow returns the day and time an hour before a window's start,
// for the upgrade that may then reboot in the window: ("Sun", "00:30")
// gives ("Sat", "23:30"). day is one of Weekdays.
func BeforeWindow(day, hhmm string) (string, string) {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	mins := h*60 + m - 60
	d := 0
	for i, n := range Weekdays {
		if n == day {
			d = i
		}
	}
	if mins < 0 {
		mins += 24 * 60
		d = (d + 6) % 7
	}
	return Weekdays[d], fmt.Sprintf("%02d:%02d", mins/60, mins%60)
}

const (
	hintUpdatesAutomatic = "use automatic: security, all or off"
	errUpdatesAutomatic  = "updates automatic %q is not security, all or off"
	errRebootWindow      = "updates reboot %q is not a reboot window"
	hintRebootWindow     = `write a day and a time such as "Sun 03:00", or a time such as "03:00" for any day`
	errRebootWithoutAuto = "updates reboot is set but automatic updates are off"
	hintRebootWithoutAut = "set automatic: security or all, or remove reboot"
)

// updates checks the updates section.
func (v *validator) updates() {
	u := v.s.Updates
	if u == nil {
		return
	}
	if v.required("updates.automatic", u.Automatic == "", hintUpdatesAutomatic) {
		switch u.Automatic {
		case UpdatesSecurity, UpdatesAll, UpdatesOff:
		default:
			v.add("updates.automatic", fmt.Sprintf(errUpdatesAutomatic, u.Automatic), hintUpdatesAutomatic)
		}
	}
	if u.Reboot == "" {
		return
	}
	if _, _, ok := RebootWindow(u.Reboot); !ok {
		v.add("updates.reboot", fmt.Sprintf(errRebootWindow, u.Reboot), hintRebootWindow)
	} else if u.Automatic == UpdatesOff {
		v.add("updates.reboot", errRebootWithoutAuto, hintRebootWithoutAut)
	}
}
