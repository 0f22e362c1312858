// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"fmt"
	"io"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/posse-project/posse/services/ad"
)

// CheckSchedule is when the weekly restic check runs.
const CheckSchedule = "Sun *-*-* 04:00"

// DrillSchedule is when the monthly restore drill runs: the first
// Saturday of the month, a day before the check.
const DrillSchedule = "Sat *-*-01..07 05:00"

// UnitFiles are the rendered unit files, keyed by unit name.
type UnitFiles map[string]string

// RenderUnits renders posse-backup.{service,timer},
// posse-backup-check.{service,timer} and posse-backup-drill.{service,timer}:
// oneshot services running possectl
// (at possectl, an absolute path) and timers that catch up missed runs
// (Persistent=true) with a small randomised delay.
func RenderUnits(possectl, schedule, checkSchedule string) (UnitFiles, error) {
	if !strings.HasPrefix(possectl, "/") || strings.ContainsAny(possectl, " \t\n%$\"'\\") {
		return nil, fmt.Errorf("possectl path %q must be absolute without spaces, quotes or %%", possectl)
	}
	for _, s := range []string{schedule, checkSchedule} {
		if strings.ContainsAny(s, "\n\r%") {
			return nil, fmt.Errorf("schedule %q holds characters systemd does not accept", s)
		}
	}
	svc := func(desc, sub string) []*unit.UnitOption {
		return serviceOptions(desc, possectl+" backup "+sub+" --scheduled")
	}
	timer := timerOptions
	out := UnitFiles{}
	for name, opts := range map[string][]*unit.UnitOption{
		ServiceUnit:      svc("Posse: back up the site with restic", "run"),
		TimerUnit:        timer("Posse: scheduled backup", schedule, "5min"),
		CheckServiceUnit: svc("Posse: check the backup repository (restic check)", "check"),
		CheckTimerUnit:   timer("Posse: weekly check of the backup repository", checkSchedule, "30min"),
		DrillServiceUnit: svc("Posse: restore drill (restore a sample of files and check them)", "drill"),
		DrillTimerUnit:   timer("Posse: monthly restore drill", DrillSchedule, "30min"),
	} {
		if err := out.add(name, opts); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// onFailure adds OnFailure=unit to every service of u, so that a failed
// run starts unit at once (the alerts' check run); "" leaves u alone.
func (u UnitFiles) onFailure(target string) error {
	if target == "" {
		return nil
	}
	if strings.ContainsAny(target, " \t\n%$\"'\\") {
		return fmt.Errorf("unit name %q holds characters systemd does not accept", target)
	}
	for name, text := range u {
		if !strings.HasSuffix(name, ".service") {
			continue
		}
		opts, err := unit.Deserialize(strings.NewReader(text))
		if err != nil {
			return err
		}
		var out []*unit.UnitOption
		for i, o := range opts {
			out = append(out, o)
			if o.Section == "Unit" && (i+1 == len(opts) || opts[i+1].Section != "Unit") {
				out = append(out, unit.NewUnitOption("Unit", "OnFailure", target))
			}
		}
		if err := u.add(name, out); err != nil {
			return err
		}
	}
	return nil
}

func (u UnitFiles) add(name string, opts []*unit.UnitOption) error {
	b, err := io.ReadAll(unit.Serialize(opts))
	if err != nil {
		return err
	}
	u[name] = string(b)
	return nil
}

// serviceOptions are a oneshot service running exec (niced, idle I/O)
// after the network is up.
func serviceOptions(desc, exec string) []*unit.UnitOption {
	return []*unit.UnitOption{
		unit.NewUnitOption("Unit", "Description", desc),
		unit.NewUnitOption("Unit", "Documentation", "man:restic(1)"),
		unit.NewUnitOption("Unit", "Wants", "network-online.target"),
		unit.NewUnitOption("Unit", "After", "network-online.target "+ad.DCUnit),
		unit.NewUnitOption("Service", "Type", "oneshot"),
		unit.NewUnitOption("Service", "ExecStart", exec),
		unit.NewUnitOption("Service", "Nice", "10"),
		unit.NewUnitOption("Service", "IOSchedulingClass", "idle"),
	}
}

// timerOptions are a timer on cal that catches up missed runs with a
// randomised delay.
func timerOptions(desc, cal, delay string) []*unit.UnitOption {
	return []*unit.UnitOption{
		unit.NewUnitOption("Unit", "Description", desc),
		unit.NewUnitOption("Timer", "OnCalendar", cal),
		unit.NewUnitOption("Timer", "Persistent", "true"),
		unit.NewUnitOption("Timer", "RandomizedDelaySec", delay),
		unit.NewUnitOption("Install", "WantedBy", "timers.target"),
	}
}
