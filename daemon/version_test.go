// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// TestOlderClientGetsTheVersionError calls the methods of earlier
// interface versions as such a client does (their old names and
// arguments): each answers api.ErrVersion, which the client shows as
// "possectl and possed differ in version: update both", and nothing is
// applied.
func TestOlderClientGetsTheVersionError(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	obj := c.Conn().Object(api.BusName, api.ObjectPath)
	tmpl, secrets := []byte("version: 1\n"), map[string]string{"admin": "x"}
	calls := map[string][]any{
		api.Interface + ".Plan":         {tmpl, secrets},
		api.Interface + ".Apply":        {tmpl, secrets},
		api.Interface + ".ApplyPlan":    {tmpl, secrets, strings.Repeat("0", 64)},
		api.Interface + ".JobResult":    {"job-1"},
		api.UsersInterface + ".List":    {""},
		api.UsersInterface + ".Get":     {"anna"},
		api.UsersInterface + ".Logon":   {"anna"},
		api.BackupInterface + ".Status": nil,
	}
	n := 0
	for iface, methods := range api.Retired {
		for _, m := range methods {
			n++
			args, ok := calls[iface+"."+m]
			if !ok {
				t.Errorf("api.Retired has %s.%s, which this test does not call", iface, m)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := obj.CallWithContext(ctx, iface+"."+m, 0, args...).Err
			cancel()
			name, msg := errorOf(err)
			if name != api.ErrVersion || !strings.Contains(msg, "possectl and possed differ in version: update both") {
				t.Errorf("%s.%s as an older client calls it: %s %q", iface, m, name, msg)
			}
		}
	}
	if n != len(calls) {
		t.Errorf("api.Retired lists %d methods, the test calls %d", n, len(calls))
	}
	if n := r.backend.MaxConcurrentChanges(); n != 0 {
		t.Errorf("an older client's call reached the backend (%d changes)", n)
	}
	// The new names work.
	p, err := c.Plan(ctx(t), tmpl, secrets)
	if err != nil || len(p.Steps) != 3 || p.ID == "" {
		t.Fatalf("Plan = %+v, %v", p, err)
	}
	if _, err := c.Users(ctx(t), ""); err != nil {
		t.Fatalf("Users: %v", err)
	}
	if _, err := c.BackupStatus(ctx(t)); client.IsVersion(err) {
		t.Fatalf("BackupStatus: %v", err)
	}
}

// TestTypedPlanAndResultOverTheBus: the plan and the apply result arrive
// typed, with the problems of a template as api.Problem.
func TestTypedPlanAndResultOverTheBus(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	p, err := c.Plan(ctx(t), []byte("site"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Counts.Create != 3 || p.Steps[2].Target != "/etc/f2" || p.Steps[0].Summary != "write file" || len(p.Problems) != 0 {
		t.Errorf("plan %+v", p)
	}
	bad, err := c.Plan(ctx(t), []byte("site with a problem"), nil)
	if err != nil || len(bad.Problems) != 1 || bad.Problems[0].Line != 4 || len(bad.Steps) != 0 {
		t.Errorf("plan of a template with a problem = %+v, %v", bad, err)
	}
	res, err := c.ApplyPlan(ctx(t), []byte("site"), nil, p, nil)
	if err != nil || !res.OK || res.Record == "" || len(res.Steps) != 3 || res.Steps[1].Status != "done" || res.FailedStep != -1 {
		t.Errorf("apply = %+v, %v", res, err)
	}
	got, finished, err := c.JobResult(ctx(t), res.Job)
	if err != nil || !finished || got.Record != res.Record || len(got.Steps) != 3 {
		t.Errorf("JobResult = %+v, %v, %v", got, finished, err)
	}
	failed, err := c.Apply(ctx(t), []byte("site fail"), nil, nil)
	if err != nil || failed.OK || failed.FailedStep != 1 || failed.Steps[1].Error == "" || len(failed.RolledBack) != 1 {
		t.Errorf("failed apply = %+v, %v", failed, err)
	}
}
