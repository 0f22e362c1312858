// SPDX-License-Identifier: GPL-3.0-or-later

// Package provisioning turns a site into a plan and applies it. The site
// model lives in provisioning/site, plans as data in provisioning/plan, and
// the interfaces to the box in provisioning/host.
package provisioning

import (
	"context"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Service is one managed service (directory, files, mail, backup, …).
// Plan compares the site with the box and returns only the steps that change
// something, ordered: files and directories first, then the native checker
// (KindCheck), then unit jobs (KindUnit), then the health probe (KindProbe).
// Execute carries out steps of the service's own kinds and its probe; the
// apply engine runs the generic kinds (file, dir, unit, check) itself.
type Service interface {
	Name() string
	Plan(ctx context.Context, s *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error)
	Execute(ctx context.Context, step plan.Step, env *host.Env) error
}
