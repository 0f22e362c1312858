// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// localtimePath is the system's time zone link (a variable for tests).
var localtimePath = "/etc/localtime"

// boxTimeZone names the box's time zone as IANA does (Europe/Berlin):
// TZ when possed has it, else the target of /etc/localtime, else "UTC"
// for a box without one (systemd's default).
func boxTimeZone() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" && !strings.HasPrefix(tz, "/") {
		if _, err := time.LoadLocation(tz); err == nil {
			return tz
		}
	}
	target, err := os.Readlink(localtimePath)
	if err != nil {
		return "UTC"
	}
	if _, name, ok := strings.Cut(target, "zoneinfo/"); ok && name != "" {
		if _, err := time.LoadLocation(name); err == nil {
			return name
		}
	}
	return "UTC"
}

// TimeZone (api.Interface) returns the box's time zone (IANA name): the
// zone its schedules and times are meant in, so clients show times as
// the box sees them.
func (o *root) TimeZone(sender dbus.Sender, msg dbus.Message) (string, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.Interface, "TimeZone")
	if derr != nil {
		return "", derr
	}
	defer c.end()
	return boxTimeZone(), c.done(nil)
}
