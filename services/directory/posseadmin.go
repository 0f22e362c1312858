// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// KindPosseAdmin is the step that puts the template's admins into the
// box's local group PosseAdminGroup and takes others out.
const KindPosseAdmin = "directory.posse-admin"

// PosseAdminGroup is the local group polkit grants every possed action
// (packaging/polkit/50-posse.rules).
const PosseAdminGroup = "posse-admin"

// groupFile is the box's local group database.
const groupFile = "/etc/group"

// PosseAdminSpec is the spec of a KindPosseAdmin step.
type PosseAdminSpec struct {
	// Workgroup is the NetBIOS domain name, the prefix of domain users'
	// names on the box (WORKGROUP\name).
	Workgroup string `json:"workgroup"`
	// Add are usernames of the template (validated) to add.
	Add []string `json:"add,omitempty"`
	// Remove are member entries of the group, as written there, to remove.
	Remove []string `json:"remove,omitempty"`
}

// posseAdminStep compares the template's admins with the domain users in
// posse-admin's member list. A domain user's name on the box is
// WORKGROUP\name (winbind on a DC). Posse removes only members it added:
// admins of the template last applied (last) that this one does not list;
// local accounts and domain users added by hand stay. No step when the
// group does not exist.
func posseAdminStep(env *host.Env, st *site.Site, workgroup string, last applied) ([]plan.Step, []plan.Note) {
	data, err := os.ReadFile(env.Path(groupFile))
	if err != nil {
		if len(st.Admins) == 0 {
			return nil, nil
		}
		return nil, []plan.Note{{Service: Name, Target: "group " + PosseAdminGroup, Message: "cannot read " + groupFile + ": admins get no posse-admin rights this time"}}
	}
	members, ok := groupMembers(data, PosseAdminGroup)
	if !ok {
		if len(st.Admins) == 0 {
			return nil, nil
		}
		return nil, []plan.Note{{Service: Name, Target: "group " + PosseAdminGroup, Message: "the box has no local group posse-admin, so admins get Domain Admins only: reinstall the posse package, which creates it"}}
	}
	prefix := strings.ToLower(workgroup) + `\`
	have := map[string]bool{}
	var spec PosseAdminSpec
	spec.Workgroup = workgroup
	var before []string
	for _, m := range members {
		lm := strings.ToLower(m)
		name, domain := strings.CutPrefix(lm, prefix)
		if !domain && !last.admins[lm] {
			continue // a local account
		}
		before = append(before, m)
		have[name] = true
		if last.admins[name] && !slices.ContainsFunc(st.Admins, func(a string) bool { return strings.EqualFold(a, name) }) {
			spec.Remove = append(spec.Remove, m)
		}
	}
	for _, a := range st.Admins {
		if site.UsernameError(a) == nil && !have[strings.ToLower(a)] {
			spec.Add = append(spec.Add, a)
		}
	}
	if len(spec.Add)+len(spec.Remove) == 0 {
		return nil, nil
	}
	after := slices.DeleteFunc(slices.Clone(before), func(m string) bool { return slices.Contains(spec.Remove, m) })
	for _, a := range spec.Add {
		after = append(after, workgroup+`\`+a)
	}
	step := plan.NewStep(Name, plan.Update, KindPosseAdmin, "group "+PosseAdminGroup, "the template's admins may run every possed action (polkit)", spec)
	step.Changes = []plan.Change{{Field: "domain members", Before: strings.Join(before, ", "), After: strings.Join(after, ", ")}}
	return []plan.Step{step}, nil
}

// groupMembers returns the member list of group in an /etc/group file.
func groupMembers(data []byte, group string) ([]string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) == 4 && f[0] == group {
			if f[3] == "" {
				return nil, true
			}
			return strings.Split(f[3], ","), true
		}
	}
	return nil, false
}

// winbindWait is how long an add waits for winbind to know a user that
// the same apply has just created.
var winbindWait = 60 * time.Second

// applyPosseAdmin changes posse-admin's members with gpasswd. A new member
// is written in the form the box's name service gives (getent), which is
// the name polkit looks up.
func applyPosseAdmin(ctx context.Context, env *host.Env, spec PosseAdminSpec) error {
	for _, m := range spec.Remove {
		if strings.ContainsAny(m, ":,\n") || strings.HasPrefix(m, "-") {
			return fmt.Errorf("member %q of %s: not a name Posse manages; remove it by hand with gpasswd -d", m, PosseAdminGroup)
		}
		if res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"gpasswd", "-d", m, PosseAdminGroup}}); err != nil {
			return fmt.Errorf("removing %s from %s: %s", m, PosseAdminGroup, strings.TrimSpace(string(res.Stderr)))
		}
	}
	for _, a := range spec.Add {
		if err := site.UsernameError(a); err != nil {
			return err
		}
		name, err := boxName(ctx, env, spec.Workgroup+`\`+a)
		if err != nil {
			return err
		}
		if res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"gpasswd", "-a", name, PosseAdminGroup}}); err != nil {
			return fmt.Errorf("adding %s to %s: %s", name, PosseAdminGroup, strings.TrimSpace(string(res.Stderr)))
		}
	}
	return nil
}

// boxName asks the name service for a domain user, waiting for winbind.
func boxName(ctx context.Context, env *host.Env, user string) (string, error) {
	deadline := time.Now().Add(winbindWait)
	for {
		res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"getent", "passwd", user}})
		if err == nil {
			if name, _, ok := strings.Cut(string(res.Stdout), ":"); ok && name != "" {
				return name, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("winbind does not know %s yet, so it cannot join %s: check wbinfo -u, then apply again", user, PosseAdminGroup)
		}
		time.Sleep(2 * time.Second)
	}
}
