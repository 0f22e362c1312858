// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"fmt"
	"os"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// The snapshot units: a oneshot service running `possectl snapshots
// take` and its timer on the template's schedule.
const (
	SnapshotService = "posse-snapshots.service"
	SnapshotTimer   = "posse-snapshots.timer"
)

// SnapshotUnits renders posse-snapshots.{service,timer} when the site has
// snapshots (ok is false otherwise). The timer runs on the template's
// OnCalendar schedule in the box's time zone, which the system service
// sets to the site's (as posse-backup.timer does), and catches up a run
// missed while the box was off; no randomised delay, so that versions
// carry the times people expect. possectl is an absolute path.
func SnapshotUnits(c Config, possectl string) (service, timer string, ok bool, err error) {
	if c.Snapshots == nil || !hasSnapshots(c) {
		return "", "", false, nil
	}
	if !strings.HasPrefix(possectl, "/") || strings.ContainsAny(possectl, " \t\n%$\"'\\") {
		return "", "", false, fmt.Errorf("possectl path %q must be absolute without spaces, quotes or %%", possectl)
	}
	sched := c.Snapshots.Schedule
	if strings.TrimSpace(sched) == "" || strings.ContainsAny(sched, "\n\r%\\") {
		return "", "", false, fmt.Errorf("snapshot schedule %q is empty or holds characters systemd does not accept", sched)
	}
	service, err = serialize([]*unit.UnitOption{
		unit.NewUnitOption("Unit", "Description", "Posse: take and prune the snapshots of the shares (Previous Versions)"),
		unit.NewUnitOption("Unit", "Documentation", "man:btrfs-subvolume(8)"),
		unit.NewUnitOption("Unit", "After", "local-fs.target"),
		unit.NewUnitOption("Service", "Type", "oneshot"),
		unit.NewUnitOption("Service", "ExecStart", possectl+" snapshots take"),
	})
	if err != nil {
		return "", "", false, err
	}
	timer, err = serialize([]*unit.UnitOption{
		unit.NewUnitOption("Unit", "Description", "Posse: scheduled snapshots of the shares"),
		unit.NewUnitOption("Timer", "OnCalendar", sched),
		unit.NewUnitOption("Timer", "Persistent", "true"),
		unit.NewUnitOption("Timer", "AccuracySec", "1s"),
		unit.NewUnitOption("Install", "WantedBy", "timers.target"),
	})
	return service, timer, err == nil, err
}

// possectlPath returns where possectl is installed on the box: the first
// of /usr/bin, /usr/local/bin (sandbox boxes) and /usr/sbin that holds
// it, else /usr/bin/possectl.
func possectlPath(env *host.Env) string {
	for _, d := range []string{"/usr/bin", "/usr/local/bin", "/usr/sbin"} {
		if st, err := os.Stat(env.Path(d + "/possectl")); err == nil && !st.IsDir() {
			return d + "/possectl"
		}
	}
	return "/usr/bin/possectl"
}

// snapshotUnitSteps plans the snapshot service and timer files: written
// when the site has snapshots, deleted when it no longer has.
func snapshotUnitSteps(env *host.Env, cfg Config) (steps []plan.Step, on bool, err error) {
	svc, tmr, on, err := SnapshotUnits(cfg, possectlPath(env))
	if err != nil {
		return nil, false, err
	}
	steps, err = plan.UnitFileSteps(Name, env, UnitDir, on, plan.UnitFile{Name: SnapshotService, Content: svc}, plan.UnitFile{Name: SnapshotTimer, Content: tmr})
	return steps, on, err
}
