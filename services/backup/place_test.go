// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

// restoreBoxWith scripts restic like restoreBox, with fill making the
// restored tree below restic's --target.
func restoreBoxWith(t *testing.T, fill func(target string)) (*host.Env, *hosttest.FakeRunner) {
	env, r := fakeBox(t)
	rs := NewRestic(env, "/srv/posse/backup")
	r.On(rs.Argv("snapshots"), host.Result{Stdout: []byte(snapJSON)})
	r.OnFunc(rs.Argv("restore"), func(c host.Cmd) (host.Result, error) {
		fill(c.Argv[slices.Index(c.Argv, "--target")+1])
		return host.Result{}, nil
	})
	return env, r
}

// emptyDir fails the test when dir has any entry.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("%s: %v, %v; want it untouched and empty", dir, ents, err)
	}
}

// TestRestoreThroughSymlinkedFolder: a share folder replaced by a link (to
// a folder in the box or anywhere else) is never written through, in place
// or below it.
func TestRestoreThroughSymlinkedFolder(t *testing.T) {
	const share = "/srv/posse/shares/akten"
	for _, tc := range []struct {
		name  string
		paths []string
	}{
		{"the share", []string{share}},
		{"a file in it", []string{share + "/evil.sh"}},
	} {
		for _, where := range []string{"inside", "outside"} {
			t.Run(tc.name+" "+where, func(t *testing.T) {
				env, _ := restoreBoxWith(t, func(target string) {
					writeFile(t, filepath.Join(target, share, "evil.sh"), "echo owned", 0o644)
				})
				dest := env.Path("/etc/profile.d")
				if where == "outside" {
					dest = t.TempDir()
				}
				mkdir(t, dest, 0o755)
				mkdir(t, env.Path("/srv/posse/shares"), 0o755)
				if err := os.Symlink(dest, env.Path(share)); err != nil {
					t.Fatal(err)
				}
				_, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: tc.paths})
				if err == nil || !strings.Contains(err.Error(), share+" is a symbolic link") || !strings.Contains(err.Error(), "restores never") {
					t.Errorf("restore through a link: %v", err)
				}
				emptyDir(t, dest)
			})
		}
	}
}

// TestRestoreThroughSymlinkedSubfolder: a user replaced a folder in her
// home with a link; the restore of the home stops there.
func TestRestoreThroughSymlinkedSubfolder(t *testing.T) {
	const home = "/srv/posse/homes/alice"
	env, _ := restoreBoxWith(t, func(target string) {
		writeFile(t, filepath.Join(target, home, "a.txt"), "a", 0o600)
		writeFile(t, filepath.Join(target, home, "docs", "x.txt"), "x", 0o600)
	})
	outside := t.TempDir()
	mkdir(t, env.Path(home), 0o700)
	if err := os.Symlink(outside, env.Path(home+"/docs")); err != nil {
		t.Fatal(err)
	}
	_, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{home}})
	if err == nil || !strings.Contains(err.Error(), home+"/docs is a symbolic link now") || !strings.Contains(err.Error(), "move the link away") {
		t.Errorf("restore over a linked subfolder: %v", err)
	}
	// Asked for the file below the link itself.
	_, err = Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{home + "/docs/x.txt"}})
	if err == nil || !strings.Contains(err.Error(), home+"/docs is a symbolic link: restores never follow links") {
		t.Errorf("restore below a linked subfolder: %v", err)
	}
	emptyDir(t, outside)
}

// TestRestoreOverSymlinkedFile: a link where a restored file goes is
// refused (also with Overwrite); its target is not touched. A link the
// backup has the same is left alone.
func TestRestoreOverSymlinkedFile(t *testing.T) {
	const dir = "/srv/posse/shares/akten"
	victim := filepath.Join(t.TempDir(), "authorized_keys")
	writeFile(t, victim, "root's keys", 0o600)
	for _, overwrite := range []bool{false, true} {
		env, _ := restoreBoxWith(t, func(target string) {
			writeFile(t, filepath.Join(target, dir, "report.txt"), "attacker's key", 0o644)
		})
		mkdir(t, env.Path(dir), 0o755)
		os.Symlink(victim, env.Path(dir+"/report.txt"))
		_, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{dir}, Overwrite: overwrite})
		if err == nil || !strings.Contains(err.Error(), dir+"/report.txt is a symbolic link now") {
			t.Errorf("overwrite %v: %v", overwrite, err)
		}
		if got := readFile(t, victim); got != "root's keys" {
			t.Fatalf("written through the link: %q", got)
		}
		if l, err := os.Readlink(env.Path(dir + "/report.txt")); err != nil || l != victim {
			t.Errorf("the link was replaced: %q, %v", l, err)
		}
	}

	env, _ := restoreBoxWith(t, func(target string) {
		mkdir(t, filepath.Join(target, dir), 0o755)
		os.Symlink("report.txt", filepath.Join(target, dir, "current"))
		writeFile(t, filepath.Join(target, dir, "report.txt"), "r", 0o644)
	})
	mkdir(t, env.Path(dir), 0o755)
	os.Symlink("report.txt", env.Path(dir+"/current"))
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{dir}})
	if err != nil || res.Unchanged != 1 || !slices.Equal(res.Restored, []string{dir + "/report.txt"}) {
		t.Errorf("same link: %+v, %v", res, err)
	}
}

// TestRestoreTo restores below a folder under /srv, keeping full paths,
// and refuses system folders and links.
func TestRestoreTo(t *testing.T) {
	const f = "/srv/posse/shares/akten/sub/a.txt"
	fill := func(target string) { writeFile(t, filepath.Join(target, f), "a", 0o640) }
	env, _ := restoreBoxWith(t, fill)
	writeFile(t, env.Path(f), "changed in place", 0o640)
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{"/srv/posse/shares/akten"}, To: "/srv/restored/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.To != "/srv/restored" || !slices.Equal(res.Restored, []string{"/srv/restored" + f}) {
		t.Errorf("result %+v", res)
	}
	if readFile(t, env.Path("/srv/restored"+f)) != "a" || readFile(t, env.Path(f)) != "changed in place" {
		t.Error("restored into the wrong place")
	}
	if st, _ := os.Stat(env.Path("/srv/restored")); st.Mode().Perm() != 0o700 {
		t.Errorf("a new target folder is %v, want 0700 as restic makes it", st.Mode().Perm())
	}

	for _, to := range []string{"/etc", "/etc/profile.d", "/srv/../etc", "/var/lib/posse", "/root", "/tmp/x", "/srv", "/srv/posse/backup/x", "srv/restored"} {
		env, r := restoreBoxWith(t, fill)
		_, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{f}, To: to})
		if err == nil || !strings.Contains(err.Error(), "/srv/restored") {
			t.Errorf("--to %s: %v", to, err)
		}
		if len(r.Cmds()) != 0 {
			t.Errorf("--to %s: restic ran: %q", to, r.Cmds())
		}
	}

	env, _ = restoreBoxWith(t, fill)
	outside := t.TempDir()
	mkdir(t, env.Path("/srv"), 0o755)
	os.Symlink(outside, env.Path("/srv/restored"))
	if _, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{f}, To: "/srv/restored"}); err == nil || !strings.Contains(err.Error(), "/srv/restored is a symbolic link") {
		t.Errorf("--to a link: %v", err)
	}
	env, _ = restoreBoxWith(t, fill)
	mkdir(t, env.Path("/srv/restored"), 0o755)
	os.Symlink(outside, env.Path("/srv/restored/srv"))
	if _, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{f}, To: "/srv/restored"}); err == nil || !strings.Contains(err.Error(), "/srv/restored/srv is a symbolic link") {
		t.Errorf("--to with a link below: %v", err)
	}
	emptyDir(t, outside)
}

// TestRestoreFolderMeta: a folder that is missing comes back with the
// backup's mode (under possed's umask too) and time.
func TestRestoreFolderMeta(t *testing.T) {
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	const dir = "/srv/posse/shares/akten/gone"
	env, _ := restoreBoxWith(t, func(target string) {
		writeFile(t, filepath.Join(target, dir, "x.txt"), "x", 0o640)
		os.Chmod(filepath.Join(target, dir), 0o750|os.ModeSetgid)
	})
	mkdir(t, env.Path("/srv/posse/shares/akten"), 0o755)
	if _, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(env.Path(dir)); err != nil || st.Mode()&(os.ModePerm|os.ModeSetgid) != 0o750|os.ModeSetgid {
		t.Errorf("restored folder: %v, %v", st.Mode(), err)
	}
}

// TestRestoreCopiesAcrossFileSystems takes the copy path of the placer:
// content, mode, time and links come over, through the same no-follow
// directory.
func TestRestoreCopiesAcrossFileSystems(t *testing.T) {
	orig := renameAt
	renameAt = func(olddirfd int, oldpath string, newdirfd int, newpath string, noReplace bool) error {
		if olddirfd == unix.AT_FDCWD {
			return unix.EXDEV
		}
		return orig(olddirfd, oldpath, newdirfd, newpath, noReplace)
	}
	t.Cleanup(func() { renameAt = orig })
	const dir = "/srv/posse/shares/akten"
	env, _ := restoreBoxWith(t, func(target string) {
		writeFile(t, filepath.Join(target, dir, "a.txt"), "content", 0o640)
		os.Symlink("a.txt", filepath.Join(target, dir, "link"))
		writeFile(t, filepath.Join(target, dir, "changed.txt"), "old", 0o600)
	})
	writeFile(t, env.Path(dir+"/changed.txt"), "new", 0o600)
	res, err := Restore(t.Context(), env, "/srv/posse/backup", RestoreOptions{Snapshot: "latest", Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Restored) != 2 || len(res.Beside) != 1 {
		t.Errorf("result %+v", res)
	}
	st, err := os.Lstat(env.Path(dir + "/a.txt"))
	if err != nil || st.Mode().Perm() != 0o640 || readFile(t, env.Path(dir+"/a.txt")) != "content" {
		t.Errorf("copied file: %v %v", st.Mode(), err)
	}
	if l, err := os.Readlink(env.Path(dir + "/link")); err != nil || l != "a.txt" {
		t.Errorf("copied link: %q %v", l, err)
	}
	if readFile(t, env.Path(dir+"/changed (restored 2026-11-20).txt")) != "old" {
		t.Error("beside copy")
	}
	if m, _ := filepath.Glob(env.Path(dir + "/.posse-restore-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestRestoreSiteReplacesLinks: restore-site (root on a fresh box)
// replaces a link where a restored file goes, renaming over it; the link's
// target is untouched.
func TestRestoreSiteReplacesLinks(t *testing.T) {
	root := t.TempDir()
	staging := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	writeFile(t, victim, "keep", 0o644)
	writeFile(t, filepath.Join(staging, "etc/samba/smb.conf"), "restored", 0o644)
	mkdir(t, filepath.Join(root, "etc/samba"), 0o755)
	os.Symlink(victim, filepath.Join(root, "etc/samba/smb.conf"))
	pl, err := newPlacer(root)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	res := RestoreResult{}
	m := merger{overwrite: true, replaceLinks: true, pl: pl, res: &res}
	if err := m.merge(filepath.Join(staging, "etc/samba"), "/etc/samba"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(filepath.Join(root, "etc/samba/smb.conf")); !st.Mode().IsRegular() || readFile(t, filepath.Join(root, "etc/samba/smb.conf")) != "restored" {
		t.Error("the link was not replaced")
	}
	if readFile(t, victim) != "keep" {
		t.Error("written through the link")
	}
}
