// SPDX-License-Identifier: GPL-3.0-or-later

package plan

import (
	"path"

	"github.com/posse-project/posse/provisioning/host"
)

// UnitFile is a systemd unit file by name and content.
type UnitFile struct {
	Name    string
	Content string
}

// UnitFileSteps plans unit files in dir: written (mode 0644, root) when
// on, deleted when not. Only the files that differ get a step.
func UnitFileSteps(service string, env *host.Env, dir string, on bool, files ...UnitFile) ([]Step, error) {
	var steps []Step
	for _, f := range files {
		p := path.Join(dir, f.Name)
		var st Step
		var changed bool
		var err error
		if on {
			st, changed, err = FileStep(service, env, FileSpec{Path: p, Content: f.Content, Mode: 0o644, Owner: "root", Group: "root"})
		} else {
			st, changed, err = DeleteFileStep(service, env, p)
		}
		if err != nil {
			return nil, err
		}
		if changed {
			steps = append(steps, st)
		}
	}
	return steps, nil
}

// RemoveUnitsSteps plans taking units out of systemd: each timer among
// names that active reports as enabled or running is disabled and
// stopped first, then the unit files in dir are deleted and systemd
// reloaded. It plans nothing when none of the files is there.
func RemoveUnitsSteps(service string, env *host.Env, dir string, names []string, active func(unit string) bool) ([]Step, error) {
	var files []Step
	for _, n := range names {
		st, ok, err := DeleteFileStep(service, env, path.Join(dir, n))
		if err != nil {
			return nil, err
		}
		if ok {
			files = append(files, st)
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	var steps []Step
	for _, n := range names {
		if path.Ext(n) == ".timer" && active(n) {
			steps = append(steps, UnitStep(service, n, "disable-now"))
		}
	}
	steps = append(steps, files...)
	return append(steps, UnitStep(service, "", "daemon-reload")), nil
}
