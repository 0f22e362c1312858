package files

import (
	"context"
	"fmt"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Name is the service name used in plans.
const Name = "files"

// Step kinds this service executes itself.
const (
	// KindACL sets a directory's owner, group, setgid bit and POSIX ACL;
	// its Spec is an ACLSpec.
	KindACL = "files.acl"
	// KindProbe is the health probe; its Spec is a ProbeSpec.
	KindProbe = "files.probe"
)

// ACLSpec is the spec of a KindACL step. Names are resolved to ids with
// wbinfo when the step runs, since the groups may be created earlier in
// the same apply.
type ACLSpec struct {
	ACL       ACL    `json:"acl"`
	Workgroup string `json:"workgroup"`
	// Propagate carries changed group entries into the existing tree
	// (shares; not homes).
	Propagate bool `json:"propagate,omitempty"`
}

// ProbeSpec is the spec of the probe step: the ACLs every share and home
// must have.
type ProbeSpec struct {
	Workgroup string `json:"workgroup"`
	ACLs      []ACL  `json:"acls"`
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
	case KindProbe, plan.KindProbe:
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
