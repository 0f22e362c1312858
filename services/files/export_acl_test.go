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
	"github.com/posse-project/posse/provisioning/site"
)

// TestExportACLs: after an administrator denies bob a template folder and
// makes a folder of its own in Explorer, the plan shows the deny entry as
// drift; the export writes both folders into the template (with the
// template's own folders, which the include file does not hold), names
// the entry a template cannot express, and a plan of the exported shares
// changes only that entry.
func TestExportACLs(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "folders")
	r.apply(st)
	akten := filepath.Join(r.box.root, "srv/posse/shares/akten")
	intern := filepath.Join(akten, "Mandanten/Intern")
	bob := r.box.sid("bob", false)
	sd := r.box.ntacls[intern]
	sd.ACEs = append([]ACE{{Trustee: bob, Mask: RightsFull, Flags: inheritAll, Deny: true}}, sd.ACEs...)
	r.box.ntacls[intern] = sd

	steps, _ := r.plan(st)
	s, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten/Mandanten/Intern")
	if !ok || len(ntaclOnly(steps)) != 1 || !hasChange(s, "access bob", "deny full control (this folder, subfolders and files)", "") {
		t.Fatalf("plan after the deny: %s", describe(steps))
	}

	neu := filepath.Join(akten, "Neu")
	if err := os.Mkdir(neu, 0o770); err != nil {
		t.Fatal(err)
	}
	r.box.ntacls[neu] = SD{Owner: r.box.sids[OwnerAccount], Group: r.box.sids["partners"], Protected: true, ACEs: []ACE{
		{Trustee: r.box.sids[AdminsGroup], Mask: RightsFull, Flags: inheritAll},
		{Trustee: r.box.sids["partners"], Mask: RightsModify, Flags: inheritAll},
		{Trustee: r.box.sid("accounting", true), Mask: RightsModify, Flags: inheritAll},
		{Trustee: "S-1-1-0", Mask: RightsRead, Flags: inheritAll},
	}}

	shares, _, err := Export(r.env)
	if err != nil {
		t.Fatal(err)
	}
	notes, err := ExportACLs(context.Background(), r.env, shares)
	if err != nil {
		t.Fatalf("ExportACLs: %v", err)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "share Akten, folder Neu: the entry \"read & execute (this folder, subfolders and files)\" for Everyone has no template key") ||
		!strings.Contains(notes[1], "share Akten, folder Neu: accounting may open the folder but not the share") {
		t.Errorf("notes %q: want one about Everyone on Neu and one about accounting", notes)
	}
	no := false
	want := []site.Folder{
		{Path: "Mandanten", Write: []string{"staff"}},
		{Path: "Mandanten/Intern", Write: []string{"partners"}, Deny: []string{"bob"}, Inherit: &no},
		{Path: "Neu", Write: []string{"partners", "accounting"}, Inherit: &no},
		{Path: "Personal/Gehalt", Read: []string{"partners"}, Inherit: &no},
	}
	if got := shares[0].Folders; !slices.EqualFunc(got, want, sameFolder) {
		t.Errorf("Akten's folders %+v, want %+v", got, want)
	}
	if got := shares[1].Folders; len(got) != 1 || got[0].Path != "Buchhaltung" || !slices.Equal(got[0].Write, []string{"accounting"}) {
		t.Errorf("Archiv's folders %+v", got)
	}

	// The template cannot hold accounting on Neu without it on the share
	// (the note says so): without it, only Neu's step remains.
	exported := *st
	exported.Shares = shares
	exported.Shares[0].Folders[2].Write = []string{"partners"}
	steps, _ = r.plan(&exported)
	s, ok = findStep(steps, KindNTACL, "/srv/posse/shares/akten/Neu")
	if !ok || len(ntaclOnly(steps)) != 1 || !hasChange(s, "access Everyone", "read & execute (this folder, subfolders and files)", "") ||
		!hasChange(s, "access accounting", "modify (this folder, subfolders and files)", "") {
		t.Errorf("plan of the exported shares: %s\nwant only Neu's step, removing Everyone's and accounting's entries", describe(steps))
	}
}

// ntaclOnly keeps the steps that set Windows ACLs.
func ntaclOnly(steps []plan.Step) []plan.Step {
	var out []plan.Step
	for _, s := range steps {
		if s.Kind == KindNTACL {
			out = append(out, s)
		}
	}
	return out
}

func sameFolder(a, b site.Folder) bool {
	return a.Path == b.Path && slices.Equal(a.Read, b.Read) && slices.Equal(a.Write, b.Write) &&
		slices.Equal(a.Deny, b.Deny) && a.Inherits() == b.Inherits()
}

// TestTemplatePerms: entries outside Posse's three rights, inheritance
// or accounts are named, not guessed.
func TestTemplatePerms(t *testing.T) {
	names := map[string]string{"S-a": "Domain Admins", "S-p": "partners", "S-d": "dave"}
	p, bad := templatePerms([]ACE{
		{Trustee: "S-a", Mask: RightsFull, Flags: inheritAll},
		{Trustee: creatorOwnerID, Mask: RightsFull, Flags: inheritAll | FlagInheritOnly},
		{Trustee: "S-p", Mask: RightsModify, Flags: inheritAll},
		{Trustee: "S-d", Mask: RightsFull, Flags: inheritAll, Deny: true},
		{Trustee: "S-d", Mask: RightsModify, Flags: FlagContainerInherit},
		{Trustee: "S-p", Mask: RightsFull, Flags: inheritAll},
		{Trustee: "S-x", Mask: RightsRead, Flags: inheritAll},
		{Trustee: "S-a", Mask: RightsRead, Flags: inheritAll, Deny: true},
	}, names)
	if !slices.Equal(p.write, []string{"partners"}) || !slices.Equal(p.deny, []string{"dave"}) || len(p.read) != 0 {
		t.Errorf("perms %+v", p)
	}
	if len(bad) != 4 || !strings.Contains(bad[0], "modify (this folder and subfolders)\" for dave") ||
		!strings.Contains(bad[1], "full control") || !strings.Contains(bad[2], "S-x") || !strings.Contains(bad[3], "Domain Admins") {
		t.Errorf("bad %q", bad)
	}
}

// TestReadPermissions: a template folder's ACL with names, worded as
// Explorer's Security tab; a folder outside the template is not marked;
// a path that goes up, or does not exist, is refused.
func TestReadPermissions(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "folders")
	r.apply(st)
	p, err := ReadPermissions(context.Background(), r.env, st, "akten", "Mandanten/Intern")
	if err != nil {
		t.Fatal(err)
	}
	if p.Share != "Akten" || p.Inherits || p.Owner != OwnerAccount || p.Template != "folder" {
		t.Errorf("permissions %+v", p)
	}
	want := Permission{Account: "partners", Rights: "modify", AppliesTo: "this folder, subfolders and files"}
	if !slices.Contains(p.Entries, want) || slices.ContainsFunc(p.Entries, func(e Permission) bool { return e.Account == "staff" }) {
		t.Errorf("entries %+v: want partners' modify and no staff", p.Entries)
	}
	root, err := ReadPermissions(context.Background(), r.env, st, "Akten", "")
	if err != nil || root.Template != "share" || root.Inherits {
		t.Errorf("share root: %+v, %v", root, err)
	}
	os.Mkdir(filepath.Join(r.box.root, "srv/posse/shares/akten/Mandanten/Neu"), 0o770)
	if p, err := ReadPermissions(context.Background(), r.env, st, "Akten", `Mandanten\Neu`); err != nil || p.Template != "" || p.Path != "Mandanten/Neu" {
		t.Errorf("a folder outside the template: %+v, %v", p, err)
	}
	for _, bad := range []struct{ share, rel, msg string }{
		{"Akten", "../archiv", "goes up"},
		{"Akten", "Fehlt", "has no file or folder"},
		{"Nirgends", "", "has no share"},
	} {
		if _, err := ReadPermissions(context.Background(), r.env, st, bad.share, bad.rel); err == nil || !strings.Contains(err.Error(), bad.msg) {
			t.Errorf("%s/%s: %v, want %q", bad.share, bad.rel, err, bad.msg)
		}
	}
}
