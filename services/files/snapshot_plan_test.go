// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// fakeBtrfs stands in for the kernel's answers about file systems: paths
// under btrfsRoot are on btrfs, others on ext4, and the directories that
// `btrfs subvolume create` made are subvolumes.
type fakeBtrfs struct {
	mu        sync.Mutex
	btrfsRoot string
	subvols   map[string]bool
}

func useFakeBtrfs(t *testing.T, r *rig, btrfsRoot string) *fakeBtrfs {
	f := &fakeBtrfs{btrfsRoot: btrfsRoot, subvols: map[string]bool{}}
	oldType, oldSub := fsType, isSubvolume
	fsType = func(full string) (int64, error) {
		if _, err := os.Lstat(full); err != nil {
			return 0, err
		}
		if f.btrfsRoot != "" && inside(full, f.btrfsRoot) {
			return BtrfsMagic, nil
		}
		return 0xEF53, nil
	}
	isSubvolume = func(full string) (bool, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.subvols[full], nil
	}
	t.Cleanup(func() { fsType, isSubvolume = oldType, oldSub })
	r.box.runner.OnFunc([]string{"btrfs", "subvolume", "create"}, func(c host.Cmd) (host.Result, error) {
		p := c.Argv[3]
		if err := os.Mkdir(p, 0o755); err != nil {
			return host.Result{ExitCode: 1, Stderr: []byte(err.Error())}, err
		}
		f.mu.Lock()
		f.subvols[p] = true
		f.mu.Unlock()
		return host.Result{}, nil
	})
	return f
}

func TestPlanSnapshotsRefusesOtherFilesystems(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv"), 0o755)
	useFakeBtrfs(t, r, "")
	_, _, err := r.svc.Plan(context.Background(), loadSite(t, "snapshots"), r.env)
	if err == nil || !strings.Contains(err.Error(), "/srv is ext4, Previous Versions needs btrfs; see docs/snapshots.md") {
		t.Errorf("plan on ext4: %v", err)
	}

	// /srv on btrfs, but the share's folder on another file system.
	useFakeBtrfs(t, r, filepath.Join(r.box.root, "srv/posse"))
	_, _, err = r.svc.Plan(context.Background(), loadSite(t, "snapshots"), r.env)
	if err == nil || !strings.Contains(err.Error(), "/srv is ext4") {
		t.Errorf("plan with /srv on ext4: %v", err)
	}
	os.MkdirAll(filepath.Join(r.box.root, "srv/data"), 0o755)
	useFakeBtrfs(t, r, filepath.Join(r.box.root, "srv"))
	fsOld := fsType
	fsType = func(full string) (int64, error) {
		if inside(full, filepath.Join(r.box.root, "srv/data")) {
			return 0x58465342, nil // xfs mounted on /srv/data
		}
		return fsOld(full)
	}
	_, _, err = r.svc.Plan(context.Background(), loadSite(t, "snapshots"), r.env)
	if err == nil || !strings.Contains(err.Error(), `share "Projekte": /srv/data is xfs, Previous Versions needs btrfs`) {
		t.Errorf("plan with a share on xfs: %v", err)
	}

	// No /srv at all.
	r2 := newRig(t)
	useFakeBtrfs(t, r2, r2.box.root)
	_, _, err = r2.svc.Plan(context.Background(), loadSite(t, "snapshots"), r2.env)
	if err == nil || !strings.Contains(err.Error(), "storage path /srv does not exist") {
		t.Errorf("plan without /srv: %v", err)
	}

	// Offline: subvolumes need the live box.
	r2.env.Offline = true
	os.MkdirAll(filepath.Join(r2.box.root, "srv"), 0o755)
	_, _, err = r2.svc.Plan(context.Background(), loadSite(t, "snapshots"), r2.env)
	if err == nil || !strings.Contains(err.Error(), "plan without --root") {
		t.Errorf("offline plan: %v", err)
	}
}

func TestPlanSnapshotsSubvolumesAndTimer(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv"), 0o755)
	fb := useFakeBtrfs(t, r, filepath.Join(r.box.root, "srv"))
	st := loadSite(t, "snapshots")
	// possectl may run with a strict umask: the parents of a subvolume
	// must still let users through.
	defer syscall.Umask(syscall.Umask(0o077))
	steps, _ := r.apply(st)
	for _, d := range []string{"srv/posse", "srv/posse/shares", "srv/data"} {
		if fi, err := os.Stat(filepath.Join(r.box.root, d)); err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v, want mode 0755", d, fi.Mode(), err)
		}
	}
	got := kinds(steps)
	for _, want := range []string{
		"create files.subvolume /srv/posse/shares/akten",
		"create dir /srv/posse/shares/akten",
		"create files.subvolume /srv/data/projekte-2026",
		"create files.subvolume " + HomesDir + "/alice",
		"create dir " + HomesDir + "/alice",
		"create file " + UnitDir + "/" + SnapshotService,
		"create file " + UnitDir + "/" + SnapshotTimer,
		"run unit " + SnapshotTimer,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no step %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if slices.Index(got, "create files.subvolume "+HomesDir+"/alice") > slices.Index(got, "create dir "+HomesDir+"/alice") {
		t.Error("the home's subvolume comes after its directory step")
	}
	if fi, err := os.Stat(filepath.Join(r.box.root, HomesDir, "alice")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("home subvolume: %v %v, want drwx------", fi.Mode(), err)
	}
	if slices.Contains(got, "create files.subvolume /srv/data/scans") {
		t.Error("Scans opted out but gets a subvolume")
	}
	// Subvolume before the share's directory step, which sets its mode.
	if slices.Index(got, "create files.subvolume /srv/posse/shares/akten") > slices.Index(got, "create dir /srv/posse/shares/akten") {
		t.Error("the subvolume comes after the directory step")
	}
	creates := r.box.argvs("btrfs subvolume create")
	if len(creates) != 5 || creates[0] != "btrfs subvolume create "+filepath.Join(r.box.root, "srv/posse/shares/akten") ||
		creates[2] != "btrfs subvolume create "+filepath.Join(r.box.root, "srv/posse/homes/alice") {
		t.Errorf("btrfs runs: %q", creates)
	}
	if fi, err := os.Stat(filepath.Join(r.box.root, "srv/posse/shares/akten")); err != nil || fi.Mode().Perm() != 0o770 || fi.Mode()&os.ModeSetgid == 0 {
		t.Errorf("share subvolume: %v %v, want drwxrws---", fi.Mode(), err)
	}
	svc, err := os.ReadFile(filepath.Join(r.box.root, UnitDir, SnapshotService))
	if err != nil || !strings.Contains(string(svc), "ExecStart=/usr/bin/possectl snapshots take\n") {
		t.Errorf("service: %s %v", svc, err)
	}
	tmr, _ := os.ReadFile(filepath.Join(r.box.root, UnitDir, SnapshotTimer))
	if !strings.Contains(string(tmr), "OnCalendar=Mon..Fri *-*-* 08..18:00\n") {
		t.Errorf("timer: %s", tmr)
	}

	// A second plan changes nothing.
	again, _ := r.plan(st)
	for _, s := range again {
		if s.Kind == KindSubvolume || strings.Contains(s.Target, "posse-snapshots") || s.Kind == plan.KindDir {
			t.Errorf("second plan: %s %s %s", s.Action, s.Kind, s.Target)
		}
	}

	// The site drops snapshots: the timer is disabled and its files go;
	// the subvolumes stay (they hold the data).
	st.Snapshots, st.Storage = nil, nil
	for i := range st.Shares {
		st.Shares[i].Snapshots = nil
	}
	steps, _ = r.apply(st)
	got = kinds(steps)
	for _, want := range []string{"run unit " + SnapshotTimer, "delete file " + UnitDir + "/" + SnapshotService, "delete file " + UnitDir + "/" + SnapshotTimer} {
		if !slices.Contains(got, want) {
			t.Errorf("no step %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if _, err := os.Stat(filepath.Join(r.box.root, "srv/posse/shares/akten")); err != nil {
		t.Error(err)
	}
	_ = fb
}

func TestPlanSnapshotsRefusesPlainDirectory(t *testing.T) {
	r := newRig(t)
	os.MkdirAll(filepath.Join(r.box.root, "srv/posse/shares/akten"), 0o755)
	useFakeBtrfs(t, r, filepath.Join(r.box.root, "srv"))
	_, _, err := r.svc.Plan(context.Background(), loadSite(t, "snapshots"), r.env)
	if err == nil || !strings.Contains(err.Error(), `share "Akten": /srv/posse/shares/akten is a plain directory, but snapshots need it to be a btrfs subvolume: move it away (mv /srv/posse/shares/akten /srv/posse/shares/akten.old)`) ||
		!strings.Contains(err.Error(), "or set snapshots: false on the share") {
		t.Errorf("plan with a plain directory: %v", err)
	}
	// A home folder cannot opt out: the message does not offer it.
	os.Remove(filepath.Join(r.box.root, "srv/posse/shares/akten"))
	os.MkdirAll(filepath.Join(r.box.root, HomesDir, "bob"), 0o700)
	_, _, err = r.svc.Plan(context.Background(), loadSite(t, "snapshots"), r.env)
	if err == nil || !strings.Contains(err.Error(), "the home folder of bob: "+HomesDir+"/bob is a plain directory") || strings.Contains(err.Error(), "snapshots: false") {
		t.Errorf("plan with a plain home folder: %v", err)
	}
	os.MkdirAll(filepath.Join(r.box.root, "srv/posse/shares/akten"), 0o755)
	// Executing a stale step refuses too, and runs no btrfs.
	err = r.svc.Execute(context.Background(), plan.NewStep(Name, plan.Create, KindSubvolume, "/srv/posse/shares/akten", "", SubvolumeSpec{Path: "/srv/posse/shares/akten"}), r.env)
	if err == nil || !strings.Contains(err.Error(), "plain directory") || len(r.box.argvs("btrfs")) != 0 {
		t.Errorf("execute on a plain directory: %v, runs %q", err, r.box.argvs("btrfs"))
	}
	// Paths are checked before they reach argv.
	err = r.svc.Execute(context.Background(), plan.NewStep(Name, plan.Create, KindSubvolume, "/srv/../etc", "", SubvolumeSpec{Path: "/srv/../etc"}), r.env)
	if err == nil || len(r.box.argvs("btrfs")) != 0 {
		t.Errorf("execute with /srv/../etc: %v", err)
	}
}
