// SPDX-License-Identifier: GPL-3.0-or-later

//go:build failpoints

package apply

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// FailpointsEnv names the variable that arms failpoints in a binary built
// with -tags failpoints: a comma-separated list of PHASE:STEP=ACTION, where
// STEP is the 0-based step index, ACTION is "error" (the step fails, the
// service is rolled back) or "crash" (the process kills itself with
// SIGKILL, as kill -9 or a power cut would), and PHASE is one of
//
//   - before-step: before step STEP starts;
//   - after-step: after step STEP succeeded, before the next one;
//   - in-step: inside step STEP. For a file step that writes a file: the
//     previous version is saved in the history and the new content is in a
//     temporary file next to the target (written, owned, moded, synced), not
//     yet renamed over it: the point is inside fsutil.WriteFileAtomic itself. For a unit step with a job (start, stop, restart,
//     reload, enable-now, disable-now): the job is queued with systemd
//     (systemctl --no-block; after the enable of enable-now), its result not
//     yet awaited. Other steps have no in-step point.
//
// Example: POSSE_FAILPOINTS=in-step:3=crash
const FailpointsEnv = "POSSE_FAILPOINTS"

// armed returns the action set for phase:step, or "".
func armed(phase string, step int) string {
	action := ""
	for _, item := range strings.Split(os.Getenv(FailpointsEnv), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(item), "="); ok && k == phase+":"+strconv.Itoa(step) {
			action = v
		}
	}
	return action
}

// failpoint reads the variable on every call: steps are few, and tests may
// change it between applies.
func failpoint(phase string, step int) error {
	switch armed(phase, step) {
	case "error":
		return fmt.Errorf("failpoint %s:%d", phase, step)
	case "crash":
		crash()
	}
	return nil
}

func crash() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// armFile arms the in-step point of a file write, if it is set for step:
// it fires inside fsutil.WriteFileAtomic's write of full, at its seam
// (fsutil.SetBeforeRename): the new bytes are in the temporary file
// ".NAME.posse-*" next to full (written, owned, moded, synced), full is
// untouched. An error makes WriteFileAtomic remove the temporary file and
// fail, as when its rename fails. The returned function disarms it.
func armFile(step int, full string) (disarm func()) {
	action := armed("in-step", step)
	if action == "" {
		return func() {}
	}
	return fsutil.SetBeforeRename(func(path, _ string) error {
		if path != full {
			return nil
		}
		if action == "crash" {
			crash()
		}
		return fmt.Errorf("failpoint in-step:%d (temporary file written, not renamed)", step)
	})
}

// failpointJob is the in-step point of a unit job: it queues op on unit
// with systemd without waiting for the job's result, then fires.
func failpointJob(ctx context.Context, env *host.Env, step int, op, unit string) error {
	action := armed("in-step", step)
	if action == "" {
		return nil
	}
	if env.Runner == nil {
		return fmt.Errorf("failpoint in-step:%d: no command runner to queue the job", step)
	}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"systemctl", "--no-block", op, unit}}); err != nil {
		return fmt.Errorf("failpoint in-step:%d: queue %s %s: %w", step, op, unit, err)
	}
	if action == "crash" {
		crash()
	}
	return fmt.Errorf("failpoint in-step:%d (%s %s queued, result not awaited)", step, op, unit)
}
