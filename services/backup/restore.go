// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// RestoreOptions say what to restore and where.
type RestoreOptions struct {
	// Snapshot is "latest" or a snapshot ID (prefix).
	Snapshot string
	// Paths are absolute box paths (files or directories) to restore.
	Paths []string
	// To restores into this directory (keeping full paths below it)
	// instead of in place; it must lie below /srv, outside the
	// repository (site.CheckRestoreTarget).
	To string
	// Overwrite replaces files that differ instead of restoring next to them.
	Overwrite bool
	// SkipMissing skips paths the snapshot lacks (one mailbox per mail
	// domain); at least one must be there.
	SkipMissing bool
	// Maildir restores mailboxes: messages that are missing come back
	// (matched by the unique part of their name, before ":", so a message
	// whose flags changed is not duplicated) and Dovecot's own files that
	// differ are left alone.
	Maildir bool
}

// Beside is a file restored next to a differing current one.
type Beside struct {
	Path string `json:"path"`
	As   string `json:"as"`
}

// RestoreResult reports what a restore did, as box paths.
type RestoreResult struct {
	Snapshot    Snapshot `json:"snapshot"`
	Restored    []string `json:"restored,omitempty"`
	Overwritten []string `json:"overwritten,omitempty"`
	Beside      []Beside `json:"beside,omitempty"`
	Unchanged   int      `json:"unchanged"`
	// To is set for a restore into another directory.
	To string `json:"to,omitempty"`
}

// Restore restores paths of a snapshot. restic restores into a staging
// directory first, then each file is moved into place (or below To, keeping
// full paths) without following a symbolic link in any component of the
// target path (see placer): missing files are put back, identical ones left
// alone, and a file that differs is never overwritten silently: the
// restored one goes next to it as "NAME (restored YYYY-MM-DD).EXT" (the
// snapshot's date) unless Overwrite. A symbolic link where a restored file
// or folder goes is refused. To must be a place site.CheckRestoreTarget
// accepts.
func Restore(ctx context.Context, env *host.Env, repo string, opt RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	if len(opt.Paths) == 0 {
		return res, errors.New("name at least one path to restore")
	}
	for _, p := range opt.Paths {
		if err := plan.CleanPath(p); err != nil {
			return res, err
		}
	}
	to := ""
	if opt.To != "" {
		if err := site.CheckRestoreTarget(opt.To, repo); err != nil {
			return res, err
		}
		to = path.Clean(opt.To)
	}
	unlock, err := lockRuns(env)
	if err != nil {
		return res, err
	}
	defer unlock()
	if err := checkPasswordFile(env); err != nil {
		return res, err
	}
	r := NewRestic(env, repo)
	snap, err := r.Snapshot(ctx, opt.Snapshot)
	if err != nil {
		return res, err
	}
	res.Snapshot = snap
	staging := env.Path(filepath.Join(StateDir, "restore-"+strconv.FormatInt(time.Now().UnixNano(), 36)))
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return res, err
	}
	defer os.RemoveAll(staging)
	if err := r.RestoreTo(ctx, snap.ID, staging, opt.Paths...); err != nil {
		return res, err
	}
	pl, err := newPlacer(env.Path("/"))
	if err != nil {
		return res, err
	}
	defer pl.Close()
	if to != "" {
		if err := pl.mkdirTarget(to); err != nil {
			return res, err
		}
		res.To = to
	}
	m := merger{date: snap.Time.Local().Format("2006-01-02"), overwrite: opt.Overwrite, maildir: opt.Maildir, pl: pl, res: &res}
	found := 0
	for _, p := range opt.Paths {
		src := filepath.Join(staging, p)
		if _, err := os.Lstat(src); err != nil {
			if opt.SkipMissing {
				continue
			}
			return res, fmt.Errorf("%s is not in snapshot %s: look with 'possectl backup ls %s'", p, snap.ShortID, snap.ShortID)
		}
		found++
		if err := m.merge(src, path.Join("/", to, p)); err != nil {
			return res, err
		}
	}
	if found == 0 {
		return res, fmt.Errorf("%s is not in snapshot %s: look with 'possectl backup ls %s'", strings.Join(opt.Paths, ", "), snap.ShortID, snap.ShortID)
	}
	return res, nil
}

type merger struct {
	date      string
	overwrite bool
	maildir   bool
	// replaceLinks replaces a symbolic link where a restored file goes
	// (renaming over it, never writing through it): restore-site, as root
	// on a fresh box, where Debian's links in /etc are in the way.
	replaceLinks bool
	pl           *placer
	res          *RestoreResult
}

// merge moves the restored tree at src (in the staging directory) to the
// box path dst.
func (m merger) merge(src, dst string) error {
	res := m.res
	return filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := path.Join(dst, filepath.ToSlash(rel))
		parent, name := path.Split(target)
		if name == "" {
			return errors.New("restoring over / is refused: restore the folders below it")
		}
		parent = path.Clean(parent)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		d, err := m.pl.dir(parent)
		if err != nil {
			return err
		}
		cur, exists, err := lstatAt(d, name)
		if err != nil {
			return err
		}
		isLink := exists && isType(&cur, unix.S_IFLNK)
		if de.IsDir() {
			switch {
			case !exists:
				return mkdirAt(d, name, p, info, target)
			case isLink:
				return linkInTheWay(target)
			case !isType(&cur, unix.S_IFDIR):
				return fmt.Errorf("%s is a file now but a folder in the backup; move it away and restore again", target)
			}
			return nil
		}
		if m.maildir && !exists && m.maildirHas(parent, name) {
			res.Unchanged++
			return nil
		}
		if !exists {
			if err := place(p, info, d, name, false, target); err != nil {
				return err
			}
			res.Restored = append(res.Restored, target)
			return nil
		}
		same, err := sameAt(p, info, d, name, &cur)
		if err != nil {
			return err
		}
		if same {
			res.Unchanged++
			return nil
		}
		if isLink && !m.replaceLinks {
			return linkInTheWay(target)
		}
		if m.maildir {
			res.Unchanged++ // Dovecot's index and uid list: the live ones win
			return nil
		}
		if m.overwrite || isLink {
			if isType(&cur, unix.S_IFDIR) {
				return fmt.Errorf("%s is a folder now but a file in the backup; move it away and restore again", target)
			}
			if err := place(p, info, d, name, true, target); err != nil {
				return err
			}
			res.Overwritten = append(res.Overwritten, target)
			return nil
		}
		for n := 1; ; n++ {
			as := BesideName(name, m.date, n)
			st, taken, err := lstatAt(d, as)
			if err != nil {
				return err
			}
			if taken {
				if same, _ := sameAt(p, info, d, as, &st); same {
					res.Unchanged++
					return nil
				}
				continue
			}
			if err := place(p, info, d, as, false, path.Join(parent, as)); err != nil {
				return err
			}
			res.Beside = append(res.Beside, Beside{Path: target, As: path.Join(parent, as)})
			return nil
		}
	})
}

// BesideName is where a restored file goes next to a differing current
// one: "report (restored 2026-11-20).docx", and for the n-th clash (n > 1)
// "report (restored 2026-11-20 n).docx". The extension stays last so the
// file still opens with its program; a name that starts with a dot and has
// no other dot keeps the suffix at the end.
func BesideName(p, date string, n int) string {
	dir, base := filepath.Split(p)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if stem == "" {
		stem, ext = base, ""
	}
	tag := " (restored " + date
	if n > 1 {
		tag += " " + strconv.Itoa(n)
	}
	return filepath.Join(dir, stem+tag+")"+ext)
}

// mkdirLike creates dir (and missing parents) with info's mode and owner.
func mkdirLike(dir string, info fs.FileInfo) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, info.Mode().Perm()); err != nil && !os.IsExist(err) {
		return err
	}
	return copyMeta(dir, info)
}

// rename is os.Rename; tests replace it to take the copy paths.
var rename = os.Rename

// moveFile renames src to dst, or copies it (mode, owner, times) when they
// are on different file systems.
func moveFile(src, dst string, info fs.FileInfo) error {
	err := rename(src, dst)
	if err == nil {
		return nil
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !errors.Is(le.Err, syscall.EXDEV) {
		return err
	}
	return copyFile(src, dst, info)
}

func copyFile(src, dst string, info fs.FileInfo) error {
	if info.Mode()&fs.ModeSymlink != 0 {
		l, err := os.Readlink(src)
		if err != nil {
			return err
		}
		os.Remove(dst)
		return os.Symlink(l, dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".posse-restore"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := copyMeta(tmp, info); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

// copyMeta gives p info's mode, owner (when run as root) and times.
func copyMeta(p string, info fs.FileInfo) error {
	if st, ok := info.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		if err := os.Lchown(p, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
	}
	if err := os.Chmod(p, info.Mode()&(fs.ModePerm|fs.ModeSetgid|fs.ModeSetuid|fs.ModeSticky)); err != nil {
		return err
	}
	return os.Chtimes(p, info.ModTime(), info.ModTime())
}

// maildirHas reports whether a message with the same unique name as the
// Maildir file name in the box folder dir (the part before ":") is in that
// folder or its cur/new sibling.
func (m merger) maildirHas(dir, name string) bool {
	uniq, _, _ := strings.Cut(name, ":")
	if uniq == "" {
		return false
	}
	dirs := []string{dir}
	if b := path.Base(dir); b == "cur" || b == "new" {
		parent := path.Dir(dir)
		dirs = []string{path.Join(parent, "cur"), path.Join(parent, "new")}
	}
	for _, d := range dirs {
		f, err := m.pl.open(d)
		if err != nil {
			continue
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, n := range names {
			if u, _, _ := strings.Cut(n, ":"); u == uniq {
				return true
			}
		}
	}
	return false
}

// HomePath is a user's home folder.
func HomePath(user string) (string, error) {
	if !validName(user) {
		return "", fmt.Errorf("%q is not a user name", user)
	}
	return HomesDir + "/" + user, nil
}

// MailboxPaths are a user's Maildirs, one per mail domain of the site.
func MailboxPaths(s *site.Site, user string) ([]string, error) {
	if !validName(user) {
		return nil, fmt.Errorf("%q is not a user name", user)
	}
	if s == nil || s.Mail == nil || len(s.Mail.Domains) == 0 {
		return nil, errors.New("the site has no mail domains")
	}
	var out []string
	for _, d := range s.Mail.Domains {
		out = append(out, VmailDir+"/"+d+"/"+user)
	}
	return out, nil
}

func validName(u string) bool {
	return u != "" && u != "." && u != ".." && !strings.ContainsAny(u, "/\x00")
}
