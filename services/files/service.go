// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Name is the service name used in plans.
const Name = "files"

// KindACL and KindNTACL are the step kinds this service executes itself,
// besides its probe (plan.KindProbe, whose Spec is a ProbeSpec).
const (
	// KindACL sets a home folder's owner, group, setgid bit and POSIX ACL;
	// its Spec is an ACLSpec.
	KindACL = "files.acl"
)

// ACLSpec is the spec of a KindACL step. Names are resolved to ids (see
// Wbinfo) when the step runs, since the groups may be created earlier in
// the same apply.
type ACLSpec struct {
	ACL       ACL    `json:"acl"`
	Workgroup string `json:"workgroup"`
}

// ProbeSpec is the spec of the probe step: the POSIX ACLs every home
// folder must have and the Windows ACLs of every share root and template
// folder.
type ProbeSpec struct {
	Workgroup string    `json:"workgroup"`
	ACLs      []ACL     `json:"acls"`
	NTACLs    []WantACL `json:"ntacls,omitempty"`
}

// winbindWait is how long apply and probe wait for winbind after the DC
// (re)started; tests shorten it.
var winbindWait = 60 * time.Second

// Service is the files service.
type Service struct{}

// New returns the files service.
func New() *Service { return &Service{} }

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Execute implements provisioning.Service for KindACL and the probe.
func (s *Service) Execute(ctx context.Context, step plan.Step, env *host.Env) error {
	if env.Offline {
		return fmt.Errorf("step %s %s needs the live box; it cannot run with --root", step.Kind, step.Target)
	}
	var err error
	switch step.Kind {
	case KindACL:
		var spec ACLSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = ApplyACL(ctx, env, spec)
		}
	case KindNTACL:
		var spec NTACLSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = ApplyNTACL(ctx, env, spec)
		}
	case KindSubvolume:
		var spec SubvolumeSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = ApplySubvolume(ctx, env, spec)
		}
	case plan.KindProbe:
		var spec ProbeSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = Probe(ctx, env, spec)
		}
	default:
		return fmt.Errorf("the files service cannot execute steps of kind %q", step.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", step.Target, err)
	}
	return nil
}

// Health implements provisioning.HealthChecker: the probe against the site
// applied to the box. A site without shares or homes reports nothing.
func (s *Service) Health(ctx context.Context, st *site.Site, env *host.Env) (string, error) {
	cfg, _, err := DesiredConfig(ctx, st, env)
	if err != nil {
		return "", err
	}
	if len(cfg.Shares) == 0 && len(cfg.HomeUsers) == 0 {
		return "", nil
	}
	if err := Probe(ctx, env, probeSpec(cfg)); err != nil {
		if strings.Contains(err.Error(), "is missing") {
			// A user created through possed whose folder the background
			// sync has not made (yet, or because it failed).
			return "", fmt.Errorf("%w: apply the site again (possectl apply) to create it", err)
		}
		return "", err
	}
	detail := fmt.Sprintf("%d shares, %d home folders: testparm clean, Windows and POSIX ACLs as planned, anonymous listing refused", len(cfg.Shares), len(cfg.HomeUsers))
	if w, at := SpaceWarning(env); w != "" && st.Snapshots != nil {
		detail += fmt.Sprintf("; WARNING (snapshots, %s): %s", at.Local().Format("2006-01-02 15:04"), w)
	}
	return detail, nil
}

// probeSpec lists the ACLs of every share and home of cfg.
func probeSpec(cfg Config) ProbeSpec {
	ps := ProbeSpec{Workgroup: cfg.Workgroup}
	for _, sh := range cfg.Shares {
		ps.NTACLs = append(ps.NTACLs, sh.WantACLs()...)
	}
	for _, h := range cfg.HomeUsers {
		ps.ACLs = append(ps.ACLs, HomeACL(h))
	}
	return ps
}
