// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"context"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// HealthChecker is implemented by services that can probe their own health
// on a box where a site has been applied.
type HealthChecker interface {
	// Health returns a short detail line when the service is healthy, or an
	// error saying what is wrong and what to do.
	Health(ctx context.Context, s *site.Site, env *host.Env) (detail string, err error)
}

// ServiceHealth is one service's health as reported by status.
type ServiceHealth struct {
	Service string `json:"service"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
	// Seconds is how long the probe took.
	Seconds float64 `json:"seconds"`
}

// Status probes every service the site uses. Services without a health
// probe are left out.
func Status(ctx context.Context, s *site.Site, env *host.Env, services []Service) []ServiceHealth {
	var out []ServiceHealth
	for _, svc := range services {
		hc, ok := svc.(HealthChecker)
		if !ok {
			continue
		}
		if skip, _ := skipOnThisBox(s, env, svc.Name()); skip {
			continue // the first domain controller runs it
		}
		t0 := time.Now()
		detail, err := hc.Health(ctx, s, env)
		h := ServiceHealth{Service: svc.Name(), OK: err == nil, Detail: detail, Seconds: time.Since(t0).Seconds()}
		if err != nil {
			h.Detail = err.Error()
		}
		if detail == "" && err == nil {
			continue // the site does not use this service
		}
		out = append(out, h)
	}
	return out
}
