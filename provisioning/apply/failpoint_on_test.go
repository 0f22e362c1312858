// SPDX-License-Identifier: GPL-3.0-or-later

//go:build failpoints

package apply

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/posse-project/posse/provisioning/plan"
)

func TestFailpointError(t *testing.T) {
	r := setUp(t, "NEW")
	t.Setenv(FailpointsEnv, "after-step:0=error")
	old := r.read("/etc/samba/smb.conf")
	_, err := r.apply(r.makePlan())
	if err == nil || !strings.Contains(err.Error(), "failpoint after-step:0") {
		t.Fatalf("err = %v", err)
	}
	if r.read("/etc/samba/smb.conf") != old {
		t.Error("failpoint error not rolled back")
	}
}

func TestFailpointBeforeStepError(t *testing.T) {
	r := setUp(t, "NEW")
	t.Setenv(FailpointsEnv, "before-step:1=error")
	old := r.read("/etc/samba/smb.conf")
	res, err := r.apply(r.makePlan())
	if err == nil || !strings.Contains(err.Error(), "failpoint before-step:1") {
		t.Fatalf("err = %v", err)
	}
	if res.FailedStep != 1 || r.read("/etc/samba/smb.conf") != old {
		t.Errorf("failed step %d; smb.conf rolled back: %v", res.FailedStep, r.read("/etc/samba/smb.conf") == old)
	}
}

// leftovers lists the temporary files of atomic writes in dir.
func (r *rig) leftovers(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(r.env.Path(dir), ".*.posse-*"))
	return m
}

// TestFailpointInStepFileError fails a file step after its temporary file
// was written and before the rename: the target keeps its old content, the
// temporary file is gone and the service is rolled back.
func TestFailpointInStepFileError(t *testing.T) {
	r := setUp(t, "NEW")
	t.Setenv(FailpointsEnv, "in-step:1=error")
	oldSmb, oldShares := r.read("/etc/samba/smb.conf"), r.read("/etc/samba/shares.conf")
	_, err := r.apply(r.makePlan())
	if err == nil || !strings.Contains(err.Error(), "failpoint in-step:1") {
		t.Fatalf("err = %v", err)
	}
	if r.read("/etc/samba/smb.conf") != oldSmb || r.read("/etc/samba/shares.conf") != oldShares {
		t.Error("not rolled back")
	}
	if l := r.leftovers("/etc/samba"); len(l) != 0 {
		t.Errorf("temporary files left: %v", l)
	}
	// The point is disarmed with its step: disarmed by the variable, the
	// same write goes through.
	t.Setenv(FailpointsEnv, "")
	r.converge()
	if !strings.Contains(r.read("/etc/samba/shares.conf"), "neu") {
		t.Error("the next apply did not write shares.conf")
	}
}

// TestFailpointInStepJobError fails a unit step after its job was queued
// and before its result: the job went to the runner as systemctl
// --no-block, and the rollback restarts the unit on the old files.
func TestFailpointInStepJobError(t *testing.T) {
	r := setUp(t, "NEW")
	p := r.makePlan()
	n := slices.IndexFunc(p.Steps, func(s plan.Step) bool { return s.Kind == "unit" && s.Target == "smbd.service" })
	t.Setenv(FailpointsEnv, "in-step:"+strconv.Itoa(n)+"=error")
	old := r.read("/etc/samba/smb.conf")
	_, err := r.apply(p)
	if err == nil || !strings.Contains(err.Error(), "queued, result not awaited") {
		t.Fatalf("err = %v", err)
	}
	if !slices.Contains(r.runner.Argvs(), "systemctl --no-block restart smbd.service") {
		t.Errorf("job not queued: %q", r.runner.Argvs())
	}
	if r.read("/etc/samba/smb.conf") != old {
		t.Error("not rolled back")
	}
	if !slices.Contains(r.units.Calls(), "restart smbd.service") {
		t.Errorf("rollback did not restart smbd: %q", r.units.Calls())
	}
}

// TestFailpointCrash kills a real child process (SIGKILL, as a power cut
// would) at several points, then checks that the lock is free, the
// interruption is reported and the next plan and apply converge.
func TestFailpointCrash(t *testing.T) {
	if root := os.Getenv("POSSE_TEST_CRASH_ROOT"); root != "" {
		r := newRig(t)
		r.env.Root = root
		r.samba.workgroup, r.samba.share, r.mail.hostname = "NEW", "neu", "new.example"
		os.Setenv(FailpointsEnv, os.Getenv("POSSE_TEST_CRASH_POINT"))
		r.apply(r.makePlan())
		t.Fatal("the crash failpoint did not kill the process")
	}
	for _, tc := range []struct {
		point    string
		smbNew   bool // smb.conf (step 0) is new after the crash
		leftover bool // a temporary file of shares.conf (step 1) is left
	}{
		{"after-step:0=crash", true, false},
		{"before-step:0=crash", false, false},
		{"in-step:1=crash", true, true},
	} {
		t.Run(tc.point, func(t *testing.T) {
			r := setUp(t, "NEW")
			crashChild(t, r, tc.point)
			if strings.Contains(r.read("/etc/samba/smb.conf"), "NEW") != tc.smbNew || strings.Contains(r.read("/etc/samba/shares.conf"), "neu") {
				t.Fatalf("crash did not land where expected: smb.conf %q, shares.conf %q", r.read("/etc/samba/smb.conf"), r.read("/etc/samba/shares.conf"))
			}
			left := r.leftovers("/etc/samba")
			if (len(left) == 1) != tc.leftover {
				t.Fatalf("temporary files after the crash: %v", left)
			}
			if tc.leftover {
				if b, _ := os.ReadFile(left[0]); !strings.Contains(string(b), "neu") {
					t.Errorf("temporary file holds %q, want the new content", b)
				}
			}
			res := r.converge()
			if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "interrupted") {
				t.Errorf("warnings %q", res.Warnings)
			}
			if tc.leftover && (len(res.Warnings) < 2 || !strings.Contains(res.Warnings[1], "removed /etc/samba/.shares.conf.posse-")) {
				t.Errorf("warnings %q, want the leftover's removal", res.Warnings)
			}
			if l := r.leftovers("/etc/samba"); len(l) != 0 {
				t.Errorf("temporary files after the next apply: %v", l)
			}
			if !strings.Contains(r.read("/etc/samba/shares.conf"), "neu") || !strings.Contains(r.read("/etc/postfix/main.cf"), "new.example") {
				t.Error("did not converge")
			}
			if p := r.makePlan(); !p.Empty() {
				t.Errorf("plan after convergence: %+v", p.Steps)
			}
		})
	}
}

// crashChild runs the apply of setUp's change in a child process (see
// TestFailpointCrash) with point armed, and checks that it was killed.
func crashChild(t *testing.T, r *rig, point string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailpointCrash$")
	cmd.Env = append(os.Environ(), "POSSE_TEST_CRASH_ROOT="+r.env.Root, "POSSE_TEST_CRASH_POINT="+point)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v\n%s", err, out)
	}
}

// TestCrashUnfinishedUnits kills an apply after it wrote both samba files
// and before samba's check and restart: the next plan has no samba step
// (the files match), so the next apply must run the killed apply's check
// and restart itself, before mail's steps; of another template, it only
// warns.
func TestCrashUnfinishedUnits(t *testing.T) {
	for _, sameTemplate := range []bool{true, false} {
		r := setUp(t, "NEW")
		crashChild(t, r, "after-step:1=crash")
		p := r.makePlan()
		if slices.ContainsFunc(p.Steps, func(s plan.Step) bool { return s.Service == "samba" }) {
			t.Fatalf("the plan after the crash has samba steps: %+v", p.Steps)
		}
		if !sameTemplate {
			p.TemplateHash = "another"
		}
		r.units.Reset()
		res, err := r.apply(p)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, s := range res.Steps {
			lines = append(lines, s.Service+" "+s.Kind+" "+s.Target)
		}
		got := strings.Join(lines, ", ")
		restarted := slices.Contains(r.units.Calls(), "restart smbd.service")
		if sameTemplate {
			want := "samba check testparm -s, samba unit smbd.service, samba probe smb://localhost, mail file /etc/postfix/main.cf, mail unit postfix.service"
			if got != want || !restarted {
				t.Errorf("steps %s (want %s); units %q", got, want, r.units.Calls())
			}
			if len(res.Warnings) < 2 || !strings.Contains(res.Warnings[1], "this apply runs them: samba: ") {
				t.Errorf("warnings %q", res.Warnings)
			}
		} else {
			if restarted || len(res.Warnings) < 2 || !strings.Contains(res.Warnings[1], "not run again") {
				t.Errorf("of another template: units %q, warnings %q", r.units.Calls(), res.Warnings)
			}
		}
		// Nothing is left for the apply after.
		if res2, err := r.apply(r.makePlan()); err != nil || len(res2.Warnings) != 0 {
			t.Errorf("the apply after: %v, warnings %q", err, res2.Warnings)
		}
	}
}
