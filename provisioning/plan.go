// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"context"
	"fmt"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// MakePlan asks each service, in order, for the steps that bring the box to
// the site, and returns them as one plan with the site's name and template
// hash. Steps a service returns without a Service name get its name; a step
// naming another service is an error. A box whose release Posse does not
// support is refused before any service looks at it. It never changes the
// box.
func MakePlan(ctx context.Context, s *site.Site, env *host.Env, services []Service) (*plan.Plan, error) {
	platform, err := env.Platform()
	if err != nil {
		return nil, err
	}
	if err := platform.CheckSupported(); err != nil {
		return nil, err
	}
	p := &plan.Plan{Version: plan.FormatVersion, Site: s.Site.Name, TemplateHash: s.Source.Hash, Steps: []plan.Step{}}
	seen := map[string]bool{}
	for _, svc := range services {
		name := svc.Name()
		if name == "" || seen[name] {
			return nil, fmt.Errorf("service name %q is empty or used twice", name)
		}
		seen[name] = true
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if skip, notes := skipOnThisBox(s, env, name); skip {
			p.Notes = append(p.Notes, notes...)
			continue
		}
		steps, notes, err := svc.Plan(ctx, s, env)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", name, err)
		}
		for _, st := range steps {
			if st.Service == "" {
				st.Service = name
			}
			if st.Service != name {
				return nil, fmt.Errorf("plan %s: step for %s names service %q", name, st.Target, st.Service)
			}
			p.Steps = append(p.Steps, st)
		}
		for _, n := range notes {
			if n.Service == "" {
				n.Service = name
			}
			p.Notes = append(p.Notes, n)
		}
	}
	return p, nil
}
