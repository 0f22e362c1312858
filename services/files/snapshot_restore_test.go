// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/posse-project/posse/provisioning/host"
)

// versionRig is a share at /srv/Office under a temporary root with two
// snapshots, taken at 10:00 and 11:00 UTC, as plain directories (the
// restore only reads them).
type versionRig struct {
	env   *host.Env
	sh    Share
	snaps []Snapshot
	root  string
}

func newVersionRig(t *testing.T) *versionRig {
	t.Helper()
	root := t.TempDir()
	r := &versionRig{env: &host.Env{Root: root}, sh: Share{Name: "Office", Path: "/srv/Office"}, root: root}
	for _, h := range []int{11, 10} { // newest first
		ts := time.Date(2026, 12, 7, h, 0, 0, 0, time.UTC)
		name := SnapshotName(ts)
		r.snaps = append(r.snaps, Snapshot{Share: "Office", Name: name, Time: ts, Path: "/srv/Office/" + SnapshotDir + "/" + name})
	}
	r.write(t, "srv/Office/.snapshots/"+r.snaps[1].Name+"/Budget/plan.txt", "ten o'clock")
	r.write(t, "srv/Office/.snapshots/"+r.snaps[0].Name+"/Budget/plan.txt", "eleven o'clock")
	r.write(t, "srv/Office/.snapshots/"+r.snaps[0].Name+"/Budget/gone.txt", "deleted since")
	r.write(t, "srv/Office/Budget/plan.txt", "overwritten at noon")
	r.write(t, "srv/Office/Budget/new.txt", "made after the snapshots")
	return r
}

func (r *versionRig) write(t *testing.T, rel, content string) {
	t.Helper()
	p := filepath.Join(r.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
}

func (r *versionRig) read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRestoreVersionFileInPlace(t *testing.T) {
	r := newVersionRig(t)
	src := filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[0].Name, "Budget/plan.txt")
	xattrs := unix.Setxattr(src, "user.DOSATTRIB", []byte("archive"), 0) == nil
	old := time.Date(2026, 12, 7, 10, 59, 0, 0, time.UTC)
	if err := os.Chtimes(src, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: `Budget\plan.txt`}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.read(t, "srv/Office/Budget/plan.txt"); got != "eleven o'clock" {
		t.Errorf("content after restore = %q, want the 11:00 version", got)
	}
	if res.Path != "Budget/plan.txt" || res.Snapshot != r.snaps[0].Name || res.Files != 1 || res.Bytes != int64(len("eleven o'clock")) {
		t.Errorf("result = %+v", res)
	}
	fi, err := os.Stat(filepath.Join(r.root, "srv/Office/Budget/plan.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 || !fi.ModTime().Equal(old) {
		t.Errorf("restored file mode %v, time %v; want 0640 and %v", fi.Mode().Perm(), fi.ModTime(), old)
	}
	if xattrs {
		buf := make([]byte, 64)
		n, err := unix.Getxattr(filepath.Join(r.root, "srv/Office/Budget/plan.txt"), "user.DOSATTRIB", buf)
		if err != nil || string(buf[:n]) != "archive" {
			t.Errorf("DOS attribute not carried over: %q, %v", buf[:max(n, 0)], err)
		}
	} else {
		t.Log("this file system takes no user.* attributes; the attribute copy was not checked")
	}
	ents, _ := os.ReadDir(filepath.Join(r.root, "srv/Office/Budget"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".posse-restore-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestRestoreVersionAtPicksTheOlderSnapshot(t *testing.T) {
	r := newVersionRig(t)
	at := time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)
	res, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget/plan.txt", At: at}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.read(t, "srv/Office/Budget/plan.txt"); got != "ten o'clock" || res.Snapshot != r.snaps[1].Name {
		t.Errorf("restored %q from %s, want the 10:00 version", got, res.Snapshot)
	}
	_, err = RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget/plan.txt", At: at.Add(-time.Hour)}, time.UTC)
	if err == nil || !strings.Contains(err.Error(), "no snapshot at or before 2026-12-07 09:30") {
		t.Errorf("a time before every snapshot: %v", err)
	}
}

func TestRestoreVersionAlongside(t *testing.T) {
	r := newVersionRig(t)
	loc := time.FixedZone("CET", 3600)
	for i, want := range []string{"Budget/plan (restored 2026-12-07 12.00).txt", "Budget/plan (restored 2026-12-07 12.00 2).txt"} {
		res, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget/plan.txt", Alongside: true}, loc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Path != want {
			t.Errorf("restore %d went to %q, want %q", i+1, res.Path, want)
		}
		if got := r.read(t, "srv/Office/"+want); got != "eleven o'clock" {
			t.Errorf("%s holds %q", want, got)
		}
	}
	if got := r.read(t, "srv/Office/Budget/plan.txt"); got != "overwritten at noon" {
		t.Errorf("the current file changed: %q", got)
	}
	res, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget", Alongside: true}, loc)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != "Budget (restored 2026-12-07 12.00)" || res.Files != 2 {
		t.Errorf("folder alongside: %+v", res)
	}
}

func TestRestoreVersionFolderMerges(t *testing.T) {
	r := newVersionRig(t)
	res, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "/Budget/"}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{
		"Budget/plan.txt": "eleven o'clock",
		"Budget/gone.txt": "deleted since",
		"Budget/new.txt":  "made after the snapshots",
	} {
		if got := r.read(t, "srv/Office/"+rel); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	if res.Files != 2 {
		t.Errorf("files = %d, want 2", res.Files)
	}
}

func TestRestoreVersionFollowsNoLink(t *testing.T) {
	r := newVersionRig(t)
	outside := filepath.Join(r.root, "etc")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	// A user replaced the folder by a link to a system directory.
	if err := os.RemoveAll(filepath.Join(r.root, "srv/Office/Budget")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.root, "srv/Office/Budget")); err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget/plan.txt"}, time.UTC); err == nil {
		t.Error("restore through a link in the share succeeded")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("restore wrote outside the share: %v", ents)
	}
	// A link in the snapshot is put back as a link, not followed.
	snapDir := filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[0].Name)
	if err := os.Symlink("/etc/shadow", filepath.Join(snapDir, "Budget/secret")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(r.root, "srv/Office/Budget")); err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget"}, time.UTC); err != nil {
		t.Fatal(err)
	}
	if tgt, err := os.Readlink(filepath.Join(r.root, "srv/Office/Budget/secret")); err != nil || tgt != "/etc/shadow" {
		t.Errorf("the link came back as %q, %v", tgt, err)
	}
	_, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: "Budget/secret/x"}, time.UTC)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a path through a link of the snapshot: %v", err)
	}
}

func TestRestoreVersionErrors(t *testing.T) {
	r := newVersionRig(t)
	for _, tc := range []struct{ path, want string }{
		{"", "not the share itself"},
		{"/", "not the share itself"},
		{"../../etc/passwd", "goes up"},
		{".snapshots/x", "inside the snapshots"},
		{"Budget/missing.txt", "is not in the snapshot of 2026-12-07 11:00"},
		{"Nowhere/plan.txt", "is not in the snapshot"},
	} {
		_, err := RestoreVersion(r.env, r.sh, r.snaps, VersionRestore{Path: tc.path}, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("path %q: %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, err := RestoreVersion(r.env, r.sh, nil, VersionRestore{Path: "a"}, time.UTC); err == nil || !strings.Contains(err.Error(), "no snapshots yet") {
		t.Errorf("no snapshots: %v", err)
	}
}

func TestListVersions(t *testing.T) {
	r := newVersionRig(t)
	// The 10:00 and 11:00 versions differ in content and time.
	ten := time.Date(2026, 12, 7, 9, 50, 0, 0, time.UTC)
	eleven := time.Date(2026, 12, 7, 10, 50, 0, 0, time.UTC)
	os.Chtimes(filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[1].Name, "Budget/plan.txt"), ten, ten)
	os.Chtimes(filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[0].Name, "Budget/plan.txt"), eleven, eleven)
	vs, err := ListVersions(r.env, r.sh, r.snaps, "Budget/plan.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Snapshot != r.snaps[0].Name || !vs[1].Modified.Equal(ten) || vs[1].Size != int64(len("ten o'clock")) {
		t.Errorf("versions = %+v", vs)
	}
	// Unchanged between the snapshots: one version, the newer snapshot's.
	os.Chtimes(filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[1].Name, "Budget/plan.txt"), eleven, eleven)
	r.write(t, "srv/Office/.snapshots/"+r.snaps[1].Name+"/Budget/plan.txt", "eleven o'clock")
	os.Chtimes(filepath.Join(r.root, "srv/Office/.snapshots", r.snaps[1].Name, "Budget/plan.txt"), eleven, eleven)
	if vs, _ = ListVersions(r.env, r.sh, r.snaps, "Budget/plan.txt"); len(vs) != 1 || vs[0].Snapshot != r.snaps[0].Name {
		t.Errorf("unchanged file: versions = %+v", vs)
	}
	if vs, _ = ListVersions(r.env, r.sh, r.snaps, "Budget/gone.txt"); len(vs) != 1 {
		t.Errorf("a file only the 11:00 snapshot has: %+v", vs)
	}
	if vs, err = ListVersions(r.env, r.sh, r.snaps, "nothing"); err != nil || len(vs) != 0 {
		t.Errorf("a path no snapshot has: %v, %v", vs, err)
	}
}

func TestSnapshotLockWaits(t *testing.T) {
	env := &host.Env{Root: t.TempDir()}
	unlock, err := snapshotLock(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := snapshotLock(ctx, env); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("second lock while held: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		u, err := snapshotLock(context.Background(), env)
		if err == nil {
			u()
		}
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the waiter did not get the lock after it was released")
	}
	fi, err := os.Stat(env.State())
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory: %v %v", fi, err)
	}
}
