// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	officeSite    = "../examples/small-office.yaml"
	officeSecrets = "../examples/small-office.secrets.yaml"
)

// planJSON plans a copy of template in the box and returns its steps and
// the system service's notes.
func planJSON(t *testing.T, tb *harness.TestBox, template, secrets string, extra ...string) ([]harness.PlanStep, []string) {
	t.Helper()
	p := tb.PlanOf(t, template, secrets, extra...)
	return p.Steps, p.NotesOf("system")
}

func systemSteps(steps []harness.PlanStep) []harness.PlanStep {
	var out []harness.PlanStep
	for _, s := range steps {
		if s.Service == "system" {
			out = append(out, s)
		}
	}
	return out
}

// boxZone is what timedated, /etc/localtime and /etc/timezone say.
func boxZone(t *testing.T, tb *harness.TestBox) (timedated, link, file string) {
	t.Helper()
	timedated = strings.TrimSpace(tb.MustRun(t, "timedatectl", "show", "-p", "Timezone", "--value"))
	link = strings.TrimSpace(tb.MustRun(t, "readlink", "/etc/localtime"))
	// Debian 13's tzdata no longer ships /etc/timezone; Posse writes it.
	file = strings.TrimSpace(tb.MustRun(t, "sh", "-c", "cat /etc/timezone 2>/dev/null || true"))
	return
}

// nextBackup is when posse-backup.timer fires next, as systemctl prints it
// in the box's zone and, with TZ=UTC, in UTC. The timer adds a random delay
// of up to 5 minutes to the schedule.
func nextBackup(t *testing.T, tb *harness.TestBox) (local, utc string) {
	t.Helper()
	local = strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "posse-backup.timer", "-p", "NextElapseUSecRealtime", "--value"))
	utc = strings.TrimSpace(tb.MustRun(t, "env", "TZ=UTC", "systemctl", "show", "posse-backup.timer", "-p", "NextElapseUSecRealtime", "--value"))
	return local, utc
}

// TestTimezone applies examples/small-office.yaml (timezone Europe/Berlin,
// backup at 22:00) to a fresh box, which boots on Etc/UTC: the zone is set
// through timedated before the other services, the backup timer fires at
// 22:00 Berlin time, and a second plan has nothing for it. Then it changes
// the template's zone only: the timer, whose unit is unchanged, follows.
func TestTimezone(t *testing.T) {
	tb := harness.Box(t, "tz")
	secrets := filepath.Join(t.TempDir(), "small-office.secrets.yaml")
	raw, err := os.ReadFile(officeSecrets)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if td, _, _ := boxZone(t, tb); td != "Etc/UTC" {
		t.Fatalf("a fresh box is on %q, want Etc/UTC", td)
	}

	t.Run("render under --root leaves the box's zone alone", func(t *testing.T) {
		steps, notes := planJSON(t, tb, officeSite, secrets, "--root", "/root/render")
		sys := systemSteps(steps)
		if len(sys) != 1 || sys[0].Kind != "file" || sys[0].Target != "/etc/timezone" {
			t.Errorf("system steps under --root: %+v", sys)
		}
		if len(notes) != 1 || !strings.Contains(notes[0], "time zone Europe/Berlin is set only on the live box") {
			t.Errorf("system notes under --root: %q", notes)
		}
		if td, _, _ := boxZone(t, tb); td != "Etc/UTC" {
			t.Errorf("planning under --root changed the zone to %s", td)
		}
	})

	t.Run("plan sets the zone first", func(t *testing.T) {
		steps, _ := planJSON(t, tb, officeSite, secrets)
		if len(steps) < 3 {
			t.Fatalf("plan has %d steps", len(steps))
		}
		// The zone's two steps come first; the SSH drop-in's steps, also
		// the system service's, follow them.
		if steps[0].Service != "system" || steps[0].Target != "/etc/timezone" ||
			steps[1].Service != "system" || steps[1].Kind != "system.timezone" {
			t.Fatalf("want the zone's two steps first, got %+v", steps[:2])
		}
		for _, s := range systemSteps(steps)[2:] {
			if !strings.Contains(s.Target, "ssh") {
				t.Errorf("a system step that is neither the zone's nor SSH's: %+v", s)
			}
		}
		tz := steps[1]
		if tz.Kind != "system.timezone" || tz.Target != "/etc/localtime" || len(tz.Changes) != 1 ||
			tz.Changes[0].Field != "timezone" || tz.Changes[0].Before != "Etc/UTC" || tz.Changes[0].After != "Europe/Berlin" {
			t.Errorf("zone step %+v", tz)
		}
	})

	tb.Apply(t, officeSite, secrets)

	t.Run("the box is on Europe/Berlin", func(t *testing.T) {
		td, link, file := boxZone(t, tb)
		if td != "Europe/Berlin" || link != "../usr/share/zoneinfo/Europe/Berlin" || file != "Europe/Berlin" {
			t.Errorf("timedated %q, /etc/localtime -> %q, /etc/timezone %q", td, link, file)
		}
		if got := strings.TrimSpace(tb.MustRun(t, "date", "+%Z")); got != "CET" && got != "CEST" {
			t.Errorf("date +%%Z says %q", got)
		}
	})

	t.Run("the backup runs at 22:00 Berlin time", func(t *testing.T) {
		local, utc := nextBackup(t, tb)
		if !regexp.MustCompile(` 22:0[0-5]:\d\d CES?T$`).MatchString(local) {
			t.Errorf("next backup %q, want 22:00 CET or CEST", local)
		}
		// The same instant in UTC: 21:00 in winter, 20:00 in summer.
		if !regexp.MustCompile(` (21|20):0[0-5]:\d\d UTC$`).MatchString(utc) {
			t.Errorf("next backup in UTC %q, want 21:00 or 20:00", utc)
		}
		timers := tb.MustRun(t, "systemctl", "list-timers", "--no-pager", "posse-backup.timer")
		if !regexp.MustCompile(` 22:0[0-5]:\d\d CES?T `).MatchString(timers) {
			t.Errorf("systemctl list-timers:\n%s", timers)
		}
	})

	t.Run("re-plan has nothing for the zone", func(t *testing.T) {
		steps, notes := planJSON(t, tb, officeSite, secrets)
		if sys := systemSteps(steps); len(sys) != 0 || len(notes) != 0 {
			t.Errorf("second plan: system steps %+v, notes %q", sys, notes)
		}
		if len(steps) != 0 {
			t.Logf("second plan has %d steps of other services", len(steps))
		}
	})

	t.Run("another zone moves the existing timer", func(t *testing.T) {
		b, err := os.ReadFile(officeSite)
		if err != nil {
			t.Fatal(err)
		}
		ny := strings.Replace(string(b), "timezone: Europe/Berlin", "timezone: America/New_York", 1)
		site := filepath.Join(t.TempDir(), "office-ny.yaml")
		if err := os.WriteFile(site, []byte(ny), 0o600); err != nil {
			t.Fatal(err)
		}
		steps, _ := planJSON(t, tb, site, secrets)
		if sys := systemSteps(steps); len(sys) != 2 || len(steps) != 2 {
			t.Fatalf("only the zone and /etc/timezone should change, plan: %+v", steps)
		}
		tb.Apply(t, site, secrets)
		if td, link, file := boxZone(t, tb); td != "America/New_York" || link != "../usr/share/zoneinfo/America/New_York" || file != "America/New_York" {
			t.Errorf("timedated %q, /etc/localtime -> %q, /etc/timezone %q", td, link, file)
		}
		// The timer unit did not change (no daemon-reload): PID 1 saw
		// /etc/localtime change and computed the next run again.
		local, utc := nextBackup(t, tb)
		if !regexp.MustCompile(` 22:0[0-5]:\d\d E[SD]T$`).MatchString(local) || !regexp.MustCompile(` 0[23]:0[0-5]:\d\d UTC$`).MatchString(utc) {
			t.Errorf("next backup %q (%q in UTC), want 22:00 New York time", local, utc)
		}
		if steps, _ := planJSON(t, tb, site, secrets); len(systemSteps(steps)) != 0 {
			t.Errorf("re-plan after the change: %+v", systemSteps(steps))
		}
	})
}
