// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func stepList(steps []Step) string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.Kind+" "+s.Target)
	}
	return strings.Join(out, "; ")
}

func TestUnitFileSteps(t *testing.T) {
	env := testRoot(t, map[string]string{})
	dir := "/etc/systemd/system"
	a, b := UnitFile{Name: "x.service", Content: "[Service]\n"}, UnitFile{Name: "x.timer", Content: "[Timer]\n"}
	steps, err := UnitFileSteps("svc", env, dir, true, a, b)
	if err != nil || len(steps) != 2 {
		t.Fatalf("on, nothing there: %s, %v", stepList(steps), err)
	}
	// One of them written as wanted: only the other gets a step.
	full := filepath.Join(env.Root, dir)
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "x.service"), []byte(a.Content), 0o644)
	if steps, _ := UnitFileSteps("svc", env, dir, true, a, b); len(steps) != 1 || steps[0].Target != dir+"/x.timer" {
		t.Errorf("on, one there: %s", stepList(steps))
	}
	if steps, _ := UnitFileSteps("svc", env, dir, false, a, b); len(steps) != 1 || steps[0].Action != Delete {
		t.Errorf("off: %s", stepList(steps))
	}
}

func TestRemoveUnitsSteps(t *testing.T) {
	env := testRoot(t, map[string]string{})
	dir := "/etc/systemd/system"
	names := []string{"x.service", "x.timer", "y.timer"}
	if steps, err := RemoveUnitsSteps("svc", env, dir, names, func(string) bool { return true }); err != nil || steps != nil {
		t.Fatalf("nothing there: %s, %v", stepList(steps), err)
	}
	full := filepath.Join(env.Root, dir)
	os.MkdirAll(full, 0o755)
	for _, n := range names[:2] {
		os.WriteFile(filepath.Join(full, n), []byte("x"), 0o644)
	}
	steps, err := RemoveUnitsSteps("svc", env, dir, names, func(u string) bool { return u == "x.timer" })
	if err != nil {
		t.Fatal(err)
	}
	got := stepList(steps)
	want := "run unit x.timer; delete file " + dir + "/x.service; delete file " + dir + "/x.timer; run unit "
	if !strings.HasPrefix(got, want) || len(steps) != 4 {
		t.Errorf("steps %s\nwant the active timer stopped, the two files deleted, then a daemon-reload", got)
	}
}
