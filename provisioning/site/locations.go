// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"path"
	"strings"
)

// Where backups may live and where restores may write. restic runs as root,
// so a repository path or a restore target is a place root writes to: the
// rule below keeps both out of the system directories (/etc, /proc, /root,
// /tmp, /dev/shm, …), Posse's state directory (/var/lib/posse, with the
// stored secrets), Samba's private directory and the mail store. It is the
// one rule for the template validator, possed and possectl.
//
// A symbolic link in a restore target is refused when the restore runs
// (services/backup places every file without following links); this rule
// looks at the path only.
var (
	// RepositoryRoots are the directories a local backup repository must
	// lie strictly below: a disk mounted below /srv, /mnt or /media.
	RepositoryRoots = []string{"/srv", "/mnt", "/media"}
	// RestoreRoot is the directory restore targets (--to) must lie
	// strictly below: the shares, the home folders, RestoredDir.
	RestoreRoot = SharesRoot
)

// RestoredDir is the suggested target for restores into a separate folder.
const RestoredDir = "/srv/restored"

// Messages of the location rule; %s is the path as written.
const (
	errLocationRelative   = "%s is not an absolute path"
	errRepositoryLocation = "backup repository %s is outside the places a local repository may be"
	hintRepositoryPlace   = "put a local repository on a disk mounted below /srv, /mnt or /media, such as /srv/posse/backup or /media/backup/posse"
	errRestoreLocation    = "restore target %s is outside %s"
	hintRestorePlace      = "restore below " + SharesRoot + ", into a share, a home folder or " + RestoredDir + " (restoring in place needs no target)"
	errRestoreInRepo      = "restore target %s is inside the backup repository %s"
	hintRestoreInRepo     = "restore into " + RestoredDir + " or a share"
)

// cleanAbs cleans p (resolving "." and ".." lexically) and reports whether
// it is absolute.
func cleanAbs(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") {
		return p, false
	}
	return path.Clean(p), true
}

// below reports whether p lies strictly below dir (both clean).
func below(p, dir string) bool {
	return p != dir && inside(p, dir)
}

// RepositoryLocationProblem returns what is wrong with where a local
// backup repository is, or "" when the place is allowed: strictly below one
// of RepositoryRoots, after cleaning (so /srv/../etc is /etc). sftp
// repositories are not local and always pass. Overlaps with shares and
// home folders depend on the site and are checked by the validator.
func RepositoryLocationProblem(repo string) (msg, hint string) {
	if strings.HasPrefix(repo, "sftp:") {
		return "", ""
	}
	p, ok := cleanAbs(repo)
	if !ok {
		return fmt.Sprintf(errLocationRelative, quotePath(repo)), hintRepositoryPlace
	}
	for _, root := range RepositoryRoots {
		if below(p, root) {
			return "", ""
		}
	}
	return fmt.Sprintf(errRepositoryLocation, quotePath(repo)), hintRepositoryPlace
}

// RestoreTargetProblem returns what is wrong with a restore target (the
// directory of restore --to), or "": it must lie strictly below RestoreRoot
// after cleaning, and not inside the local repository repo (may be "").
func RestoreTargetProblem(target, repo string) (msg, hint string) {
	p, ok := cleanAbs(target)
	if !ok {
		return fmt.Sprintf(errLocationRelative, quotePath(target)), hintRestorePlace
	}
	if !below(p, RestoreRoot) {
		return fmt.Sprintf(errRestoreLocation, quotePath(target), RestoreRoot), hintRestorePlace
	}
	if r, ok := cleanAbs(repo); ok && r != "/" && inside(p, r) {
		return fmt.Sprintf(errRestoreInRepo, quotePath(target), r), hintRestoreInRepo
	}
	return "", ""
}

// CheckRestoreTarget is RestoreTargetProblem as an error that says what to
// do, for possed and possectl.
func CheckRestoreTarget(target, repo string) error {
	if msg, hint := RestoreTargetProblem(target, repo); msg != "" {
		return fmt.Errorf("%s: %s", msg, hint)
	}
	return nil
}
