// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRenderUnitsGolden(t *testing.T) {
	units, err := RenderUnits("/usr/local/bin/possectl", "*-*-* 22:00", CheckSchedule)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Units {
		u, ok := units[name]
		if !ok {
			t.Fatalf("%s not rendered", name)
		}
		golden(t, name, u)
	}
	if len(units) != len(Units) {
		t.Errorf("rendered %d units, want %d", len(units), len(Units))
	}
}

func TestRenderUnitsRefuses(t *testing.T) {
	for _, tc := range []struct{ possectl, schedule string }{
		{"possectl", "daily"},
		{"/usr/bin/posse ctl", "daily"},
		{"/usr/bin/possectl%n", "daily"},
		{"/usr/bin/possectl", "daily\nExecStart=/bin/sh"},
		{"/usr/bin/possectl", "*-*-* 22:00 %H"},
	} {
		if _, err := RenderUnits(tc.possectl, tc.schedule, CheckSchedule); err == nil {
			t.Errorf("RenderUnits(%q, %q) accepted", tc.possectl, tc.schedule)
		}
	}
}

func TestRenderUnitsSchedule(t *testing.T) {
	units, err := RenderUnits("/usr/bin/possectl", "Mon..Fri *-*-* 18:30", "Sat *-*-* 05:00")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(units[TimerUnit], "OnCalendar=Mon..Fri *-*-* 18:30\n") {
		t.Errorf("timer lacks the schedule:\n%s", units[TimerUnit])
	}
	if !strings.Contains(units[ServiceUnit], "ExecStart=/usr/bin/possectl backup run --scheduled\n") {
		t.Errorf("service lacks ExecStart:\n%s", units[ServiceUnit])
	}
}

func TestUnitsOnFailure(t *testing.T) {
	units, err := RenderUnits("/usr/bin/possectl", "daily", CheckSchedule)
	if err != nil {
		t.Fatal(err)
	}
	cu, err := RenderCopyUnits("/usr/bin/possectl", Copy{Name: "nas", Repository: "sftp:b@nas:/r", Schedule: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range cu {
		units[k] = v
	}
	before := units[TimerUnit]
	if err := units.onFailure("posse-notify.service"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ServiceUnit, CheckServiceUnit, DrillServiceUnit, CopyServiceUnit("nas")} {
		u := units[name]
		head, _, _ := strings.Cut(u, "[Service]")
		if !strings.Contains(head, "\nOnFailure=posse-notify.service\n") || !strings.Contains(u, "ExecStart=") {
			t.Errorf("%s:\n%s", name, u)
		}
	}
	if units[TimerUnit] != before {
		t.Errorf("the timer changed:\n%s", units[TimerUnit])
	}
	if err := units.onFailure("x y"); err == nil {
		t.Error("a unit name with a space was accepted")
	}
}
