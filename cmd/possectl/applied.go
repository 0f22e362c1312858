// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"os"

	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// errNoMailSection refuses a mail command on a box whose site has no mail.
var errNoMailSection = errors.New("the applied site has no mail section: add one to the template and apply it (see docs/mail.md)")

// hasMail is the section check of the mail commands.
func hasMail(s *site.Site) error {
	if s.Mail == nil {
		return errNoMailSection
	}
	return nil
}

// appliedService is what a root-only command that runs a service in
// process needs: the site applied to this box (checked by section), the
// service of this build that implements T, and the box's environment,
// released by cleanup. notRoot is the refusal for a caller without root;
// none says what no service of this build does.
func appliedService[T any](ctx context.Context, notRoot string, section func(*site.Site) error, none string) (s *site.Site, svc T, env *host.Env, cleanup func(), err error) {
	if os.Geteuid() != 0 {
		return nil, svc, nil, nil, errors.New(notRoot)
	}
	if s, _, err = provisioning.LoadApplied(&host.Env{Root: "/", StateDir: host.DefaultStateDir}); err != nil {
		return nil, svc, nil, nil, err
	}
	if err := section(s); err != nil {
		return nil, svc, nil, nil, err
	}
	found := false
	for _, x := range possed.Services() {
		if v, ok := x.(T); ok {
			svc, found = v, true
		}
	}
	if !found {
		return nil, svc, nil, nil, errors.New(none)
	}
	if env, cleanup, err = boxEnv(ctx, nil); err != nil {
		return nil, svc, nil, nil, err
	}
	return s, svc, env, cleanup, nil
}
