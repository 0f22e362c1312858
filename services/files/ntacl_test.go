// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/plan"
)

func TestShareSD(t *testing.T) {
	sd := ShareSD(Share{Path: "/srv/a", Write: []string{"partners"}, Read: []string{"staff", "partners"}})
	want := SD{Owner: OwnerAccount, Group: "partners", Protected: true, ACEs: []ACE{
		{Trustee: AdminsGroup, Mask: RightsFull, Flags: inheritAll},
		{Trustee: CreatorOwner, Mask: RightsFull, Flags: inheritAll | FlagInheritOnly},
		{Trustee: "partners", Mask: RightsModify, Flags: inheritAll},
		{Trustee: "staff", Mask: RightsRead, Flags: inheritAll},
	}}
	if sd.Owner != want.Owner || sd.Group != want.Group || !sd.Protected || !slices.Equal(sd.ACEs, want.ACEs) {
		t.Errorf("ShareSD = %+v, want %+v", sd, want)
	}
	if g := ShareSD(Share{Read: []string{"staff"}}).Group; g != "staff" {
		t.Errorf("read-only share owned by group %q, want staff", g)
	}
	// Modify lacks the rights to change permissions and owner.
	if RightsModify&(0x00040000|0x00080000) != 0 || RightsFull&0x000c0000 != 0x000c0000 {
		t.Error("Modify includes WRITE_DAC or WRITE_OWNER")
	}
}

// TestInherit checks the inherited entries against what Samba 4.22
// stored for a folder and a file that a member of accounting (D-1109)
// created below a share root with Posse's ACL.
func TestInherit(t *testing.T) {
	root := []ACE{
		{Trustee: "D-512", Mask: RightsFull, Flags: 3},
		{Trustee: creatorOwnerID, Mask: RightsFull, Flags: 11},
		{Trustee: "D-1103", Mask: RightsModify, Flags: 3},
		{Trustee: "D-1104", Mask: RightsRead, Flags: 3},
	}
	dir := []ACE{
		{Trustee: "D-512", Mask: RightsFull, Flags: 19},
		{Trustee: "D-1109", Mask: RightsFull, Flags: 16},
		{Trustee: creatorOwnerID, Mask: RightsFull, Flags: 27},
		{Trustee: "D-1103", Mask: RightsModify, Flags: 19},
		{Trustee: "D-1104", Mask: RightsRead, Flags: 19},
	}
	file := []ACE{
		{Trustee: "D-512", Mask: RightsFull, Flags: 16},
		{Trustee: "D-1109", Mask: RightsFull, Flags: 16},
		{Trustee: "D-1103", Mask: RightsModify, Flags: 16},
		{Trustee: "D-1104", Mask: RightsRead, Flags: 16},
	}
	if got := Inherit(root, true, "D-1109"); !SameACL(got, dir) {
		t.Errorf("folder inherits %+v, want %+v", got, dir)
	}
	if got := Inherit(root, false, "D-1109"); !SameACL(got, file) {
		t.Errorf("file inherits %+v, want %+v", got, file)
	}
	// What a folder inherited, it passes on unchanged (its owner's own
	// entry, not inheritable, stays behind).
	if got := Inherit(dir, true, "D-2000"); !SameACL(got, Inherit(root, true, "D-2000")) {
		t.Errorf("grandchild folder inherits %+v", got)
	}
	// Files-only and one-level entries.
	odd := []ACE{{Trustee: "D-1", Mask: RightsRead, Flags: FlagObjectInherit}, {Trustee: "D-2", Mask: RightsRead, Flags: inheritAll | FlagNoPropagate}}
	if got := Inherit(odd, true, "D-9"); !SameACL(got, []ACE{
		{Trustee: "D-1", Mask: RightsRead, Flags: FlagObjectInherit | FlagInheritOnly | FlagInherited},
		{Trustee: "D-2", Mask: RightsRead, Flags: FlagInherited},
	}) {
		t.Errorf("folder below files-only and one-level entries inherits %+v", got)
	}
	if got := Explicit(append(slices.Clone(dir), ACE{Trustee: "D-7", Mask: RightsRead})); len(got) != 1 || got[0].Trustee != "D-7" {
		t.Errorf("Explicit = %+v", got)
	}
}

func TestFolderSD(t *testing.T) {
	sh := Share{Name: "Akten", Path: "/srv/a", Write: []string{"partners"}, Read: []string{"staff"}, Folders: []Folder{
		{Rel: "M/Intern", Path: "/srv/a/M/Intern", Write: []string{"partners"}},
		{Rel: "M", Path: "/srv/a/M", Write: []string{"staff"}, Inherit: true},
		{Rel: "M/Intern/Sub", Path: "/srv/a/M/Intern/Sub", Read: []string{"staff"}, Inherit: true},
	}}
	ws := sh.WantACLs()
	var got []string
	for _, w := range ws {
		got = append(got, w.Folder)
	}
	if !slices.Equal(got, []string{"", "M", "M/Intern", "M/Intern/Sub"}) {
		t.Fatalf("order %q: want the share, then parents before children", got)
	}
	m, intern, sub := ws[1].SD, ws[2].SD, ws[3].SD
	if m.Protected || m.Owner != OwnerAccount || m.Group != "staff" {
		t.Errorf("M: %+v", m)
	}
	if !slices.Contains(m.ACEs, ACE{Trustee: "staff", Mask: RightsModify, Flags: inheritAll}) ||
		!slices.Contains(m.ACEs, ACE{Trustee: "staff", Mask: RightsRead, Flags: inheritAll | FlagInherited}) ||
		!slices.Contains(m.ACEs, ACE{Trustee: OwnerAccount, Mask: RightsFull, Flags: FlagInherited}) {
		t.Errorf("M keeps the share's entries and adds its own: %+v", m.ACEs)
	}
	if !intern.Protected || slices.ContainsFunc(intern.ACEs, func(a ACE) bool { return a.Trustee == "staff" }) {
		t.Errorf("M/Intern (inherit: false) lets staff in: %+v", intern)
	}
	// Sub inherits from M/Intern, not from the share.
	if !slices.Contains(sub.ACEs, ACE{Trustee: "partners", Mask: RightsModify, Flags: inheritAll | FlagInherited}) ||
		!slices.Contains(sub.ACEs, ACE{Trustee: "staff", Mask: RightsRead, Flags: inheritAll}) || sub.Group != "staff" {
		t.Errorf("M/Intern/Sub: %+v", sub)
	}
}

// TestDenySD: deny lists become Deny Full control entries for the folder,
// its subfolders and files, first in the ACL, and what is below inherits
// them as deny entries.
func TestDenySD(t *testing.T) {
	sh := Share{Name: "Akten", Path: "/srv/a", Write: []string{"partners"}, Read: []string{"staff"}, Deny: []string{"azubi"}, Folders: []Folder{
		{Rel: "Gehalt", Path: "/srv/a/Gehalt", Deny: []string{"dave"}, Inherit: true},
		{Rel: "Intern", Path: "/srv/a/Intern", Write: []string{"partners"}, Deny: []string{"erin"}},
	}}
	ws := sh.WantACLs()
	root, gehalt, intern := ws[0].SD, ws[1].SD, ws[2].SD
	deny := func(n string, flags uint8) ACE { return ACE{Trustee: n, Mask: RightsFull, Flags: flags, Deny: true} }
	if root.ACEs[0] != deny("azubi", inheritAll) {
		t.Errorf("share root: %+v: want azubi's deny entry first", root.ACEs)
	}
	if gehalt.ACEs[0] != deny("dave", inheritAll) || !slices.Contains(gehalt.ACEs, deny("azubi", inheritAll|FlagInherited)) ||
		!slices.Contains(gehalt.ACEs, ACE{Trustee: "staff", Mask: RightsRead, Flags: inheritAll | FlagInherited}) || gehalt.Protected {
		t.Errorf("Gehalt (inherit): %+v: want dave's deny, then the share's entries with azubi's deny", gehalt)
	}
	if intern.ACEs[0] != deny("erin", inheritAll) || slices.ContainsFunc(intern.ACEs, func(a ACE) bool { return a.Trustee == "azubi" }) || !intern.Protected {
		t.Errorf("Intern (inherit: false): %+v: want erin's deny and none of the share's", intern)
	}
	if !slices.Contains(gehalt.Names(), "dave") || !slices.Contains(root.Names(), "azubi") {
		t.Errorf("denied names are not resolved: %v %v", gehalt.Names(), root.Names())
	}
	if got := Inherit(gehalt.ACEs, false, "D-1"); !slices.Contains(got, ACE{Trustee: "dave", Mask: RightsFull, Flags: FlagInherited, Deny: true}) {
		t.Errorf("a file in Gehalt inherits %+v: want dave's deny", got)
	}
}

func TestDiffSD(t *testing.T) {
	want := SD{Owner: "S-500", Group: "S-1103", Protected: true, ACEs: []ACE{
		{Trustee: "S-512", Mask: RightsFull, Flags: inheritAll},
		{Trustee: "S-1103", Mask: RightsModify, Flags: inheritAll},
	}}
	names := map[string]string{"S-500": "Administrator", "S-512": "Domain Admins", "S-1103": "partners", "S-1110": "efischer"}
	same := want
	same.ACEs = []ACE{want.ACEs[1], want.ACEs[0]}
	if d := DiffSD(same, want, names); len(d) != 0 {
		t.Errorf("the same ACL in another order differs: %+v", d)
	}
	cur := SD{Owner: "S-1110", Group: "S-1103", ACEs: []ACE{
		{Trustee: "S-512", Mask: RightsFull, Flags: inheritAll},
		{Trustee: "S-1103", Mask: RightsFull, Flags: inheritAll},
		{Trustee: "S-1110", Mask: RightsFull},
		{Trustee: "S-1-1-0", Mask: 0},
	}}
	got := DiffSD(cur, want, names)
	wantCh := []plan.Change{
		{Field: "owner", Before: "efischer", After: "Administrator"},
		{Field: "inheritance", Before: "from the folder above", After: "off (permissions set here only)"},
		{Field: "access partners", Before: "full control (this folder, subfolders and files)", After: "modify (this folder, subfolders and files)"},
		{Field: "access efischer", Before: "full control (this folder only)", After: ""},
		{Field: "access Everyone", Before: "nothing (this folder only)", After: ""},
	}
	if !slices.Equal(got, wantCh) {
		t.Errorf("DiffSD:\n%+v\nwant\n%+v", got, wantCh)
	}
}

func TestSDCheckAndResolve(t *testing.T) {
	sids := map[string]string{"administrator": "S-500", "domain admins": "S-512", "partners": "S-1103"}
	sd, err := ShareSD(Share{Write: []string{"partners"}}).Resolve(sids)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Owner != "S-500" || sd.ACEs[1].Trustee != creatorOwnerID {
		t.Errorf("resolved %+v", sd)
	}
	if err := sd.Check("S-512"); err != nil {
		t.Errorf("Check of a share's ACL: %v", err)
	}
	if err := (SD{}).Check("S-512"); err == nil || !strings.Contains(err.Error(), "empty ACL") {
		t.Errorf("Check of an empty ACL: %v", err)
	}
	if err := (SD{ACEs: sd.ACEs[2:]}).Check("S-512"); err == nil {
		t.Error("Check passed an ACL without the domain admins")
	}
	if _, err := ShareSD(Share{Write: []string{"ghosts"}}).Resolve(sids); err == nil || !strings.Contains(err.Error(), `"ghosts"`) {
		t.Errorf("unknown group: %v", err)
	}
}

func TestSIDBytes(t *testing.T) {
	for _, s := range []string{"S-1-5-21-1169251642-680043741-855622049-1103", "S-1-1-0", "S-1-5-32-544"} {
		b, ok := sidBytes(s)
		if !ok {
			t.Fatalf("sidBytes(%s) failed", s)
		}
		if back, err := sidString(b); err != nil || back != s {
			t.Errorf("%s → %x → %s %v", s, b, back, err)
		}
	}
	for _, bad := range []string{"", "S-1", "S-2-5-1", "X-1-5-1", "S-1-5-x", "S-1-5-4294967296"} {
		if _, ok := sidBytes(bad); ok {
			t.Errorf("sidBytes(%q) accepted", bad)
		}
	}
	if e := escapeBytes([]byte{1, 0xff}); e != `\01\ff` {
		t.Errorf("escapeBytes = %s", e)
	}
}

// setHand changes a path's Windows ACL as a domain admin would in Explorer.
func (b *fakeBox) setHand(full string, f func(*SD)) {
	sd := b.ntacls[full]
	sd.ACEs = slices.Clone(sd.ACEs)
	f(&sd)
	b.ntacls[full] = sd
}

// TestPlanWindowsACLDrift: an entry added by hand on the share root shows
// in the plan by name; apply puts the template's ACL back and carries it
// into the tree; the next plan is empty.
func TestPlanWindowsACLDrift(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	r.apply(st)
	root := filepath.Join(r.box.root, "srv/posse/shares/akten")
	os.MkdirAll(filepath.Join(root, "sub"), 0o770)
	r.box.setHand(root, func(sd *SD) {
		sd.ACEs = append(sd.ACEs, ACE{Trustee: r.box.sid("carol", false), Mask: RightsFull, Flags: inheritAll})
	})
	steps, _ := r.apply(st)
	s, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten")
	if !ok || len(steps) != 2 || !hasChange(s, "access carol", "full control (this folder, subfolders and files)", "") {
		t.Fatalf("steps %s; changes %+v: want the root's step with carol's entry going, and the probe", describe(steps), s.Changes)
	}
	if slices.ContainsFunc(r.box.ntacls[root].ACEs, func(a ACE) bool { return a.Trustee == r.box.sids["carol"] }) {
		t.Error("carol's entry is still on the share root")
	}
	if acl := r.box.ntacls[filepath.Join(root, "sub")].ACEs; len(acl) == 0 || slices.ContainsFunc(acl, func(a ACE) bool { return a.Trustee == r.box.sids["carol"] }) {
		t.Errorf("sub's ACL after the repair: %+v", acl)
	}
	if s, _ := r.plan(st); len(s) != 0 {
		t.Errorf("plan after the repair:%s", describe(s))
	}
}

// TestPlanMigratesPOSIXModel: a share of the POSIX ACL model (no stored
// Windows ACL anywhere, nt acl support = no) moves to Windows ACLs in one
// visible step; its existing folders and files inherit the share's ACL,
// entries users set on their own files stay, a folder a user protected
// keeps its ACL, and the users' recycle bin folders stay private.
func TestPlanMigratesPOSIXModel(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	root := filepath.Join(r.box.root, "srv/posse/shares/akten")
	for _, d := range []string{"alt/tief", ".recycle/alice/alt", "eigen", "geschuetzt/innen"} {
		os.MkdirAll(filepath.Join(root, d), 0o770)
	}
	for _, f := range []string{"alt/a.txt", "alt/tief/b.txt", ".recycle/alice/alt/c.txt", "eigen/d.txt"} {
		os.WriteFile(filepath.Join(root, f), []byte("x"), 0o660)
	}
	os.WriteFile(filepath.Join(r.box.root, ConfPath), []byte(`[Akten]
	path = /srv/posse/shares/akten
	read only = no
	valid users = @"MUELLER\partners" @"MUELLER\staff"
	read list = @"MUELLER\staff"
	write list = @"MUELLER\partners"
	nt acl support = no
	vfs objects = dfs_samba4 acl_xattr recycle
`), 0o644)
	alice := r.box.sid("alice", false)
	own := ACE{Trustee: r.box.sid("bob", false), Mask: RightsRead}
	r.box.ntacls[filepath.Join(root, "eigen")] = SD{Owner: alice, ACEs: []ACE{own}}
	locked := SD{Owner: alice, Protected: true, ACEs: []ACE{{Trustee: alice, Mask: RightsFull, Flags: inheritAll}}}
	r.box.ntacls[filepath.Join(root, "geschuetzt")] = locked

	steps, _ := r.plan(st)
	conf, _ := findStep(steps, plan.KindFile, ConfPath)
	if !hasChange(conf, "Akten: streams, Mac metadata and Windows ACLs", "false", "true") {
		t.Errorf("include file changes %+v lack the move to Windows ACLs", conf.Changes)
	}
	s, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten")
	if !ok || !strings.Contains(s.Summary, "moving from the POSIX ACL model: the 9 folders and files below inherit them") ||
		!hasChange(s, "windows acl", "derived from the POSIX ACL", "stored by Samba ("+NTACLAttr+")") {
		t.Fatalf("migration step %+v", s)
	}
	r.apply(st)

	for _, f := range []string{"alt", "alt/a.txt", "alt/tief/b.txt", RecycleDir, "eigen/d.txt"} {
		partners := ACE{Trustee: r.box.sids["partners"], Mask: RightsModify, Flags: FlagInherited}
		if !strings.HasSuffix(f, ".txt") {
			partners.Flags |= inheritAll
		}
		if acl := r.box.ntacls[filepath.Join(root, f)].ACEs; !slices.Contains(acl, partners) || slices.ContainsFunc(acl, func(a ACE) bool { return a.Trustee == "S-1-1-0" }) {
			t.Errorf("%s: ACL %+v: want only what it inherits", f, acl)
		}
	}
	if acl := r.box.ntacls[filepath.Join(root, "eigen")].ACEs; !slices.Contains(acl, own) || !slices.Contains(acl, ACE{Trustee: r.box.sids["partners"], Mask: RightsModify, Flags: inheritAll | FlagInherited}) {
		t.Errorf("eigen: %+v: want bob's own entry and the inherited ones", acl)
	}
	if sd := r.box.ntacls[filepath.Join(root, "geschuetzt")]; !slices.Equal(sd.ACEs, locked.ACEs) {
		t.Errorf("protected folder changed: %+v", sd)
	}
	for _, f := range []string{"geschuetzt/innen", ".recycle/alice", ".recycle/alice/alt/c.txt"} {
		if _, ok := r.box.ntacls[filepath.Join(root, f)]; ok {
			t.Errorf("%s got an ACL", f)
		}
	}
	if s, _ := r.plan(st); len(s) != 0 {
		t.Errorf("plan after the migration:%s", describe(s))
	}
}

// TestPlanFolders: template folders are created (with the folders between
// them and the share), get their ACLs in order, and stay planned-free.
func TestPlanFolders(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "folders")
	steps, _ := r.apply(st)
	got := kinds(steps)
	for _, w := range []string{
		"create dir /srv/posse/shares/akten/Mandanten",
		"create dir /srv/posse/shares/akten/Mandanten/Intern",
		"create dir /srv/posse/shares/akten/Personal",
		"create dir /srv/posse/shares/akten/Personal/Gehalt",
		"create files.ntacl /srv/posse/shares/akten/Mandanten/Intern",
		"create files.ntacl /srv/posse/shares/archiv/Buchhaltung",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("steps lack %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if slices.Index(got, "create files.ntacl /srv/posse/shares/akten") > slices.Index(got, "create files.ntacl /srv/posse/shares/akten/Mandanten") {
		t.Errorf("folder before its share:\n%s", strings.Join(got, "\n"))
	}
	root := filepath.Join(r.box.root, "srv/posse/shares/akten")
	staff := r.box.sids["staff"]
	if acl := r.box.ntacls[filepath.Join(root, "Personal")].ACEs; !slices.Contains(acl, ACE{Trustee: staff, Mask: RightsRead, Flags: inheritAll | FlagInherited}) {
		t.Errorf("Personal (between the share and a template folder) does not inherit: %+v", acl)
	}
	gehalt := r.box.ntacls[filepath.Join(root, "Personal/Gehalt")]
	if !gehalt.Protected || slices.ContainsFunc(gehalt.ACEs, func(a ACE) bool { return a.Trustee == staff }) {
		t.Errorf("Personal/Gehalt lets staff in: %+v", gehalt)
	}
	if s, _ := r.plan(st); len(s) != 0 {
		t.Errorf("second plan:%s", describe(s))
	}
	// A user who took ownership of a template folder loses it again.
	r.box.setHand(filepath.Join(root, "Mandanten"), func(sd *SD) { sd.Owner = r.box.sid("bob", false) })
	steps, _ = r.plan(st)
	if s, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten/Mandanten"); !ok || !hasChange(s, "owner", "bob", OwnerAccount) {
		t.Errorf("owner taken by hand: %s", describe(steps))
	}
}

func TestPlanFolderSymlinkOutOfShare(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "folders")
	root := filepath.Join(r.box.root, "srv/posse/shares/akten")
	os.MkdirAll(filepath.Join(r.box.root, "srv/posse/shares/archiv"), 0o770)
	os.MkdirAll(root, 0o770)
	os.Symlink("../archiv", filepath.Join(root, "Mandanten"))
	_, _, err := r.svc.Plan(context.Background(), st, r.env)
	if err == nil || !strings.Contains(err.Error(), "leads out of the share") {
		t.Errorf("plan with Mandanten -> ../archiv: %v", err)
	}
}
