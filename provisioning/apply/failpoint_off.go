// SPDX-License-Identifier: GPL-3.0-or-later

//go:build !failpoints

package apply

import (
	"context"

	"github.com/posse-project/posse/provisioning/host"
)

// failpoint is a no-op unless built with -tags failpoints.
func failpoint(phase string, step int) error { return nil }

// armFile is a no-op unless built with -tags failpoints.
func armFile(step int, full string) (disarm func()) { return func() {} }

// failpointJob is a no-op unless built with -tags failpoints.
func failpointJob(ctx context.Context, env *host.Env, step int, op, unit string) error { return nil }
