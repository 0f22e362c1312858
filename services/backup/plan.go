// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// InitSpec is the spec of a KindInit step.
type InitSpec struct {
	Repository string `json:"repository"`
}

// ProbeSpec is the spec of the probe step.
type ProbeSpec struct {
	Repository string `json:"repository"`
}

// Plan implements provisioning.Service: the state directory and password
// file, the repository's initialisation when it does not exist yet, the
// unit files, and daemon-reload and enable-now of the timers when the
// units changed or are not enabled. Without a backup section it removes
// Posse's backup units (the repository and password file are kept).
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	c, ok := FromSite(st)
	if !ok {
		return s.planRemove(ctx, env)
	}
	if err := checkTools(env); err != nil {
		return nil, nil, err
	}
	var steps []plan.Step
	add := func(step plan.Step, changed bool, err error) error {
		if err == nil && changed {
			steps = append(steps, step)
		}
		return err
	}
	if err := add(plan.DirStep(Name, env, plan.DirSpec{Path: StateDir, Mode: 0o700, Owner: "root", Group: "root"})); err != nil {
		return nil, nil, err
	}
	pwName, _ := st.Backup.Password.Name()
	pwChanged := false
	step, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: PasswordFile, Content: "${secret:" + pwName + "}", Mode: 0o600, Owner: "root", Group: "root", Secret: true})
	if err != nil {
		return nil, nil, err
	}
	if changed {
		steps, pwChanged = append(steps, step), true
	}
	var notes []plan.Note
	exists, err := s.repoExists(ctx, env, c.Repository, pwChanged)
	if err != nil {
		// An unreachable backup server must not block applying the rest
		// of the site: say so, and let the next apply initialise.
		exists = true
		notes = append(notes, plan.Note{Service: Name, Target: c.Repository, Message: "cannot open the backup repository, so it is neither checked nor initialised: " + err.Error()})
	}
	if !exists {
		steps = append(steps, plan.NewStep(Name, plan.Create, KindInit, c.Repository, "initialise the restic repository", InitSpec{Repository: c.Repository}))
	}
	units, err := RenderUnits(PossectlPath(env), c.Schedule, c.CheckSchedule)
	if err != nil {
		return nil, nil, err
	}
	timers := append([]string{}, Timers...)
	for _, cp := range c.Copies {
		cu, err := RenderCopyUnits(PossectlPath(env), cp)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range cu {
			units[k] = v
		}
		timers = append(timers, CopyTimerUnit(cp.Name))
	}
	if err := units.onFailure(c.OnFailure); err != nil {
		return nil, nil, err
	}
	stale, err := staleCopyUnits(env, units)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range stale {
		if strings.HasSuffix(name, ".timer") && timerActive(ctx, env, name) {
			steps = append(steps, plan.UnitStep(Name, name, "disable-now"))
		}
	}
	for _, name := range stale {
		step, ok, err := plan.DeleteFileStep(Name, env, SystemdDir+"/"+name)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			steps = append(steps, step)
		}
	}
	unitsChanged := len(stale) > 0
	for _, name := range sortedKeys(units) {
		step, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: SystemdDir + "/" + name, Content: units[name], Mode: 0o644})
		if err != nil {
			return nil, nil, err
		}
		if changed {
			steps, unitsChanged = append(steps, step), true
		}
	}
	if unitsChanged {
		steps = append(steps, plan.UnitStep(Name, "", "daemon-reload"))
	}
	for _, t := range timers {
		if unitsChanged || !timerOn(ctx, env, t) {
			steps = append(steps, plan.UnitStep(Name, t, "enable-now"))
		}
	}
	if len(steps) > 0 {
		steps = append(steps, plan.NewStep(Name, plan.Run, plan.KindProbe, c.Repository, "open the repository with the password file", ProbeSpec{Repository: c.Repository}))
	}
	return steps, notes, nil
}

// repoExists decides whether the plan needs an init step. A local
// repository exists when its config file does; an sftp one is asked with
// restic cat config once the password file is in place (before that, the
// init step itself checks first).
func (s *Service) repoExists(ctx context.Context, env *host.Env, repo string, pwChanged bool) (bool, error) {
	if IsLocal(repo) {
		_, err := os.Stat(env.Path(repo + "/config"))
		return err == nil, nil
	}
	if env.Offline || env.Runner == nil || pwChanged {
		return false, nil
	}
	return NewRestic(env, repo).Exists(ctx)
}

// timerOn reports whether a timer is enabled and active; offline (no
// systemd) it is taken as on, so that --root renders stay stable.
func timerOn(ctx context.Context, env *host.Env, t string) bool {
	if env.Offline || env.Units == nil {
		return true
	}
	st, err := env.Units.Status(ctx, t)
	return err == nil && st.UnitFileState == "enabled" && st.ActiveState == "active"
}

// staleCopyUnits lists the copy units in /etc/systemd/system that units
// (the wanted ones) does not hold: copies taken out of the template.
func staleCopyUnits(env *host.Env, units UnitFiles) ([]string, error) {
	m, err := filepath.Glob(env.Path(SystemdDir + "/" + CopyUnitPrefix + "*"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range m {
		name := filepath.Base(p)
		if _, ok := units[name]; !ok && (strings.HasSuffix(name, ".service") || strings.HasSuffix(name, ".timer")) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// timerActive reports whether a timer is enabled or active (offline: no).
func timerActive(ctx context.Context, env *host.Env, t string) bool {
	if env.Offline || env.Units == nil {
		return false
	}
	st, err := env.Units.Status(ctx, t)
	return err == nil && (st.ActiveState == "active" || st.UnitFileState == "enabled")
}

func (s *Service) planRemove(ctx context.Context, env *host.Env) ([]plan.Step, []plan.Note, error) {
	copies, err := staleCopyUnits(env, nil)
	if err != nil {
		return nil, nil, err
	}
	all := append(append([]string{}, Units...), copies...)
	steps, err := plan.RemoveUnitsSteps(Name, env, SystemdDir, all, func(t string) bool { return timerActive(ctx, env, t) })
	if err != nil || len(steps) == 0 {
		return nil, nil, err
	}
	notes := []plan.Note{{Service: Name, Target: StateDir, Message: "scheduled backups stop; the repository and its password file are kept"}}
	return steps, notes, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
