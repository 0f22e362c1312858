// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Modes of the directories Posse creates.
const (
	ShareDirMode = 0o2770 // setgid: new files keep the share's group
	HomeDirMode  = 0o700
	HomesDirMode = 0o711 // users pass through to their own folder only
)

// Plan implements provisioning.Service: the include file (with each
// share's before/after settings), the purge units, share and home
// directories (never deleted: a removed or renamed share's directory stays
// and a note says so), one ACL step per directory whose owner or ACL
// differs, testparm, a reload of samba-ad-dc (never a restart) when the
// share configuration changed, daemon-reload and enable-now of the purge
// timer when its units changed, and the probe. Offline (--root) ACLs are
// neither read nor planned. With homes enabled, the users created through
// possed get home folders as the template's users do (DesiredConfig).
// With snapshots it first checks that the storage is btrfs
// (CheckSnapshotStorage), plans each missing share folder with snapshots
// as a btrfs subvolume before its directory step, and writes, enables or
// removes posse-snapshots.{service,timer}.
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	cfg, notes, err := DesiredConfig(ctx, st, env)
	if err != nil {
		return nil, nil, err
	}
	var dirs []string
	for _, sh := range cfg.Shares {
		dirs = append(dirs, sh.Path)
	}
	if cfg.Homes {
		dirs = append(dirs, HomesDir)
	}
	for _, d := range dirs {
		if err := CheckNoEscape(env.Root, d); err != nil {
			return nil, nil, err
		}
	}
	for _, sh := range cfg.Shares {
		for _, f := range sh.Folders {
			if err := checkInShare(env.Root, sh.Path, f.Path); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := CheckSnapshotStorage(st, cfg, env); err != nil {
		return nil, nil, err
	}
	var steps, unitSteps []plan.Step

	confStep, confChanged, confNotes, err := confStep(env, cfg)
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, confNotes...)
	if confChanged {
		steps = append(steps, confStep)
	}
	us, unitsChanged, err := purgeSteps(env, cfg)
	if err != nil {
		return nil, nil, err
	}
	_, _, purge, _ := PurgeUnits(cfg)
	if unitsChanged && !purge {
		// Stop and disable the timer while its unit file still exists.
		steps = append(steps, plan.UnitStep(Name, PurgeTimer, "disable-now"))
	}
	steps = append(steps, us...)
	ss, snapshots, err := snapshotUnitSteps(env, cfg)
	if err != nil {
		return nil, nil, err
	}
	if len(ss) > 0 && !snapshots {
		steps = append(steps, plan.UnitStep(Name, SnapshotTimer, "disable-now"))
	}
	steps = append(steps, ss...)

	var acls []ACLSpec
	for _, sh := range cfg.Shares {
		if sh.Snapshots {
			if err := subvolumeStep(&steps, env, cfg, sh); err != nil {
				return nil, nil, err
			}
		}
		if err := addDir(&steps, env, plan.DirSpec{Path: sh.Path, Mode: ShareDirMode}); err != nil {
			return nil, nil, err
		}
		if err := folderDirs(&steps, env, sh); err != nil {
			return nil, nil, err
		}
		// The recycle bin before the share's Windows ACL step, which gives
		// the bin's own folder the share's inherited ACL.
		if sh.RecycleBin {
			if err := addDir(&steps, env, plan.DirSpec{Path: path.Join(sh.Path, RecycleDir), Mode: ShareDirMode}); err != nil {
				return nil, nil, err
			}
		}
	}
	if cfg.Homes {
		if err := addDir(&steps, env, plan.DirSpec{Path: HomesDir, Mode: HomesDirMode, Owner: "root", Group: "root"}); err != nil {
			return nil, nil, err
		}
		for _, h := range cfg.HomeUsers {
			if h.Snapshots {
				if err := subvolumeStep(&steps, env, cfg, h.share()); err != nil {
					return nil, nil, err
				}
			}
			if err := addDir(&steps, env, plan.DirSpec{Path: h.Path, Mode: HomeDirMode}); err != nil {
				return nil, nil, err
			}
			acls = append(acls, ACLSpec{ACL: HomeACL(h), Workgroup: cfg.Workgroup})
		}
	}
	if env.Offline {
		if len(acls) > 0 || len(cfg.Shares) > 0 {
			notes = append(notes, plan.Note{Service: Name, Target: "ACLs", Message: "offline (--root): share and home ACLs are neither read nor set"})
		}
	} else {
		ns, err := ntaclSteps(ctx, env, cfg.Shares)
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, ns...)
		as, err := aclSteps(ctx, env, acls)
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, as...)
	}

	if confChanged {
		steps = append(steps, plan.CheckStep(Name, "testparm", "-s", "--suppress-prompt"))
		unitSteps = append(unitSteps, plan.UnitStep(Name, DCUnit, "reload"))
	}
	if unitsChanged || len(ss) > 0 {
		unitSteps = append(unitSteps, plan.UnitStep(Name, "", "daemon-reload"))
		if unitsChanged && purge {
			unitSteps = append(unitSteps, plan.UnitStep(Name, PurgeTimer, "enable-now"))
		}
		if len(ss) > 0 && snapshots {
			unitSteps = append(unitSteps, plan.UnitStep(Name, SnapshotTimer, "enable-now"))
		}
	}
	steps = append(steps, unitSteps...)
	if len(steps) > 0 && !env.Offline {
		steps = append(steps, plan.NewStep(Name, plan.Run, plan.KindProbe, "shares", "testparm clean, Windows ACLs of shares and folders and home ACLs as planned, anonymous listing refused", probeSpec(cfg)))
	}
	return steps, notes, nil
}

// folderDirs plans the share's template folders that do not exist yet,
// and the folders between the share and them, parents first, with the
// share's mode; existing ones keep theirs (their Windows ACL step sets
// the permissions).
func folderDirs(steps *[]plan.Step, env *host.Env, sh Share) error {
	seen := map[string]bool{}
	for _, f := range sh.Folders {
		var chain []string
		for d := f.Path; d != sh.Path && inside(d, sh.Path); d = path.Dir(d) {
			chain = append([]string{d}, chain...)
		}
		for _, d := range chain {
			if seen[d] {
				continue
			}
			seen[d] = true
			if _, err := os.Lstat(env.Path(d)); err == nil {
				continue
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			if err := addDir(steps, env, plan.DirSpec{Path: d, Mode: ShareDirMode}); err != nil {
				return err
			}
		}
	}
	return nil
}

func addDir(steps *[]plan.Step, env *host.Env, spec plan.DirSpec) error {
	st, changed, err := plan.DirStep(Name, env, spec)
	if err != nil {
		return err
	}
	if changed {
		*steps = append(*steps, st)
	}
	return nil
}

// confStep plans the include file, with one change per share setting
// that differs from the file on the box, and notes for removed shares.
func confStep(env *host.Env, cfg Config) (plan.Step, bool, []plan.Note, error) {
	content, err := Render(cfg)
	if err != nil {
		return plan.Step{}, false, nil, err
	}
	st, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: ConfPath, Content: content, Mode: 0o644, Owner: "root", Group: "root"})
	if err != nil || !changed {
		return st, changed, nil, err
	}
	var before Config
	if data, err := os.ReadFile(env.Path(ConfPath)); err == nil {
		if before, err = Parse(data); err != nil {
			// A hand-edited file that cannot be read: the diff shows all.
			before = Config{}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return plan.Step{}, false, nil, err
	}
	ch, notes := ShareChanges(before, cfg)
	st.Changes = append(ch, st.Changes...)
	st.Summary = "share definitions"
	return st, true, notes, nil
}

// ShareChanges compares two configurations share by share and returns
// readable field changes ("Akten: write", before "partners", after
// "partners, staff") and notes for shares that go away, whose directories
// stay.
func ShareChanges(before, after Config) ([]plan.Change, []plan.Note) {
	var ch []plan.Change
	var notes []plan.Note
	for _, sh := range after.Shares {
		old, ok := before.FindShare(sh.Name)
		if !ok {
			ch = append(ch, plan.Change{Field: sh.Name, After: "new share at " + sh.Path})
			old = Share{}
		}
		ch = append(ch, fieldChanges(sh.Name, old, sh)...)
	}
	for _, old := range before.Shares {
		if _, ok := after.FindShare(old.Name); ok {
			continue
		}
		ch = append(ch, plan.Change{Field: old.Name, Before: "share at " + old.Path, After: "removed (its directory stays)"})
		notes = append(notes, plan.Note{Service: Name, Target: old.Path,
			Message: fmt.Sprintf("share %s is no longer in the template: its definition goes, its directory and data stay; move or delete them by hand", quote(old.Name))})
	}
	for _, h := range after.HomeUsers {
		if !hasHome(before, h.User) {
			ch = append(ch, plan.Change{Field: "home " + h.User, After: "shared from " + h.Path})
		}
	}
	for _, h := range before.HomeUsers {
		if !hasHome(after, h.User) {
			ch = append(ch, plan.Change{Field: "home " + h.User, Before: h.Path, After: "no longer shared (the folder stays)"})
			notes = append(notes, plan.Note{Service: Name, Target: h.Path, Message: "the home folder of " + h.User + " is no longer shared; its data stays"})
		}
	}
	if before.Homes != after.Homes {
		ch = append(ch, plan.Change{Field: "homes", Before: enabled(before.Homes), After: enabled(after.Homes)})
		if !after.Homes {
			notes = append(notes, plan.Note{Service: Name, Target: HomesDir, Message: "home folders are no longer shared; their data stays in " + HomesDir})
		}
	}
	return ch, notes
}

func fieldChanges(name string, a, b Share) []plan.Change {
	var ch []plan.Change
	f := func(field, x, y string) {
		if x != y {
			ch = append(ch, plan.Change{Field: name + ": " + field, Before: x, After: y})
		}
	}
	f("path", a.Path, b.Path)
	f("description", a.Comment, b.Comment)
	f("write", strings.Join(a.Write, ", "), strings.Join(b.Write, ", "))
	f("read", strings.Join(a.ReadOnly(), ", "), strings.Join(b.ReadOnly(), ", "))
	f("recycle_bin", boolStr(a.RecycleBin, a.Path != ""), boolStr(b.RecycleBin, true))
	f("streams, Mac metadata and Windows ACLs", boolStr(a.Windows, a.Path != ""), boolStr(b.Windows, true))
	if b.RecycleBin {
		f("recycle_days", daysStr(a), daysStr(b))
	}
	if a.Snapshots || b.Snapshots {
		f("snapshots", boolStr(a.Snapshots, a.Path != ""), boolStr(b.Snapshots, true))
	}
	return ch
}

func boolStr(v, known bool) string {
	if !known {
		return ""
	}
	if v {
		return "true"
	}
	return "false"
}

func daysStr(s Share) string {
	if !s.RecycleBin || s.RecycleDays == 0 {
		return ""
	}
	return fmt.Sprint(s.RecycleDays)
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

// purgeSteps plans the purge service and timer files: written when a share
// has a recycle bin, deleted when none has one any more.
func purgeSteps(env *host.Env, cfg Config) ([]plan.Step, bool, error) {
	svc, tmr, ok, err := PurgeUnits(cfg)
	if err != nil {
		return nil, false, err
	}
	steps, err := plan.UnitFileSteps(Name, env, UnitDir, ok, plan.UnitFile{Name: PurgeService, Content: svc}, plan.UnitFile{Name: PurgeTimer, Content: tmr})
	return steps, len(steps) > 0, err
}

// aclSteps resolves every name once and returns a KindACL step for each
// directory whose owner, group, setgid bit or ACL differs (or that does
// not exist yet, or names groups the directory does not have yet: those
// are resolved when the step runs).
func aclSteps(ctx context.Context, env *host.Env, acls []ACLSpec) ([]plan.Step, error) {
	var users, groups []string
	wg := ""
	for _, a := range acls {
		u, g := aclNames(a.ACL)
		users, groups = appendNew(users, u...), appendNew(groups, g...)
		wg = a.Workgroup
	}
	ids, _, err := Wbinfo{Runner: env.Runner, Workgroup: wg}.Resolve(ctx, users, groups)
	if errors.Is(err, ErrNoWinbind) {
		// No domain controller yet (a fresh box): the directory service
		// starts it in this apply; every name is resolved when applied.
		ids = IDs{Users: map[string]int{}, Groups: map[string]int{}}
	} else if err != nil {
		return nil, err
	}
	names := ids.Names()
	var steps []plan.Step
	for _, a := range acls {
		cur, exists, err := ReadACL(ctx, env, a.ACL.Path)
		if err != nil {
			return nil, err
		}
		want, rerr := a.ACL.Resolve(ids)
		action := plan.Update
		var ch []plan.Change
		switch {
		case !exists:
			action = plan.Create
			ch = namedChanges(a.ACL)
		case rerr != nil:
			ch = namedChanges(a.ACL)
		default:
			ch = Diff(cur, want, names)
		}
		if exists && hasNTACL(env.Path(a.ACL.Path)) {
			ch = append(ch, plan.Change{Field: "windows acl", Before: "stored (" + NTACLAttr + ")", After: "removed: the POSIX ACL applies"})
		}
		if len(ch) == 0 {
			continue
		}
		summary := "owner, group and ACL"
		if rerr != nil {
			summary += " (" + rerr.Error() + " yet: resolved when applied)"
		}
		st := plan.NewStep(Name, action, KindACL, a.ACL.Path, summary, a)
		st.Changes = ch
		steps = append(steps, st)
	}
	return steps, nil
}

// namedChanges lists a whole ACL as changes, by name.
func namedChanges(a ACL) []plan.Change {
	ch := []plan.Change{{Field: "owner", After: a.Owner}, {Field: "group", After: a.Group}}
	if a.Setgid {
		ch = append(ch, plan.Change{Field: "setgid", After: "true"})
	}
	for _, e := range a.Entries {
		k := e.Tag + ":" + e.Name
		if e.Default {
			k = "default:" + k
		}
		ch = append(ch, plan.Change{Field: k, After: e.Perm})
	}
	return ch
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

func hasHome(c Config, user string) bool {
	for _, h := range c.HomeUsers {
		if h.User == user {
			return true
		}
	}
	return false
}
