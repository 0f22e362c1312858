// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"fmt"
	"os"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Name is the service name used in plans.
const Name = "backup"

// KindInit initialises the restic repository; its Spec is an InitSpec.
const KindInit = "backup.init"

// Service is the backup service.
type Service struct{}

// New returns the backup service.
func New() *Service { return &Service{} }

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Execute implements provisioning.Service for KindInit and the probe.
func (s *Service) Execute(ctx context.Context, step plan.Step, env *host.Env) error {
	if env.Offline {
		return fmt.Errorf("step %s %s needs the live box; it cannot run with --root", step.Kind, step.Target)
	}
	switch step.Kind {
	case KindInit:
		var spec InitSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return err
		}
		return Init(ctx, env, spec.Repository)
	case plan.KindProbe:
		var spec ProbeSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return err
		}
		ok, err := NewRestic(env, spec.Repository).Exists(ctx)
		if err != nil {
			return fmt.Errorf("cannot open the backup repository %s: %w", spec.Repository, err)
		}
		if !ok {
			return fmt.Errorf("the backup repository %s does not exist after apply", spec.Repository)
		}
		return nil
	}
	return fmt.Errorf("the backup service cannot execute steps of kind %q", step.Kind)
}

// Init creates the repository unless restic cat config finds one. A local
// repository's directory is created 0700 first.
func Init(ctx context.Context, env *host.Env, repo string) error {
	r := NewRestic(env, repo)
	if IsLocal(repo) {
		if err := os.MkdirAll(env.Path(repo), 0o700); err != nil {
			return fmt.Errorf("cannot create the repository directory: %w", err)
		}
		if err := os.Chmod(env.Path(repo), 0o700); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(env.Path(CacheDir), 0o700); err != nil {
		return err
	}
	ok, err := r.Exists(ctx)
	if err != nil {
		return fmt.Errorf("cannot open the backup repository %s (wrong password, or unreachable?): %w", repo, err)
	}
	if ok {
		return nil
	}
	return r.Init(ctx)
}
