//go:build failpoints

package apply

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
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

// TestFailpointCrash kills a real child process (SIGKILL, as a power cut
// would) between two file writes, then checks that the lock is free, the
// interruption is reported and the next plan and apply converge.
func TestFailpointCrash(t *testing.T) {
	if root := os.Getenv("POSSE_TEST_CRASH_ROOT"); root != "" {
		r := newRig(t)
		r.env.Root = root
		r.samba.workgroup, r.samba.share, r.mail.hostname = "NEW", "neu", "new.example"
		os.Setenv(FailpointsEnv, "after-step:0=crash")
		r.apply(r.makePlan())
		t.Fatal("the crash failpoint did not kill the process")
	}
	r := setUp(t, "NEW")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailpointCrash$")
	cmd.Env = append(os.Environ(), "POSSE_TEST_CRASH_ROOT="+r.env.Root)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v\n%s", err, out)
	}
	if !strings.Contains(r.read("/etc/samba/smb.conf"), "NEW") || strings.Contains(r.read("/etc/samba/shares.conf"), "neu") {
		t.Fatalf("crash did not land between the writes")
	}
	res := r.converge()
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "interrupted") {
		t.Errorf("warnings %q", res.Warnings)
	}
	if !strings.Contains(r.read("/etc/samba/shares.conf"), "neu") || !strings.Contains(r.read("/etc/postfix/main.cf"), "new.example") {
		t.Error("did not converge")
	}
	if p := r.makePlan(); !p.Empty() {
		t.Errorf("plan after convergence: %+v", p.Steps)
	}
}
