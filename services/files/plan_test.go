// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// testRoot makes a box root whose "root" account is the test's own user,
// so the engine's chown to root works without privileges.
func testRoot(t *testing.T) string {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/samba"), 0o755); err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	os.WriteFile(filepath.Join(root, "etc/passwd"), fmt.Appendf(nil, "root:x:%d:%d:root:/root:/bin/sh\n", uid, gid), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), fmt.Appendf(nil, "root:x:%d:\n", gid), 0o644)
	return root
}

type rig struct {
	t     *testing.T
	box   *fakeBox
	env   *host.Env
	units *hosttest.FakeUnits
	svc   *Service
}

func newRig(t *testing.T) *rig {
	box := newFakeBox(t, testRoot(t))
	env := box.env()
	units := env.Units.(*hosttest.FakeUnits)
	units.Add(DCUnit, true, true)
	return &rig{t: t, box: box, env: env, units: units, svc: New()}
}

func (r *rig) plan(st *site.Site) ([]plan.Step, []plan.Note) {
	r.t.Helper()
	steps, notes, err := r.svc.Plan(context.Background(), st, r.env)
	if err != nil {
		r.t.Fatalf("plan: %v", err)
	}
	return steps, notes
}

// apply plans st and applies the plan with the real engine.
func (r *rig) apply(st *site.Site) ([]plan.Step, []plan.Note) {
	r.t.Helper()
	steps, notes := r.plan(st)
	p := &plan.Plan{Version: plan.FormatVersion, Site: "test", Steps: steps}
	if _, err := apply.Apply(context.Background(), p, r.env, map[string]apply.Executor{Name: r.svc}, nil); err != nil {
		r.t.Fatalf("apply: %v\nsteps: %s", err, describe(steps))
	}
	return steps, notes
}

func describe(steps []plan.Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "\n  %s %s %s", s.Action, s.Kind, s.Target)
	}
	return b.String()
}

func kinds(steps []plan.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Action)+" "+s.Kind+" "+s.Target)
	}
	return out
}

func findStep(steps []plan.Step, kind, target string) (plan.Step, bool) {
	for _, s := range steps {
		if s.Kind == kind && s.Target == target {
			return s, true
		}
	}
	return plan.Step{}, false
}

func hasChange(s plan.Step, field, before, after string) bool {
	return slices.Contains(s.Changes, plan.Change{Field: field, Before: before, After: after})
}

func TestPlanFreshBoxThenNoOp(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	st.Homes.Enabled = true
	steps, _ := r.apply(st)
	got := kinds(steps)
	want := []string{
		"create file " + ConfPath,
		"create file " + UnitDir + "/" + PurgeService,
		"create file " + UnitDir + "/" + PurgeTimer,
		"create dir /srv/posse/shares/akten",
		"create dir /srv/posse/shares/akten/" + RecycleDir,
		"create dir /srv/data/scans",
		"create dir /srv/data/scans/" + RecycleDir,
		"create dir " + HomesDir,
		"create dir " + HomesDir + "/alice",
		"create dir " + HomesDir + "/bob",
		"create dir " + HomesDir + "/carol",
		"create files.ntacl /srv/posse/shares/akten",
		"create files.ntacl /srv/data/scans",
		"create files.acl " + HomesDir + "/alice",
		"create files.acl " + HomesDir + "/bob",
		"create files.acl " + HomesDir + "/carol",
		"run check testparm -s --suppress-prompt",
		"reload unit " + DCUnit,
		"run unit systemd",
		"run unit " + PurgeTimer,
		"run probe shares",
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The engine ran what was planned: ACLs set through stdin, one path in argv.
	for _, a := range r.box.argvs("setfacl --set-file") {
		if f := strings.Fields(a); len(f) != 4 || f[2] != "--" || !strings.HasPrefix(f[3], r.box.root+"/srv/") {
			t.Errorf("setfacl argv %q: want only the path after --", a)
		}
	}
	if fi, err := os.Stat(filepath.Join(r.box.root, "srv/posse/shares/akten")); err != nil || fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o770 {
		t.Errorf("share directory: %v %v, want drwxrws---", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(r.box.root, "srv/posse/shares/akten", RecycleDir)); err != nil {
		t.Errorf("recycle bin folder not created: %v", err)
	}
	if o := r.box.owners[filepath.Join(r.box.root, HomesDir, "alice")]; o != [2]int{3000016, 100} {
		t.Errorf("alice's home owned by %v, want 3000016:100", o)
	}
	calls := r.units.Calls()
	if !slices.Contains(calls, "reload "+DCUnit) || slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "restart") }) {
		t.Errorf("unit calls %v: want a reload of %s and no restart", calls, DCUnit)
	}

	// Same site again: nothing to do, nothing reloaded.
	r.units.Reset()
	steps, notes := r.plan(st)
	if len(steps) != 0 || len(notes) != 0 {
		t.Errorf("second plan not empty:%s\nnotes %v", describe(steps), notes)
	}
}

func TestPlanReadToWriteReloads(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "one-share")
	r.apply(st)
	pid := r.unitPID()
	os.WriteFile(filepath.Join(r.box.root, "srv/posse/shares/akten/a.txt"), []byte("x"), 0o660)

	st.Shares[0].Write = []string{"partners", "staff"}
	st.Shares[0].Read = nil
	before := len(r.box.runner.Argvs())
	steps, _ := r.apply(st)

	conf, ok := findStep(steps, plan.KindFile, ConfPath)
	if !ok {
		t.Fatalf("no include file step:%s", describe(steps))
	}
	if !hasChange(conf, "Akten: write", "partners", "partners, staff") || !hasChange(conf, "Akten: read", "staff", "") {
		t.Errorf("include file changes %+v: want Akten write and read before/after", conf.Changes)
	}
	if !strings.Contains(conf.Diff, `+	write list = @"MUELLER\partners" @"MUELLER\staff"`) {
		t.Errorf("diff lacks the new write list:\n%s", conf.Diff)
	}
	acl, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten")
	if !ok {
		t.Fatalf("no Windows ACL step:%s", describe(steps))
	}
	want := []plan.Change{
		{Field: "access staff", Before: "read & execute (this folder, subfolders and files)", After: "modify (this folder, subfolders and files)"},
	}
	if !slices.Equal(acl.Changes, want) {
		t.Errorf("ACL changes %+v, want only %+v", acl.Changes, want)
	}
	if _, ok := findStep(steps, plan.KindUnit, DCUnit); !ok {
		t.Errorf("no reload step:%s", describe(steps))
	}
	for _, s := range steps {
		if s.Action == plan.Restart {
			t.Errorf("plan restarts %s", s.Target)
		}
	}
	if got := r.unitPID(); got != pid {
		t.Errorf("samba-ad-dc MainPID %d after apply, was %d: it was restarted", got, pid)
	}
	// The file written before inherits the change; no setfacl touches
	// the share (it would make Samba ignore the stored Windows ACLs).
	f := filepath.Join(r.box.root, "srv/posse/shares/akten/a.txt")
	if got := r.box.ntacls[f].ACEs; !slices.Contains(got, ACE{Trustee: r.box.sids["staff"], Mask: RightsModify, Flags: FlagInherited}) {
		t.Errorf("a.txt's ACL %+v: staff does not inherit modify", got)
	}
	for _, a := range r.box.runner.Argvs()[before:] {
		if strings.HasPrefix(a, "setfacl") {
			t.Errorf("ran %q on a share", a)
		}
	}
}

func (r *rig) unitPID() uint32 {
	st, err := r.units.Status(context.Background(), DCUnit)
	if err != nil {
		r.t.Fatal(err)
	}
	return st.MainPID
}

func TestPlanRemovedShareKeepsData(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	r.apply(st)
	data := filepath.Join(r.box.root, "srv/data/scans/scan1.pdf")
	if err := os.WriteFile(data, []byte("scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	st.Shares = st.Shares[:1] // Scans goes
	steps, notes := r.apply(st)
	for _, s := range steps {
		if s.Action == plan.Delete && s.Kind == plan.KindDir {
			t.Errorf("plan deletes directory %s", s.Target)
		}
	}
	conf, _ := findStep(steps, plan.KindFile, ConfPath)
	if !hasChange(conf, "Scans", "share at /srv/data/scans", "removed (its directory stays)") {
		t.Errorf("changes %+v lack the removed share", conf.Changes)
	}
	if len(notes) != 1 || notes[0].Target != "/srv/data/scans" || !strings.Contains(notes[0].Message, "stay") {
		t.Errorf("notes %+v: want one saying the directory stays", notes)
	}
	if _, err := os.Stat(data); err != nil {
		t.Errorf("data of the removed share is gone: %v", err)
	}
	// A user leaving the template keeps the home folder's data.
	st.Homes.Enabled = true
	r.apply(st)
	st.Users = st.Users[:2]
	steps, notes = r.apply(st)
	conf, _ = findStep(steps, plan.KindFile, ConfPath)
	if !hasChange(conf, "home carol", HomesDir+"/carol", "no longer shared (the folder stays)") || len(notes) != 1 {
		t.Errorf("removing carol: changes %+v notes %+v", conf.Changes, notes)
	}
	if _, err := os.Stat(filepath.Join(r.box.root, HomesDir, "carol")); err != nil {
		t.Errorf("carol's home folder is gone: %v", err)
	}
	// The purge service no longer names the removed share.
	svc, _ := os.ReadFile(filepath.Join(r.box.root, UnitDir, PurgeService))
	if strings.Contains(string(svc), "scans") {
		t.Errorf("purge service still purges the removed share:\n%s", svc)
	}
	// No share with a recycle bin: the timer is stopped, then its files go.
	st.Shares[0].RecycleBin = false
	steps, _ = r.apply(st)
	got := kinds(steps)
	for _, w := range []string{"run unit " + PurgeTimer, "delete file " + UnitDir + "/" + PurgeService, "delete file " + UnitDir + "/" + PurgeTimer, "run unit systemd"} {
		if !slices.Contains(got, w) {
			t.Errorf("steps lack %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if slices.Index(got, "run unit "+PurgeTimer) > slices.Index(got, "delete file "+UnitDir+"/"+PurgeTimer) {
		t.Errorf("timer disabled after its file was deleted:\n%s", strings.Join(got, "\n"))
	}
	if s, _ := r.plan(st); len(s) != 0 {
		t.Errorf("plan after removal not empty:%s", describe(s))
	}
}

func TestPlanGroupCreatedInSameApply(t *testing.T) {
	r := newRig(t)
	delete(r.box.groups, "staff") // the directory service creates it earlier in the apply
	st := loadSite(t, "one-share")
	steps, _ := r.plan(st)
	acl, ok := findStep(steps, KindNTACL, "/srv/posse/shares/akten")
	if !ok || !strings.Contains(acl.Summary, "resolved when applied") {
		t.Fatalf("ACL step %+v: want one resolved when applied", acl)
	}
	r.box.groups["staff"] = 3000019
	r.apply(st)
	if s, _ := r.plan(st); len(s) != 0 {
		t.Errorf("plan after apply not empty:%s", describe(s))
	}
}

// TestPlanFreshBoxNoDC plans on a box whose DC is not running yet (the
// directory service provisions it in the same apply): ACL steps are planned
// for resolution at apply time instead of failing the plan.
func TestPlanFreshBoxNoDC(t *testing.T) {
	r := newRig(t)
	r.box.winbindDown = true
	steps, _ := r.plan(loadSite(t, "homes"))
	n := 0
	for _, s := range steps {
		if s.Kind == KindACL || s.Kind == KindNTACL {
			n++
			if !strings.Contains(s.Summary, "resolved when applied") || s.Action != plan.Create {
				t.Errorf("ACL step %s: %s %q", s.Target, s.Action, s.Summary)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d ACL steps, want 4 (one share, three homes):%s", n, describe(steps))
	}
	// Applying while winbind still does not answer fails the ACL step.
	p := &plan.Plan{Version: plan.FormatVersion, Site: "test", Steps: steps}
	if _, err := apply.Apply(context.Background(), p, r.env, map[string]apply.Executor{Name: r.svc}, nil); err == nil || !strings.Contains(err.Error(), "winbind did not answer") {
		t.Errorf("apply without winbind: %v", err)
	}
	r.box.winbindDown = false
	r.apply(loadSite(t, "homes"))
	if s, _ := r.plan(loadSite(t, "homes")); len(s) != 0 {
		t.Errorf("plan after apply not empty:%s", describe(s))
	}
}

func TestApplyACLUnknownGroupFails(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv/x"), 0o770)
	sh := Share{Name: "X", Path: "/srv/x", Write: []string{"ghosts"}}
	err := ApplyNTACL(context.Background(), r.env, NTACLSpec{Want: sh.WantACLs()[0], Root: sh.Path})
	if err == nil || !strings.Contains(err.Error(), "ghosts not in the directory") {
		t.Errorf("ApplyNTACL with an unknown group: %v", err)
	}
	if len(r.box.ntacls) != 0 {
		t.Errorf("ACLs set: %v", r.box.ntacls)
	}
}

func TestPlanOffline(t *testing.T) {
	root := testRoot(t)
	runner := hosttest.NewFakeRunner(t)
	runner.Strict = true
	env := &host.Env{Root: root, Offline: true, Runner: runner}
	steps, notes, err := New().Plan(context.Background(), loadSite(t, "homes"), env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Kind != plan.KindFile && s.Kind != plan.KindDir && s.Kind != plan.KindCheck && s.Kind != plan.KindUnit {
			t.Errorf("offline plan has a %s step for %s", s.Kind, s.Target)
		}
	}
	if len(runner.Cmds()) != 0 {
		t.Errorf("offline plan ran commands: %v", runner.Argvs())
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "offline") {
		t.Errorf("notes %+v: want one about ACLs offline", notes)
	}
}

func TestPlanRefusesSymlinkEscape(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv/posse/shares"), 0o755)
	os.Symlink("/etc", filepath.Join(r.box.root, "srv/posse/shares/akten"))
	_, _, err := r.svc.Plan(context.Background(), loadSite(t, "one-share"), r.env)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("plan with /srv/posse/shares/akten -> /etc: %v", err)
	}
}

func TestProbe(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "homes")
	steps, _ := r.apply(st)
	probe, ok := findStep(steps, plan.KindProbe, "shares")
	if !ok {
		t.Fatal("no probe step")
	}
	if err := r.svc.Execute(context.Background(), probe, r.env); err != nil {
		t.Errorf("probe on a good box: %v", err)
	}
	if d, err := r.svc.Health(context.Background(), st, r.env); err != nil || !strings.Contains(d, "1 shares, 3 home folders") {
		t.Errorf("Health on a good box: %q %v", d, err)
	}
	if d, err := r.svc.Health(context.Background(), loadSite(t, "none"), r.env); d != "" || err != nil {
		t.Errorf("Health of a site without shares: %q %v", d, err)
	}
	r.box.anonymousOK = true
	if _, err := r.svc.Health(context.Background(), st, r.env); err == nil {
		t.Error("Health with anonymous listing allowed: no error")
	}
	if err := r.svc.Execute(context.Background(), probe, r.env); err == nil || !strings.Contains(err.Error(), "anonymous") {
		t.Errorf("probe with anonymous listing allowed: %v", err)
	}
	r.box.anonymousOK = false
	root := filepath.Join(r.box.root, "srv/posse/shares/akten")
	sd := r.box.ntacls[root]
	sd.ACEs = append(slices.Clone(sd.ACEs), ACE{Trustee: r.box.sid("carol", false), Mask: RightsFull, Flags: inheritAll})
	r.box.ntacls[root] = sd
	if err := r.svc.Execute(context.Background(), probe, r.env); err == nil || !strings.Contains(err.Error(), "access carol") {
		t.Errorf("probe with a widened Windows ACL: %v", err)
	}
	r.apply(st)
	r.box.acls[filepath.Join(r.box.root, HomesDir, "alice")]["group:3000019"] = "rwx"
	if err := r.svc.Execute(context.Background(), probe, r.env); err == nil || !strings.Contains(err.Error(), "group:3000019") {
		t.Errorf("probe with a widened home ACL: %v", err)
	}
}

// TestProbeFindsSambaSections: an include file with a section named like
// one of Samba's own (a home folder of a user named sysvol, written before
// such names were refused) fails the probe and so the status, in any case.
func TestProbeFindsSambaSections(t *testing.T) {
	for _, section := range []string{"[sysvol]", "[ Global ]", "[NETLOGON]", "[homes]", "[print$]", "[IPC$]"} {
		t.Run(section, func(t *testing.T) {
			r := newRig(t)
			st := loadSite(t, "homes")
			r.apply(st)
			if _, err := r.svc.Health(context.Background(), st, r.env); err != nil {
				t.Fatalf("Health on a good box: %v", err)
			}
			conf := filepath.Join(r.box.root, ConfPath)
			data, err := os.ReadFile(conf)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, "\n"+section+"\n\tcomment = Home folder of sysvol\n\tpath = /srv/posse/homes/sysvol\n\tbrowseable = no\n"...)
			if err := os.WriteFile(conf, data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = r.svc.Health(context.Background(), st, r.env)
			if err == nil || !strings.Contains(err.Error(), section) || !strings.Contains(err.Error(), "Samba's own section") {
				t.Errorf("Health with %s in the include file: %v", section, err)
			}
		})
	}
}

func TestExport(t *testing.T) {
	r := newRig(t)
	st := loadSite(t, "recycle")
	st.Homes.Enabled = true
	r.apply(st)
	shares, homes, err := Export(r.env)
	if err != nil {
		t.Fatal(err)
	}
	if !homes.Enabled || len(shares) != 2 {
		t.Fatalf("export: homes %v, %d shares", homes, len(shares))
	}
	want := site.Share{Name: "Scans", Path: "/srv/data/scans", Write: []string{"staff"}, RecycleBin: true, RecycleDays: 7}
	got := shares[1]
	if got.Name != want.Name || got.Path != want.Path || !slices.Equal(got.Write, want.Write) || len(got.Read) != 0 || !got.RecycleBin || got.RecycleDays != 7 {
		t.Errorf("exported %+v, want %+v", got, want)
	}
	if shares[0].Path != "" || shares[0].RecycleDays != 0 || shares[0].Description != "Client files" {
		t.Errorf("defaults not left out: %+v", shares[0])
	}
	if s, h, err := Export(&host.Env{Root: t.TempDir()}); err != nil || s != nil || h.Enabled {
		t.Errorf("export of a box without shares: %v %v %v", s, h, err)
	}
}

func TestHomeAttrs(t *testing.T) {
	st := loadSite(t, "homes")
	got := UserHomeAttrs(st, "dc1.ad.mueller.example")
	if len(got) != 3 || got[0] != (HomeAttrs{Username: "alice", HomeDirectory: `\\DC1\alice`, HomeDrive: "H:"}) {
		t.Errorf("home attributes %+v", got)
	}
	if UserHomeAttrs(loadSite(t, "one-share"), "dc1") != nil {
		t.Error("home attributes without homes")
	}
}

// TestFailedProbeRollsBackCleanly: when the probe fails on a fresh box,
// the engine removes everything the service created, recycle bins
// included, and reloads instead of restarting.
func TestFailedProbeRollsBackCleanly(t *testing.T) {
	r := newRig(t)
	r.box.anonymousOK = true
	steps, _ := r.plan(loadSite(t, "recycle"))
	p := &plan.Plan{Version: plan.FormatVersion, Site: "test", Steps: steps}
	res, err := apply.Apply(context.Background(), p, r.env, map[string]apply.Executor{Name: r.svc}, nil)
	if err == nil || !strings.Contains(err.Error(), "anonymous") {
		t.Fatalf("apply with a failing probe: %v", err)
	}
	if res.RollbackError != "" {
		t.Errorf("rollback incomplete: %s", res.RollbackError)
	}
	for _, d := range []string{"srv/posse/shares/akten", "srv/data/scans", "etc/samba/posse-shares.conf"} {
		if _, err := os.Stat(filepath.Join(r.box.root, d)); err == nil {
			t.Errorf("%s left after the rollback", d)
		}
	}
	for _, c := range r.units.Calls() {
		if strings.HasPrefix(c, "restart") {
			t.Errorf("rollback restarted: %v", r.units.Calls())
		}
	}
}
