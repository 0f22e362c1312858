// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Execute implements provisioning.Service for the service's own step kinds
// and its probe.
func (s *Service) Execute(ctx context.Context, step plan.Step, env *host.Env) error {
	if env.Offline {
		return fmt.Errorf("step %s %s needs the live box; it cannot run with --root", step.Kind, step.Target)
	}
	var err error
	switch step.Kind {
	case KindTLS:
		var spec TLSSpec
		if err = step.DecodeSpec(&spec); err == nil {
			_, err = ad.EnsureTLS(env.Path(spec.Dir), spec.Names, s.Now())
		}
	case KindProvision:
		var spec ProvisionSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.provision(ctx, env, spec)
		}
	case KindJoin:
		var spec JoinSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.join(ctx, env, spec)
		}
	case KindSites:
		var spec SitesSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.ensureSites(ctx, env, spec)
		}
	case KindPolicy:
		var spec PolicySpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.withDirectory(ctx, env, spec.Conn, func(d ad.Directory) error { return d.SetPolicy(ctx, spec.Policy) })
		}
	case KindGroup:
		var spec GroupSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.withDirectory(ctx, env, spec.Conn, func(d ad.Directory) error { return s.applyGroup(ctx, d, step.Action, spec) })
		}
	case KindUser:
		var spec UserSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = s.withDirectory(ctx, env, spec.Conn, func(d ad.Directory) error { return s.applyUser(ctx, env, d, step.Action, spec) })
		}
	case KindPosseAdmin:
		var spec PosseAdminSpec
		if err = step.DecodeSpec(&spec); err == nil {
			err = applyPosseAdmin(ctx, env, spec)
		}
	case plan.KindProbe:
		var in ad.ConnSpec
		in, err = connFromStep(step)
		if err == nil {
			err = Probe(ctx, env, in)
		}
	default:
		return fmt.Errorf("the directory service cannot execute steps of kind %q", step.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", step.Target, err)
	}
	return nil
}

// withDirectory runs fn with a session, waiting for LDAPS if the DC is
// (re)starting, and drops the session after a failure.
func (s *Service) withDirectory(ctx context.Context, env *host.Env, c ad.ConnSpec, fn func(ad.Directory) error) error {
	d, err := s.directory(ctx, env, c, true)
	if err != nil {
		return err
	}
	if err := fn(d); err != nil {
		s.dropDirectory()
		return err
	}
	return nil
}

// ensureOU creates OU=Posse once per session.
func (s *Service) ensureOU(ctx context.Context, d ad.Directory) error {
	s.mu.Lock()
	ready := s.ouReady
	s.mu.Unlock()
	if ready {
		return nil
	}
	if err := d.EnsureOU(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.ouReady = true
	s.mu.Unlock()
	return nil
}

func (s *Service) applyGroup(ctx context.Context, d ad.Directory, action plan.Action, g GroupSpec) error {
	switch action {
	case plan.Create:
		if err := s.ensureOU(ctx, d); err != nil {
			return err
		}
		err := d.CreateGroup(ctx, ad.Group{Name: g.Name, Description: g.Description, Origin: ad.OriginTemplate})
		if errors.Is(err, ad.ErrExists) {
			// Made since the plan (or by a run that crashed after the add,
			// which marked it already): converge the description, and mark
			// it the template's unless it carries a mark (a group created
			// through possed stays posse:api).
			if err := d.SetGroupDescription(ctx, g.Name, g.Description); err != nil {
				return err
			}
			return markGroup(ctx, d, g.Name)
		}
		return err
	case plan.Update:
		if len(g.Set) == 0 || slices.Contains(g.Set, "description") {
			if err := d.SetGroupDescription(ctx, g.Name, g.Description); err != nil {
				return err
			}
		}
		if slices.Contains(g.Set, "origin") {
			return d.SetGroupOrigin(ctx, g.Name, ad.OriginTemplate)
		}
		return nil
	case plan.Delete:
		return d.DeleteGroup(ctx, g.Name)
	}
	return fmt.Errorf("unknown action %q for a group", action)
}

// markGroup marks an existing group posse:template unless it is marked.
func markGroup(ctx context.Context, d ad.Directory, name string) error {
	groups, err := d.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) && g.Origin == "" && g.Managed {
			return d.SetGroupOrigin(ctx, g.Name, ad.OriginTemplate)
		}
	}
	return nil
}

func (s *Service) applyUser(ctx context.Context, env *host.Env, d ad.Directory, action plan.Action, u UserSpec) error {
	switch action {
	case plan.Create:
		if err := s.ensureOU(ctx, d); err != nil {
			return err
		}
		pw, err := initialPassword(env, u)
		if err != nil {
			return err
		}
		nu := u.User.user()
		nu.Origin = ad.OriginTemplate
		err = d.CreateUser(ctx, nu, pw, u.MustChange)
		if errors.Is(err, ad.ErrExists) {
			// A crash after the add: converge the attributes, keep the password.
			u.Set = []string{"given_name", "surname", "display_name", "email", "aliases", "disabled", "home_directory", "home_drive", "origin", "password_never_expires", "admin"}
			if err := d.UpdateUser(ctx, u.User.Username, updateFor(u)); err != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if u.User.Admin {
			if err := d.UpdateUser(ctx, u.User.Username, ad.UserUpdate{DomainAdmin: &u.User.Admin}); err != nil {
				return err
			}
		}
		for _, g := range u.User.Groups {
			if err := d.AddMember(ctx, g, u.User.Username); err != nil {
				return err
			}
		}
		return nil
	case plan.Update:
		if len(u.Set) > 0 {
			if err := d.UpdateUser(ctx, u.User.Username, updateFor(u)); err != nil {
				return err
			}
		}
		for _, g := range u.AddGroups {
			if err := d.AddMember(ctx, g, u.User.Username); err != nil {
				return err
			}
		}
		for _, g := range u.RemoveGroups {
			if err := d.RemoveMember(ctx, g, u.User.Username); err != nil {
				return err
			}
		}
		return nil
	case plan.Delete:
		return d.DeleteUser(ctx, u.User.Username)
	}
	return fmt.Errorf("unknown action %q for a user", action)
}

// initialPassword resolves a new user's password secret, or generates one.
func initialPassword(env *host.Env, u UserSpec) (string, error) {
	if u.PasswordSecret == "" {
		return site.GeneratePassword(site.PasswordPolicy{MinLength: 20, Complexity: true}, u.User.Username)
	}
	if env.Secrets == nil {
		return "", fmt.Errorf("secret %s (initial password of %s) is missing: pass --secrets FILE", u.PasswordSecret, u.User.Username)
	}
	pw, ok := env.Secrets.Lookup(u.PasswordSecret)
	if !ok {
		return "", fmt.Errorf("secret %s (initial password of %s) is missing: add it to the secrets file", u.PasswordSecret, u.User.Username)
	}
	return pw, nil
}

// updateFor turns the Set fields of a step into a UserUpdate.
func updateFor(u UserSpec) ad.UserUpdate {
	var up ad.UserUpdate
	d := u.User
	has := func(f string) bool { return slices.Contains(u.Set, f) }
	if has("given_name") {
		up.GivenName = &d.GivenName
	}
	if has("surname") {
		up.Surname = &d.Surname
	}
	if has("display_name") {
		up.DisplayName = &d.DisplayName
	}
	if has("email") {
		up.Email = &d.Email
	}
	if has("aliases") {
		a := d.Aliases
		up.Aliases = &a
	}
	if has("disabled") {
		up.Disabled = &d.Disabled
	}
	if has("home_directory") {
		up.HomeDirectory = &d.HomeDirectory
	}
	if has("home_drive") {
		up.HomeDrive = &d.HomeDrive
	}
	if has("password_never_expires") {
		up.PasswordNeverExpires = &d.Service
	}
	if has("admin") {
		up.DomainAdmin = &d.Admin
	}
	if has("origin") {
		o := ad.OriginTemplate
		up.Origin = &o
	}
	return up
}
