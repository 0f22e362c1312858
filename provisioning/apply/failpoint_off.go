//go:build !failpoints

package apply

import (
	"context"
	"io/fs"

	"github.com/posse-project/posse/provisioning/host"
)

// failpoint is a no-op unless built with -tags failpoints.
func failpoint(phase string, step int) error { return nil }

// failpointFile is a no-op unless built with -tags failpoints.
func failpointFile(step int, full string, data []byte, mode fs.FileMode, uid, gid int) error {
	return nil
}

// failpointJob is a no-op unless built with -tags failpoints.
func failpointJob(ctx context.Context, env *host.Env, step int, op, unit string) error { return nil }
