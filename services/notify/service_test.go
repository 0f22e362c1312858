// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

func steps(t *testing.T, st *site.Site, env *host.Env) string {
	t.Helper()
	ss, _, err := New().Plan(t.Context(), st, env)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.Kind+" "+s.Target)
		if s.Action == plan.Delete {
			out[len(out)-1] += " (delete)"
		}
	}
	return strings.Join(out, "\n")
}

func TestPlanWritesAndRemovesUnits(t *testing.T) {
	env := &host.Env{Root: t.TempDir(), Offline: true}
	with := &site.Site{Notify: &site.Notify{To: []string{"it@example.com"}}}
	want := "file /etc/systemd/system/posse-notify.service\nfile /etc/systemd/system/posse-notify.timer\nunit systemd\nunit posse-notify.timer"
	if got := steps(t, with, env); !strings.HasSuffix(got, want) {
		t.Fatalf("fresh box:\n%s\nwant it to end with:\n%s", got, want)
	}
	units, err := RenderUnits(host.PossectlPath(env))
	if err != nil {
		t.Fatal(err)
	}
	for n, c := range units {
		p := env.Path(SystemdDir + "/" + n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := steps(t, with, env); strings.Contains(got, "posse-notify") {
		t.Errorf("units in place, the plan still changes them:\n%s", got)
	}
	if got := steps(t, &site.Site{}, env); got != "file /etc/systemd/system/posse-notify.service (delete)\nfile /etc/systemd/system/posse-notify.timer (delete)\nunit systemd" {
		t.Errorf("notify removed:\n%s", got)
	}
	if err := os.Remove(env.Path(SystemdDir + "/" + ServiceUnit)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(env.Path(SystemdDir + "/" + TimerUnit)); err != nil {
		t.Fatal(err)
	}
	if got := steps(t, &site.Site{}, env); got != "" {
		t.Errorf("nothing to remove, the plan is:\n%s", got)
	}
}
