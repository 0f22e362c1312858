// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"fmt"
	"io"
	"strconv"

	"github.com/coreos/go-systemd/v22/unit"
)

// PurgeUnits renders the recycle-bin purge service and its daily timer
// for the shares with a recycle bin; ok is false when no share has one.
// For each share the service runs two find commands (argv, no shell): one
// deletes files whose access time (set by recycle:touch when Samba moved
// them in) is older than the share's recycle_days, the next removes the
// folders that left empty. Paths are validated share paths: they hold no
// spaces, quotes or "%" (systemd specifiers).
func PurgeUnits(c Config) (service, timer string, ok bool, err error) {
	var opts []*unit.UnitOption
	opts = append(opts,
		unit.NewUnitOption("Unit", "Description", "Posse: purge old recycle bin entries of the shares"),
		unit.NewUnitOption("Unit", "Documentation", "man:find(1)"),
		unit.NewUnitOption("Service", "Type", "oneshot"),
		unit.NewUnitOption("Service", "Nice", "10"),
		unit.NewUnitOption("Service", "IOSchedulingClass", "idle"),
	)
	for _, sh := range c.Shares {
		if !sh.RecycleBin {
			continue
		}
		if err := SharePathError(sh.Path); err != nil {
			return "", "", false, err
		}
		if sh.RecycleDays < 1 {
			return "", "", false, fmt.Errorf("share %s: recycle_days must be at least 1", quote(sh.Name))
		}
		ok = true
		bin := sh.Path + "/" + RecycleDir
		days := "+" + strconv.Itoa(sh.RecycleDays-1) // -atime +N means more than N+1 whole days
		opts = append(opts,
			unit.NewUnitOption("Service", "ExecStart", "/usr/bin/find "+bin+" -xdev -mindepth 1 -type f -atime "+days+" -delete"),
			unit.NewUnitOption("Service", "ExecStart", "/usr/bin/find "+bin+" -xdev -mindepth 2 -type d -empty -delete"),
		)
	}
	if !ok {
		return "", "", false, nil
	}
	service, err = serialize(opts)
	if err != nil {
		return "", "", false, err
	}
	timer, err = serialize([]*unit.UnitOption{
		unit.NewUnitOption("Unit", "Description", "Posse: purge old recycle bin entries daily"),
		unit.NewUnitOption("Timer", "OnCalendar", "daily"),
		unit.NewUnitOption("Timer", "RandomizedDelaySec", "1h"),
		unit.NewUnitOption("Timer", "Persistent", "true"),
		unit.NewUnitOption("Install", "WantedBy", "timers.target"),
	})
	return service, timer, true, err
}

func serialize(opts []*unit.UnitOption) (string, error) {
	b, err := io.ReadAll(unit.Serialize(opts))
	if err != nil {
		return "", err
	}
	return "# Managed by Posse: changes here are overwritten by the next apply.\n" + string(b), nil
}
