// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"fmt"
	"io"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Units and files of the alerts.
const (
	// ServiceUnit is the oneshot check run (site.NotifyUnit, which other
	// services name in OnFailure=).
	ServiceUnit = site.NotifyUnit
	// TimerUnit starts the check run every 15 minutes.
	TimerUnit = "posse-notify.timer"
	// Schedule is when the check runs.
	Schedule = "*:0/15"
	// SystemdDir is where the unit files are written.
	SystemdDir = "/etc/systemd/system"
	// StateDir holds the state file.
	StateDir = host.DefaultStateDir + "/notify"
	// StateFile is the open problems and their last mails (JSON, 0600).
	StateFile = StateDir + "/state.json"
)

// Units are the unit files of the alerts.
var Units = []string{ServiceUnit, TimerUnit}

// RenderUnits renders posse-notify.service, which runs 'possectl notify
// run --scheduled' (possectl an absolute path), and posse-notify.timer,
// which starts it every 15 minutes and soon after boot.
func RenderUnits(possectl string) (map[string]string, error) {
	if !strings.HasPrefix(possectl, "/") || strings.ContainsAny(possectl, " \t\n%$\"'\\") {
		return nil, fmt.Errorf("possectl path %q must be absolute without spaces, quotes or %%", possectl)
	}
	out := map[string]string{}
	for name, opts := range map[string][]*unit.UnitOption{
		ServiceUnit: {
			unit.NewUnitOption("Unit", "Description", "Posse: check the box and mail alerts (notify)"),
			unit.NewUnitOption("Unit", "After", "network-online.target postfix.service"),
			unit.NewUnitOption("Service", "Type", "oneshot"),
			unit.NewUnitOption("Service", "ExecStart", possectl+" notify run --scheduled"),
			unit.NewUnitOption("Service", "Nice", "10"),
		},
		TimerUnit: {
			unit.NewUnitOption("Unit", "Description", "Posse: check the box every 15 minutes and mail alerts"),
			unit.NewUnitOption("Timer", "OnCalendar", Schedule),
			unit.NewUnitOption("Timer", "OnBootSec", "5min"),
			unit.NewUnitOption("Timer", "RandomizedDelaySec", "1min"),
			unit.NewUnitOption("Install", "WantedBy", "timers.target"),
		},
	} {
		b, err := io.ReadAll(unit.Serialize(opts))
		if err != nil {
			return nil, err
		}
		out[name] = string(b)
	}
	return out, nil
}
