// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// Users created through possed get home folders like the template's
// users; service accounts, invalid names, template users and users named
// like a share do not; the second apply changes nothing; a deleted user
// loses its section but keeps its folder.
func TestPlanHomesOfAPIUsers(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	st.Homes.Enabled = true
	r.box.users["dave"] = 3000030
	r.box.users["akten"] = 3000031
	r.box.users["sysvol"] = 3000032
	r.box.users["global"] = 3000033
	// sysvol and global were created before such names were refused: their
	// home sections would replace Samba's own.
	r.box.apiUsers = []string{"dave", "posse-mail", "Bad Name", "../etc", "ALICE", "akten", "sysvol", "global"}
	steps, notes := r.apply(st)
	got := kinds(steps)
	for _, w := range []string{"create dir " + HomesDir + "/dave", "create files.acl " + HomesDir + "/dave"} {
		if !slices.Contains(got, w) {
			t.Errorf("steps lack %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	for _, s := range got {
		if strings.Contains(s, "posse-mail") || strings.Contains(s, "Bad") || strings.Contains(s, "..") || strings.Contains(s, "ALICE") || strings.Contains(s, "homes/akten") ||
			strings.Contains(s, "homes/sysvol") || strings.Contains(s, "homes/global") {
			t.Errorf("unwanted step %q", s)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(r.box.root, ConfPath))
	if !strings.Contains(string(conf), "[dave]") || !strings.Contains(string(conf), `valid users = "MUELLER\dave"`) {
		t.Errorf("include file lacks dave's home section:\n%s", conf)
	}
	if len(ownSections(conf)) > 0 {
		t.Errorf("include file has Samba's own sections %v:\n%s", ownSections(conf), conf)
	}
	var sawBad, sawClash bool
	for _, n := range notes {
		sawBad = sawBad || strings.Contains(n.Message, `"Bad Name"`)
		sawClash = sawClash || strings.Contains(n.Message, "share") && strings.Contains(n.Message, "akten")
	}
	if !sawBad || !sawClash {
		t.Errorf("notes %+v: want one for the invalid name and one for the share clash", notes)
	}
	acl, ok := findStep(steps, KindACL, HomesDir+"/dave")
	if !ok || !hasChange(acl, "owner", "", "dave") {
		t.Errorf("dave's folder is not planned to be his: %+v", acl)
	}

	// Idempotent, with one search per plan.
	before := r.box.apiSearches
	if steps, _ := r.plan(st); len(steps) != 0 {
		t.Errorf("second plan: %s", describe(steps))
	}
	if n := r.box.apiSearches - before; n != 1 {
		t.Errorf("%d searches for possed's users in one plan, want 1", n)
	}

	// The DC does not answer: dave's section stays as it is.
	r.box.winbindDown = true
	steps, notes = r.plan(st)
	if _, ok := findStep(steps, plan.KindFile, ConfPath); ok {
		t.Errorf("the include file changes while the DC is down: %s", describe(steps))
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "dave") {
		t.Errorf("notes %+v: want one saying dave's folder stays shared", notes)
	}
	r.box.winbindDown = false

	// dave is deleted: the section goes, the folder stays.
	r.box.apiUsers = nil
	steps, notes = r.apply(st)
	c, _ := findStep(steps, plan.KindFile, ConfPath)
	if !hasChange(c, "home dave", HomesDir+"/dave", "no longer shared (the folder stays)") {
		t.Errorf("changes %+v lack dave's section going", c.Changes)
	}
	if !slices.ContainsFunc(notes, func(n plan.Note) bool { return n.Target == HomesDir+"/dave" }) {
		t.Errorf("notes %+v: want one saying dave's data stays", notes)
	}
	for _, s := range steps {
		if s.Action == plan.Delete && s.Kind == plan.KindDir {
			t.Errorf("plan deletes directory %s", s.Target)
		}
	}
	if _, err := os.Stat(filepath.Join(r.box.root, HomesDir, "dave")); err != nil {
		t.Errorf("dave's home folder is gone: %v", err)
	}
}

// A fresh box whose DC does not run yet: the template's users only, no note.
func TestPlanAPIUsersFreshBoxWithoutDC(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	st.Homes.Enabled = true
	r.box.winbindDown = true
	steps, notes := r.plan(st)
	if len(notes) != 0 {
		t.Errorf("notes %+v, want none", notes)
	}
	var homes []string
	for _, s := range steps {
		if s.Kind == plan.KindDir && strings.HasPrefix(s.Target, HomesDir+"/") {
			homes = append(homes, s.Target)
		}
	}
	if want := []string{HomesDir + "/alice", HomesDir + "/bob", HomesDir + "/carol"}; !slices.Equal(homes, want) {
		t.Errorf("home folders %v, want %v", homes, want)
	}
}

// Without homes the directory is not asked; offline (--root) neither.
func TestPlanAPIUsersHomesDisabledOrOffline(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	r.box.apiUsers = []string{"dave"}
	r.box.users["dave"] = 3000030
	steps, _ := r.apply(st)
	if r.box.apiSearches != 0 {
		t.Errorf("homes disabled: %d searches for possed's users", r.box.apiSearches)
	}
	for _, s := range kinds(steps) {
		if strings.Contains(s, "dave") {
			t.Errorf("homes disabled: step %q", s)
		}
	}
	st.Homes.Enabled = true
	env := &host.Env{Root: t.TempDir(), Offline: true, Hostname: "dc1"}
	steps, _, err := r.svc.Plan(context.Background(), st, env)
	if err != nil {
		t.Fatal(err)
	}
	if r.box.apiSearches != 0 {
		t.Errorf("offline: %d searches for possed's users", r.box.apiSearches)
	}
	for _, s := range kinds(steps) {
		if strings.Contains(s, "dave") {
			t.Errorf("offline: step %q", s)
		}
	}
}
