//go:build failpoints

package apply

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// FailpointsEnv names the variable that arms failpoints in a binary built
// with -tags failpoints: a comma-separated list of PHASE:STEP=ACTION, where
// PHASE is before-step or after-step, STEP the 0-based step index, and
// ACTION "error" (the step fails, the service is rolled back) or "crash"
// (the process kills itself with SIGKILL, as a power cut would).
// Example: POSSE_FAILPOINTS=after-step:0=crash
const FailpointsEnv = "POSSE_FAILPOINTS"

// failpoint reads the variable on every call: steps are few, and tests may
// change it between applies.
func failpoint(phase string, step int) error {
	action := ""
	for _, item := range strings.Split(os.Getenv(FailpointsEnv), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(item), "="); ok && k == phase+":"+strconv.Itoa(step) {
			action = v
		}
	}
	switch action {
	case "error":
		return fmt.Errorf("failpoint %s:%d", phase, step)
	case "crash":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return nil
}
