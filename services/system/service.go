// SPDX-License-Identifier: GPL-3.0-or-later

// Package system manages settings of the box itself that the other services
// depend on: the time zone (site.timezone; calendar timers such as the
// backup schedule fire at the box's local time, so the zone is set first,
// through systemd-timedated), who may log in over SSH (a domain
// controller is no login server for domain users), and the automatic
// Debian updates (unattended-upgrades and its reboot window). The pending
// updates and their installation on request (possed's Updates) live here
// too.
package system

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Name is the service name used in plans.
const Name = "system"

// KindTimezone sets the box's time zone through systemd-timedated; its Spec
// is a TimezoneSpec and its target LocaltimePath.
const KindTimezone = "system.timezone"

// TimezoneSpec is the spec of a KindTimezone step. From is the zone before
// ("" when /etc/localtime named none), kept for the rollback.
type TimezoneSpec struct {
	From string `json:"from,omitempty"`
	To   string `json:"to"`
}

// Service is the system service.
type Service struct {
	// Dial reaches systemd-timedated; nil means the system bus, which is
	// used only when the environment's root is "/" (the box itself).
	Dial DialFunc

	mu sync.Mutex
	// before is /etc/localtime as each KindTimezone step found it, for a
	// rollback when the previous zone has no name to set again.
	before map[string]localtimeState
}

// New returns the system service.
func New() *Service { return &Service{} }

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Plan implements provisioning.Service: the time zone (planTimezone),
// on a box with the OpenSSH server Posse's SSH drop-in (sshSteps), and
// the automatic updates (updatesSteps).
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	steps, notes, err := s.planTimezone(st, env)
	if err != nil {
		return nil, nil, err
	}
	ssh, err := sshSteps(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	upd, err := updatesSteps(ctx, st, env)
	if err != nil {
		return nil, nil, err
	}
	return append(append(steps, ssh...), upd...), notes, nil
}

// planTimezone: with site.timezone set it plans /etc/timezone (a file
// step, also rendered under --root) and, on the live box, a KindTimezone
// step when /etc/localtime names another zone. Offline (--root) the zone
// is not set: a note says what would change. Without site.timezone the
// box keeps its zone and nothing is planned.
func (s *Service) planTimezone(st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	want := st.Site.Timezone
	if want == "" {
		return nil, nil, nil
	}
	if err := CheckZone(env, want); err != nil {
		return nil, nil, err
	}
	var steps []plan.Step
	var notes []plan.Note
	fstep, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: TimezoneFile, Content: want + "\n", Mode: 0o644})
	if err != nil {
		return nil, nil, err
	}
	if changed {
		steps = append(steps, fstep)
	}
	cur, err := CurrentZone(env)
	if err != nil {
		return nil, nil, err
	}
	if cur.Name == want {
		return steps, nil, nil
	}
	if env.Offline {
		notes = append(notes, plan.Note{Service: Name, Target: LocaltimePath,
			Message: fmt.Sprintf("offline (--root): time zone %s is set only on the live box, through systemd-timedated; under the root it is now %s", want, cur.Show)})
		return steps, notes, nil
	}
	step := plan.NewStep(Name, plan.Update, KindTimezone, LocaltimePath, "through systemd-timedated", TimezoneSpec{From: cur.Name, To: want})
	step.Changes = []plan.Change{{Field: "timezone", Before: cur.Show, After: want}}
	return append(steps, step), notes, nil
}

// Execute implements provisioning.Service for KindTimezone: it checks the
// zone again (a plan may come from elsewhere), remembers /etc/localtime,
// asks timedated to set the zone and fails unless /etc/localtime then
// names it.
func (s *Service) Execute(ctx context.Context, step plan.Step, env *host.Env) error {
	if env.Offline {
		return fmt.Errorf("step %s %s needs the live box; it cannot run with --root", step.Kind, step.Target)
	}
	if step.Kind != KindTimezone {
		return fmt.Errorf("the system service cannot execute steps of kind %q", step.Kind)
	}
	var spec TimezoneSpec
	if err := step.DecodeSpec(&spec); err != nil {
		return err
	}
	if err := CheckZone(env, spec.To); err != nil {
		return err
	}
	prev, err := readLocaltime(env)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.before == nil {
		s.before = map[string]localtimeState{}
	}
	if _, ok := s.before[step.Target]; !ok {
		s.before[step.Target] = prev
	}
	s.mu.Unlock()
	if err := s.setZone(ctx, env, spec.To); err != nil {
		return err
	}
	cur, err := CurrentZone(env)
	if err != nil {
		return err
	}
	if cur.Name != spec.To {
		return fmt.Errorf("systemd-timedated accepted time zone %s, but %s now says %s", spec.To, LocaltimePath, cur.Show)
	}
	return nil
}

// Rollback implements the apply engine's Rollbacker: for each KindTimezone
// step that ran (newest first) it sets the previous zone again through
// timedated or, when /etc/localtime named no zone before, puts the old
// link or file back as it was. /etc/timezone is a file step: the engine
// restores it.
func (s *Service) Rollback(ctx context.Context, ran []plan.Step, env *host.Env) error {
	var errs []error
	for _, st := range ran {
		if st.Kind != KindTimezone {
			continue
		}
		var spec TimezoneSpec
		if err := st.DecodeSpec(&spec); err != nil {
			errs = append(errs, err)
			continue
		}
		s.mu.Lock()
		prev, saved := s.before[st.Target]
		delete(s.before, st.Target)
		s.mu.Unlock()
		if spec.From != "" && CheckZone(env, spec.From) == nil {
			if err := s.setZone(ctx, env, spec.From); err != nil {
				errs = append(errs, fmt.Errorf("set time zone %s again: %w", spec.From, err))
			}
			continue
		}
		if saved {
			if err := prev.restore(env); err != nil {
				errs = append(errs, fmt.Errorf("restore %s: %w", LocaltimePath, err))
			}
		}
	}
	return errors.Join(errs...)
}

// setZone asks timedated to set zone. The system bus is only ever that of
// the machine Posse runs on, so without a Dial of its own the service
// refuses an environment whose root is not "/".
func (s *Service) setZone(ctx context.Context, env *host.Env, zone string) error {
	dial := s.Dial
	if dial == nil {
		if root := env.Path("/"); root != "/" {
			return fmt.Errorf("the time zone is set through this machine's systemd-timedated, which does not manage the root %s", root)
		}
		dial = DialSystemBus
	}
	td, closeTD, err := dial(ctx)
	if err != nil {
		return err
	}
	defer closeTD()
	return td.SetTimezone(ctx, zone)
}
