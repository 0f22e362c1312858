// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// templateName names a template sent over the bus in problems.
const templateName = "template"

// problems converts site problems for the bus.
func problems(ps site.Problems) []api.Problem {
	out := make([]api.Problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, api.Problem{Path: p.Path, Line: int32(p.Line), Column: int32(p.Col), Message: p.Message, Hint: p.Hint})
	}
	return out
}

// mergedSecrets looks secrets up in the caller's values first, then in the
// ones the box kept from the last apply (the domain admin and backup
// passwords), so a re-apply need not send them again.
type mergedSecrets struct {
	given *site.Store
	kept  *site.Store
}

func (m mergedSecrets) Lookup(name string) (string, bool) {
	if v, ok := m.given.Lookup(name); ok {
		return v, true
	}
	return m.kept.Lookup(name)
}

func (b *Box) secrets(given map[string]string) mergedSecrets {
	m := mergedSecrets{given: site.NewStore(), kept: site.NewStore()}
	for k, v := range given {
		m.given.Set(k, v)
	}
	if _, kept, err := b.applied(); err == nil && kept != nil {
		m.kept = kept
	}
	return m
}

// Validate implements daemon.Backend.
func (b *Box) Validate(_ context.Context, template []byte, secrets map[string]string) ([]api.Problem, error) {
	s, err := site.Parse(templateName, template)
	var ps site.Problems
	if errors.As(err, &ps) {
		return problems(ps), nil
	}
	if err != nil {
		return nil, invalid(err)
	}
	if len(secrets) > 0 {
		// Only the caller's values: anyone may validate, and the secrets
		// the box kept are for changes, not for probing.
		given := site.NewStore()
		for k, v := range secrets {
			given.Set(k, v)
		}
		return problems(site.CheckSecrets(s, given)), nil
	}
	return []api.Problem{}, nil
}

// load parses a template or returns its problems as an invalid-input error.
func load(file string, template []byte) (*site.Site, error) {
	s, err := site.Parse(file, template)
	if err != nil {
		return nil, invalid(fmt.Errorf("the template has problems:\n%w", err))
	}
	return s, nil
}

// Plan implements daemon.Backend. The template's and the secrets'
// problems come back in the result (Problems), not as an error.
func (b *Box) Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error) {
	s, err := site.Parse(templateName, template)
	if err != nil {
		return planProblems(err)
	}
	sec := b.secrets(secrets)
	if ps := site.CheckSecrets(s, sec); len(ps) > 0 {
		return planProblems(ps.Err())
	}
	env, closeEnv, err := b.realEnv(ctx, sec)
	if err != nil {
		return api.PlanResult{}, err
	}
	defer closeEnv()
	p, err := provisioning.MakePlan(ctx, s, env, b.services())
	if err != nil {
		return api.PlanResult{}, err
	}
	return PlanResult(p)
}

// planProblems is the plan of a template with problems: no steps, the
// problems; an error that carries none is returned as invalid input.
func planProblems(err error) (api.PlanResult, error) {
	ps := problemsOf(err)
	if len(ps) == 0 {
		return api.PlanResult{}, invalid(fmt.Errorf("the template has problems:\n%w", err))
	}
	return api.PlanResult{Steps: []api.PlanStep{}, Notes: []api.PlanNote{}, Problems: ps}, nil
}

func (b *Box) services() []provisioning.Service {
	if b.Services != nil {
		return b.Services()
	}
	return Services()
}

// Apply implements daemon.Backend: plan, apply, and record the applied
// site (provisioning.SaveApplied) when every step succeeded.
func (b *Box) Apply(ctx context.Context, template []byte, secrets map[string]string, progress func(bool, api.Step)) (api.ApplyResult, error) {
	return b.apply(ctx, template, b.secrets(secrets), "", progress, false)
}

// ApplyPlan implements daemon.PlanApplier: Apply of the plan planID names,
// compared with the plan made inside the apply, so that the plan compared
// is the plan applied.
func (b *Box) ApplyPlan(ctx context.Context, template []byte, secrets map[string]string, planID string, progress func(bool, api.Step)) (api.ApplyResult, error) {
	return b.apply(ctx, template, b.secrets(secrets), planID, progress, false)
}

// apply is Apply with the secrets resolved. edited is set when possed
// changed the applied template itself (shares, aliases): the caller sent
// no secrets, so the users' initial passwords, which the box does not
// keep, are only required when the plan needs one (a user to create).
//
// With a planID the plan made here must be the one the caller was shown
// (api.PlanID of its JSON); otherwise nothing changes and the result says
// so (api.OutcomePlanChanged).
func (b *Box) apply(ctx context.Context, template []byte, sec mergedSecrets, planID string, progress func(bool, api.Step), edited bool) (api.ApplyResult, error) {
	if progress == nil {
		progress = func(bool, api.Step) {}
	}
	env := b.env(nil)
	// SaveApplied re-reads the template from its file, so it goes to a
	// root-only file first.
	if _, err := fsutil.EnsureDir(env.State(), 0o700, 0, 0); err != nil {
		return api.ApplyResult{}, err
	}
	f, err := os.CreateTemp(env.State(), "incoming-*.yaml")
	if err != nil {
		return api.ApplyResult{}, fmt.Errorf("cannot keep the template: %w", err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(template)
	if err := errors.Join(werr, f.Close()); err != nil {
		return api.ApplyResult{}, fmt.Errorf("cannot keep the template: %w", err)
	}
	// Problems name the template as the caller knows it, not the copy.
	s, err := load(templateName, template)
	if err != nil {
		return applyProblems(err), err
	}
	ps := site.CheckSecrets(s, sec)
	if edited {
		ps = slices.DeleteFunc(ps, func(p site.Problem) bool {
			return strings.HasPrefix(p.Path, "users[") && strings.HasSuffix(p.Path, ".password")
		})
	}
	if len(ps) > 0 {
		err := invalid(fmt.Errorf("secrets:\n%w", ps.Err()))
		return applyProblems(err), err
	}
	s.Source.File = f.Name() // SaveApplied copies it from there
	opts := RunOptions{PlanID: planID, Progress: &progressFunc{fn: progress}, Save: true}
	if edited {
		opts.Check = func(p *plan.Plan) error { return neededSecrets(p, sec) }
	}
	_, res, err := b.RunSite(ctx, s, sec, opts)
	switch {
	case errors.Is(err, ErrPlanChanged):
		out := ApplyResult(nil)
		out.Outcome, out.Error = api.OutcomePlanChanged, api.PlanChangedError
		return out, nil
	case err != nil && res == nil:
		return api.ApplyResult{}, err
	}
	out := result(res)
	if err != nil {
		out.OK = false
		out.Error = err.Error()
	}
	return out, nil
}

// result converts the engine's result.
func result(r *apply.Result) api.ApplyResult { return ApplyResult(r) }

// applyProblems is the result of an apply refused for the template's or
// the secrets' problems.
func applyProblems(err error) api.ApplyResult {
	out := ApplyResult(nil)
	out.Problems = nonNilProblems(problemsOf(err))
	return out
}

func nonNilProblems(ps []api.Problem) []api.Problem {
	if ps == nil {
		return []api.Problem{}
	}
	return ps
}

// progressFunc adapts apply.Progress to the daemon's callback.
type progressFunc struct{ fn func(bool, api.Step) }

func step(i, n int, s plan.Step) api.Step {
	return api.Step{Index: int32(i), Total: int32(n), Service: s.Service, Action: string(s.Action), Kind: s.Kind, Target: s.Target, Summary: s.Summary}
}

func (p *progressFunc) StepStart(i, n int, s plan.Step) { p.fn(true, step(i, n, s)) }

func (p *progressFunc) StepDone(i, n int, s plan.Step, d time.Duration, err error) {
	st := step(i, n, s)
	st.DurationMS = d.Milliseconds()
	switch {
	case err == nil:
		st.Status = string(apply.Done)
	case errors.Is(err, apply.ErrSkipped):
		st.Status = string(apply.Skipped)
	default:
		st.Status, st.Error = string(apply.Failed), err.Error()
	}
	p.fn(false, st)
}

func (p *progressFunc) RollbackDone(string, []string, error) {}

// Export implements daemon.Backend: the live box as a site template — users
// and groups from the directory, shares and homes from the Samba
// configuration, the mail setup — with the applied site's identity and
// backup settings; secrets are references, never values.
func (b *Box) Export(ctx context.Context) ([]byte, error) {
	return b.ExportParts(ctx, nil)
}

// ExportParts is Export of the parts only names (directory, shares, mail;
// nil: all of them), for possectl export --only in process.
func (b *Box) ExportParts(ctx context.Context, only []string) ([]byte, error) {
	parts, err := provisioning.ExportParts(only)
	if err != nil {
		return nil, invalid(err)
	}
	s, kept, err := b.applied()
	if err != nil {
		return nil, err
	}
	var d ad.Directory
	if parts["directory"] {
		if d, s, err = b.directory(ctx); err != nil {
			return nil, err
		}
	}
	out, notes, err := exportSite(ctx, s, b.cmdEnv(kept), d, parts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := provisioning.WriteTemplate(&buf, out, notes...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Shares implements daemon.Backend from the applied site.
func (b *Box) Shares(context.Context) ([]api.Share, error) {
	s, _, err := b.applied()
	if err != nil {
		return nil, err
	}
	out := make([]api.Share, 0, len(s.Shares))
	for _, sh := range s.Shares {
		out = append(out, api.Share{Name: sh.Name, Path: s.SharePath(sh), Description: sh.Description, Read: sh.Read, Write: sh.Write, RecycleBin: sh.RecycleBin})
	}
	return out, nil
}

// Aliases implements daemon.Backend from the applied site.
func (b *Box) Aliases(context.Context) ([]api.Alias, error) {
	s, _, err := b.applied()
	if err != nil {
		return nil, err
	}
	if s.Mail == nil {
		return []api.Alias{}, nil
	}
	out := make([]api.Alias, 0, len(s.Mail.Aliases))
	for _, a := range s.Mail.Aliases {
		out = append(out, api.Alias{Address: a.Address, To: a.To})
	}
	return out, nil
}

// neededSecrets refuses a plan that references a secret the box does not
// keep, before anything changes.
func neededSecrets(p *plan.Plan, sec host.Secrets) error {
	js, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var missing []string
	for _, name := range slices.Compact(plan.SecretNames(string(js))) {
		if _, ok := sec.Lookup(name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return invalid(fmt.Errorf("applying the site again needs the secrets %s, which the box does not keep (a user in the template is missing from the directory?): apply the template with its secrets file (possectl apply FILE --secrets SECRETS)", strings.Join(missing, ", ")))
	}
	return nil
}

// changeSite edits the applied template with edit, checks the result with
// site.Parse and applies it the way Apply does (the caller holds the change
// lock; the apply takes the engine's lock and writes the journal). The
// changed template is recorded only when the apply succeeded; otherwise
// the box keeps the previous one and the error says what failed.
func (b *Box) changeSite(ctx context.Context, what string, edit templateEdit) error {
	if _, _, err := b.applied(); err != nil {
		return err
	}
	cur, err := os.ReadFile(b.env(nil).State(provisioning.AppliedSiteFile))
	if err != nil {
		return mark(daemon.ErrNotAvailable, errNoSite)
	}
	next, err := editTemplate(cur, edit)
	if err != nil {
		return err
	}
	if _, err := site.Parse(templateName, next); err != nil {
		return invalid(fmt.Errorf("%s would make the site template invalid:\n%w", what, err))
	}
	res, err := b.apply(ctx, next, b.secrets(nil), "", nil, true)
	if err != nil {
		return fmt.Errorf("%s: %w; the box keeps its previous site template", what, err)
	}
	if !res.OK {
		msg := fmt.Sprintf("%s failed: %s; the box keeps its previous site template", what, res.Error)
		if len(res.RolledBack) > 0 {
			msg += " (rolled back: " + strings.Join(res.RolledBack, ", ") + ")"
		}
		return errors.New(msg)
	}
	return nil
}

// SetShare implements daemon.Backend: it adds the share, or changes the
// share of that name, in the applied template and applies it.
func (b *Box) SetShare(ctx context.Context, sh api.Share) error {
	return b.changeSite(ctx, "setting share "+sh.Name, setShareEdit(sh))
}

// DeleteShare implements daemon.Backend: it removes the share from the
// applied template and applies it. The share's files stay on disk.
func (b *Box) DeleteShare(ctx context.Context, name string) error {
	return b.changeSite(ctx, "deleting share "+name, deleteShareEdit(name))
}

// SetAlias implements daemon.Backend: it adds the alias, or replaces the
// targets of the alias with that address, in the applied template's mail
// section and applies it.
func (b *Box) SetAlias(ctx context.Context, a api.Alias) error {
	return b.changeSite(ctx, "setting alias "+a.Address, setAliasEdit(a))
}

// DeleteAlias implements daemon.Backend: it removes the alias from the
// applied template and applies it.
func (b *Box) DeleteAlias(ctx context.Context, address string) error {
	return b.changeSite(ctx, "deleting alias "+address, deleteAliasEdit(address))
}
