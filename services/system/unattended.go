// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Files of the automatic updates (site.updates).
const (
	// UnattendedConfPath is Posse's apt configuration for
	// unattended-upgrades: the periodic settings of 20auto-upgrades, which
	// origins to install and the reboot. It sorts after Debian's
	// 50unattended-upgrades and 20auto-upgrades, so its values win.
	UnattendedConfPath = "/etc/apt/apt.conf.d/52posse-unattended"
	// UpgradeTimer runs unattended-upgrade (apt.systemd.daily install).
	UpgradeTimer = "apt-daily-upgrade.timer"
	// UpgradeTimerDropIn moves UpgradeTimer to an hour before a reboot
	// window that names a day.
	UpgradeTimerDropIn = "/etc/systemd/system/" + UpgradeTimer + ".d/50-posse.conf"
	// unattendedUpgradePath tells whether unattended-upgrades is installed.
	unattendedUpgradePath = "/usr/bin/unattended-upgrade"
)

// Origins-Pattern lines of unattended-upgrades: Debian's security suites
// (Debian 12 and later, and the older name), and for "all" the release
// with its point releases and -updates.
var (
	securityOrigins = []string{
		"origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
		"origin=Debian,codename=${distro_codename},label=Debian-Security",
	}
	allOrigins = []string{
		"origin=Debian,codename=${distro_codename},label=Debian",
		"origin=Debian,codename=${distro_codename}-updates",
	}
)

// RenderUnattended renders UnattendedConfPath for u (automatic security
// or all). It clears the origins Debian's file lists, so "security"
// means the security suites only.
func RenderUnattended(u site.Updates) string {
	var b strings.Builder
	b.WriteString("// Written by Posse (the system service) from the site's updates key;\n" +
		"// changes are overwritten. See docs/updates.md.\n" +
		"APT::Periodic::Update-Package-Lists \"1\";\n" +
		"APT::Periodic::Unattended-Upgrade \"1\";\n" +
		"#clear Unattended-Upgrade::Origins-Pattern;\n" +
		"Unattended-Upgrade::Origins-Pattern {\n")
	origins := securityOrigins
	if u.Automatic == site.UpdatesAll {
		origins = append(append([]string{}, securityOrigins...), allOrigins...)
	}
	for _, o := range origins {
		fmt.Fprintf(&b, "\t%q;\n", o)
	}
	b.WriteString("};\n")
	if _, at, ok := site.RebootWindow(u.Reboot); ok {
		b.WriteString("Unattended-Upgrade::Automatic-Reboot \"true\";\n")
		fmt.Fprintf(&b, "Unattended-Upgrade::Automatic-Reboot-Time %q;\n", at)
	} else {
		b.WriteString("Unattended-Upgrade::Automatic-Reboot \"false\";\n")
	}
	return b.String()
}

// RenderUpgradeTimerDropIn renders the drop-in that runs the upgrade once
// a week, an hour before a reboot window with a day, without apt's random
// delay, so that a reboot it needs falls in the window.
func RenderUpgradeTimerDropIn(day, at string) string {
	d, t := site.BeforeWindow(day, at)
	return "# Written by Posse (the system service) from the site's updates key;\n" +
		"# changes are overwritten. The updates install an hour before the\n" +
		"# reboot window " + day + " " + at + ".\n" +
		"[Timer]\n" +
		"OnCalendar=\n" +
		"OnCalendar=" + d + " *-*-* " + t + ":00\n" +
		"RandomizedDelaySec=0\n"
}

// updatesSteps plans the automatic updates: with automatic security or
// all, UnattendedConfPath (checked with apt-config) and, for a window
// with a day, UpgradeTimerDropIn; without them (off, or no updates key)
// both files are deleted. A changed drop-in reloads systemd and restarts
// the timer when it runs.
func updatesSteps(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, error) {
	var steps []plan.Step
	var conf, dropIn plan.Step
	var confChanged, dropInChanged bool
	var err error
	day, at := "", ""
	if st.AutomaticUpdates() {
		if !env.Offline {
			if _, err := os.Stat(env.Path(unattendedUpgradePath)); err != nil {
				return nil, fmt.Errorf("updates.automatic %s needs the package unattended-upgrades, which is not installed: apt-get install unattended-upgrades", st.Updates.Automatic)
			}
		}
		conf, confChanged, err = plan.FileStep(Name, env, plan.FileSpec{Path: UnattendedConfPath, Content: RenderUnattended(*st.Updates), Mode: 0o644, Owner: "root", Group: "root"})
		day, at, _ = site.RebootWindow(st.Updates.Reboot)
	} else {
		conf, confChanged, err = plan.DeleteFileStep(Name, env, UnattendedConfPath)
	}
	if err != nil {
		return nil, err
	}
	if day != "" {
		dropIn, dropInChanged, err = plan.FileStep(Name, env, plan.FileSpec{Path: UpgradeTimerDropIn, Content: RenderUpgradeTimerDropIn(day, at), Mode: 0o644, Owner: "root", Group: "root"})
	} else {
		dropIn, dropInChanged, err = plan.DeleteFileStep(Name, env, UpgradeTimerDropIn)
	}
	if err != nil {
		return nil, err
	}
	if confChanged {
		steps = append(steps, conf)
		if !env.Offline && conf.Action != plan.Delete {
			steps = append(steps, plan.CheckStep(Name, "apt-config", "dump"))
		}
	}
	if !dropInChanged {
		return steps, nil
	}
	steps = append(steps, dropIn)
	if env.Offline {
		return steps, nil
	}
	if env.Units == nil {
		return nil, fmt.Errorf("no systemd connection configured")
	}
	steps = append(steps, plan.UnitStep(Name, "", "daemon-reload"))
	ts, err := env.Units.Status(ctx, UpgradeTimer)
	if err != nil {
		return nil, fmt.Errorf("reading the state of %s: %w", UpgradeTimer, err)
	}
	if ts.ActiveState == "active" {
		steps = append(steps, plan.UnitStep(Name, UpgradeTimer, "restart"))
	}
	return steps, nil
}
