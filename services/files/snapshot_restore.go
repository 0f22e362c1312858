// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// VersionRestore says which earlier version of a file or folder of a share
// to bring back.
type VersionRestore struct {
	// Path is the file or folder, relative to the share ("/"-separated).
	Path string
	// At picks the newest snapshot taken at or before it; zero picks the
	// newest snapshot.
	At time.Time
	// Alongside writes "NAME (restored DATE).EXT" next to the current
	// file or folder instead of replacing it.
	Alongside bool
}

// VersionRestoreResult is what a restore of a version did.
type VersionRestoreResult struct {
	Share string `json:"share"`
	// Snapshot is the @GMT- name of the snapshot restored from.
	Snapshot string    `json:"snapshot"`
	Time     time.Time `json:"time"`
	// Path is the share-relative path written: the path asked for in
	// place, or the new name alongside it.
	Path  string `json:"path"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

// CleanSharePath is site.CleanSharePath: the rule for a path inside a
// share, defined once in the site model.
func CleanSharePath(p string) (string, error) { return site.CleanSharePath(p) }

// PickSnapshot returns the newest of snaps (newest first, as ListSnapshots
// returns them) taken at or before at, or the newest when at is zero.
func PickSnapshot(snaps []Snapshot, at time.Time) (Snapshot, bool) {
	for _, s := range snaps {
		if at.IsZero() || !s.Time.After(at) {
			return s, true
		}
	}
	return Snapshot{}, false
}

// RestoredName is the name a version restored alongside NAME gets:
// "Budget (restored 2026-12-07 11.00).xlsx", a folder "Reports (restored
// 2026-12-07 11.00)". The time is the snapshot's, in loc, with dots for
// Windows, which allows no colon in a name. n > 1 numbers a second one.
func RestoredName(name string, t time.Time, loc *time.Location, dir bool, n int) string {
	stem, ext := name, ""
	if !dir {
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			stem, ext = name[:i], name[i:]
		}
	}
	tag := "restored " + t.In(loc).Format("2006-01-02 15.04")
	if n > 1 {
		tag += fmt.Sprintf(" %d", n)
	}
	return stem + " (" + tag + ")" + ext
}

// RestoreVersion copies a file or folder of the share from one of its
// snapshots back into the share, in place or alongside. Both sides are
// opened without following a symbolic link anywhere (fsutil's beneath
// openers): a link a user planted in the share or that was in the share
// when the snapshot was taken never makes root read or write outside it.
// Files keep their owner, mode, times and extended attributes (the NT ACL
// Samba keeps in security.NTACL, the POSIX ACLs, DOS attributes). Each
// file is written to a temporary name, synced and renamed into place. In
// place, a folder is merged: files of the snapshot replace the current
// ones, files made since stay.
func RestoreVersion(env *host.Env, sh Share, snaps []Snapshot, r VersionRestore, loc *time.Location) (VersionRestoreResult, error) {
	res := VersionRestoreResult{Share: sh.Name}
	rel, err := CleanSharePath(r.Path)
	if err != nil {
		return res, err
	}
	if err := SharePathError(sh.Path); err != nil {
		return res, err
	}
	snap, ok := PickSnapshot(snaps, r.At)
	if !ok {
		if len(snaps) == 0 {
			return res, fmt.Errorf("share %s has no snapshots yet: take one with possectl snapshots take", quote(sh.Name))
		}
		return res, fmt.Errorf("share %s has no snapshot at or before %s: the oldest is from %s", quote(sh.Name),
			r.At.In(loc).Format("2006-01-02 15:04"), snaps[len(snaps)-1].Time.In(loc).Format("2006-01-02 15:04"))
	}
	res.Snapshot, res.Time = snap.Name, snap.Time
	root, err := os.Open(env.Path("/"))
	if err != nil {
		return res, err
	}
	defer root.Close()
	dir, name := path.Split(rel)
	src, err := fsutil.OpenDirBeneath(root, strings.TrimPrefix(path.Join(snap.Path, dir), "/"))
	if err != nil {
		return res, notInSnapshot(err, rel, snap, loc)
	}
	defer src.Close()
	dst, err := fsutil.OpenDirBeneath(root, strings.TrimPrefix(path.Join(sh.Path, dir), "/"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return res, fmt.Errorf("folder %s is not in share %s any more: restore the folder first", quote(strings.TrimSuffix(dir, "/")), quote(sh.Name))
		}
		return res, err
	}
	defer dst.Close()
	st, ok, err := lstatAt(src, name)
	if err != nil {
		return res, err
	}
	if !ok {
		return res, notInSnapshot(os.ErrNotExist, rel, snap, loc)
	}
	isDir := st.isDir()
	target := name
	if r.Alongside {
		if target, err = freeName(dst, name, snap.Time, loc, isDir); err != nil {
			return res, err
		}
	}
	res.Path = path.Join(dir, target)
	c := copier{}
	if err := c.copy(src, name, dst, target, st); err != nil {
		return res, fmt.Errorf("restore %s from %s: %w", rel, snap.Name, err)
	}
	res.Files, res.Bytes = c.files, c.bytes
	return res, nil
}

// freeName finds the first RestoredName that is not taken in d.
func freeName(d *os.File, name string, t time.Time, loc *time.Location, dir bool) (string, error) {
	for n := 1; n < 100; n++ {
		cand := RestoredName(name, t, loc, dir, n)
		_, taken, err := lstatAt(d, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return "", fmt.Errorf("99 restored copies of %s are there already: move some away", quote(name))
}

func notInSnapshot(err error, rel string, snap Snapshot, loc *time.Location) error {
	var link *fsutil.SymlinkError
	if errors.As(err, &link) {
		return fmt.Errorf("%s was a symbolic link in the snapshot of %s: restore the file it pointed to", link.Path, snap.Time.In(loc).Format("2006-01-02 15:04"))
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s is not in the snapshot of %s: possectl snapshots list SHARE PATH shows its versions", rel, snap.Time.In(loc).Format("2006-01-02 15:04"))
	}
	return err
}
