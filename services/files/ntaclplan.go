// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// KindNTACL sets a share root's or template folder's Windows ACL through
// Samba and carries it into the tree below; its Spec is an NTACLSpec.
const KindNTACL = "files.ntacl"

// ntaclTarget is one wanted descriptor with its share root.
type ntaclTarget struct {
	want WantACL
	root string
	// recycle is the share's recycle bin folder ("" without one).
	recycle string
}

func ntaclTargets(shares []Share) []ntaclTarget {
	var out []ntaclTarget
	for _, sh := range shares {
		rec := ""
		if sh.RecycleBin {
			rec = path.Join(sh.Path, RecycleDir)
		}
		for _, w := range sh.WantACLs() {
			out = append(out, ntaclTarget{want: w, root: sh.Path, recycle: rec})
		}
	}
	return out
}

// ntaclSteps plans one KindNTACL step per share root and template folder
// whose Windows ACL, as Samba serves it, differs from the template's: a
// missing folder, an ACL changed by hand (in Explorer, with smbcacls or
// setfacl, which makes Samba ignore the stored one), one from the POSIX
// ACL model of earlier Posse versions (no security.NTACL yet: the step's
// summary counts the folders and files below that inherit it), or a share
// whose recycle bin holds no Windows ACL yet. Names are resolved with one
// directory search and the ACLs read with one Samba process; a name the
// directory does not know yet (created in the same apply) is resolved when
// the step runs.
func ntaclSteps(ctx context.Context, env *host.Env, shares []Share) ([]plan.Step, error) {
	targets := ntaclTargets(shares)
	if len(targets) == 0 {
		return nil, nil
	}
	var names []string
	for _, t := range targets {
		names = appendNewFold(names, t.want.SD.Names()...)
	}
	sids, missing, err := resolveSIDs(ctx, 0, names)
	noDC := errors.Is(err, ErrNoWinbind)
	if err != nil && !noDC {
		return nil, err
	}
	byName := sidNames(sids, names)

	// Read what exists, in one process.
	var paths, svcs []string
	index := map[string]int{}
	add := func(p, share string) error {
		if _, err := os.Lstat(env.Path(p)); errors.Is(err, os.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		index[p] = len(paths)
		paths, svcs = append(paths, p), append(svcs, share)
		return nil
	}
	if !noDC {
		for _, t := range targets {
			if err := add(t.want.Path, t.want.Share); err != nil {
				return nil, err
			}
			if t.recycle != "" && t.want.Folder == "" {
				if err := add(t.recycle, t.want.Share); err != nil {
					return nil, err
				}
			}
		}
	}
	cur, err := readNTACLsIn(ctx, env, svcs, paths)
	if err != nil {
		return nil, err
	}
	nameUnknownSIDs(ctx, byName, cur)

	var steps []plan.Step
	for _, t := range targets {
		w := t.want
		spec := NTACLSpec{Want: w, Root: t.root}
		i, exists := index[w.Path]
		if _, err := os.Lstat(env.Path(w.Path)); err == nil {
			exists = true
		}
		var ch []plan.Change
		summary := "Windows permissions"
		if w.Folder != "" {
			summary += " of folder " + quote(w.Folder)
		}
		action := plan.Update
		var unresolved []string
		for _, n := range w.SD.Names() {
			if containsFold(missing, n) {
				unresolved = append(unresolved, n)
			}
		}
		switch {
		case noDC:
			summary += ", resolved when applied: the domain controller does not answer yet"
		case len(unresolved) > 0:
			summary += ", resolved when applied: " + strings.Join(unresolved, ", ") + " not in the directory yet"
		}
		switch {
		case !exists:
			action = plan.Create
			ch = namedSDChanges(w.SD)
		case noDC || len(unresolved) > 0:
			ch = namedSDChanges(w.SD)
		default:
			want, err := w.SD.Resolve(sids)
			if err != nil {
				return nil, err
			}
			c := cur[i]
			ch = DiffSD(c.SD, want, byName)
			if !c.Stored {
				ch = append(ch, plan.Change{Field: "windows acl", Before: "derived from the POSIX ACL", After: "stored by Samba (" + NTACLAttr + ")"})
			}
			if j, ok := index[t.recycle]; ok && w.Folder == "" && !cur[j].Stored {
				ch = append(ch, plan.Change{Field: RecycleDir, Before: "derived from the POSIX ACL", After: "inherited from the share"})
			} else if t.recycle != "" && w.Folder == "" && !ok {
				ch = append(ch, plan.Change{Field: RecycleDir, After: "inherited from the share"})
			}
			if len(ch) > 0 && !c.Stored {
				summary += ", moving from the POSIX ACL model"
				if n := countTree(env.Path(w.Path), env.Path(t.recycle)); n > 0 {
					summary += fmt.Sprintf(": the %d folders and files below inherit them", n)
				}
			}
		}
		if len(ch) == 0 {
			continue
		}
		st := plan.NewStep(Name, action, KindNTACL, w.Path, summary, spec)
		st.Changes = ch
		steps = append(steps, st)
	}
	return steps, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// namedSDChanges lists a whole wanted descriptor as changes, by name.
func namedSDChanges(sd SD) []plan.Change {
	ch := []plan.Change{{Field: "owner", After: sd.Owner}, {Field: "group", After: sd.Group}, {Field: "inheritance", After: inheritance(sd.Protected)}}
	var order []string
	by := map[string][]ACE{}
	for _, a := range sd.ACEs {
		if _, ok := by[a.Trustee]; !ok {
			order = append(order, a.Trustee)
		}
		by[a.Trustee] = append(by[a.Trustee], a)
	}
	for _, t := range order {
		ch = append(ch, plan.Change{Field: "access " + t, After: describeACEs(by[t])})
	}
	return ch
}

// nameUnknownSIDs adds the names of the accounts the ACLs on the box
// name but the template does not (an entry added by hand), so the plan
// shows "access carol" rather than a SID; SIDs the directory does not
// know stay as they are.
func nameUnknownSIDs(ctx context.Context, names map[string]string, cur []current) {
	var sids []string
	for _, c := range cur {
		sids = append(sids, c.SD.Owner, c.SD.Group)
		sids = append(sids, trustees(c.SD.ACEs)...)
	}
	unknown := unnamedSIDs(names, sids...)
	if len(unknown) == 0 {
		return
	}
	found, err := searchSIDNames(ctx, LDAPISocket, unknown)
	if err != nil {
		return // shown as SIDs
	}
	maps.Copy(names, found)
}

// probeNTACLs checks that every share root and template folder exists
// and that Samba serves the template's Windows ACL on it.
func probeNTACLs(ctx context.Context, env *host.Env, wants []WantACL) error {
	if len(wants) == 0 {
		return nil
	}
	var names []string
	for _, w := range wants {
		names = appendNewFold(names, w.SD.Names()...)
	}
	sids, missing, err := resolveSIDs(ctx, winbindWait, names)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not in the directory", strings.Join(missing, ", "))
	}
	var paths, svcs []string
	for _, w := range wants {
		if _, err := os.Lstat(env.Path(w.Path)); err != nil {
			return fmt.Errorf("directory %s is missing", w.Path)
		}
		paths, svcs = append(paths, w.Path), append(svcs, w.Share)
	}
	cur, err := readNTACLsIn(ctx, env, svcs, paths)
	if err != nil {
		return err
	}
	byName := sidNames(sids, names)
	nameUnknownSIDs(ctx, byName, cur)
	for i, w := range wants {
		want, err := w.SD.Resolve(sids)
		if err != nil {
			return err
		}
		if d := DiffSD(cur[i].SD, want, byName); len(d) > 0 {
			return fmt.Errorf("%s: Windows ACL: %s is %q, expected %q (and %d more differences)", w.Path, d[0].Field, d[0].Before, d[0].After, len(d)-1)
		}
		if !cur[i].Stored {
			return fmt.Errorf("%s: Samba holds no stored Windows ACL (%s) for it", w.Path, NTACLAttr)
		}
	}
	return nil
}
