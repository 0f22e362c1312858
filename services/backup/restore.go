package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

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
	// instead of in place.
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

// Restore restores paths of a snapshot. In place, restic restores into a
// staging directory first, then each file is moved into place: missing
// files are put back, identical ones left alone, and a file that differs is
// never overwritten silently: the restored one goes next to it as
// "NAME (restored YYYY-MM-DD).EXT" (the snapshot's date) unless Overwrite.
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
	if opt.To != "" {
		if err := r.RestoreTo(ctx, snap.ID, opt.To, opt.Paths...); err != nil {
			return res, err
		}
		res.To = opt.To
		return res, nil
	}
	staging := env.Path(filepath.Join(StateDir, "restore-"+strconv.FormatInt(time.Now().UnixNano(), 36)))
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return res, err
	}
	defer os.RemoveAll(staging)
	if err := r.RestoreTo(ctx, snap.ID, staging, opt.Paths...); err != nil {
		return res, err
	}
	m := merger{date: snap.Time.Local().Format("2006-01-02"), overwrite: opt.Overwrite, maildir: opt.Maildir, res: &res}
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
		if err := m.merge(src, env.Path(p), p); err != nil {
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
	res       *RestoreResult
}

// merge moves the restored tree at src to dst (boxPath on the box).
func (m merger) merge(src, dst, boxPath string) error {
	res := m.res
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		shown := filepath.Join(boxPath, rel)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		cur, curErr := os.Lstat(target)
		if d.IsDir() {
			if curErr == nil {
				if !cur.IsDir() {
					return fmt.Errorf("%s is a file now but a folder in the backup; move it away and restore again", shown)
				}
				return nil
			}
			return mkdirLike(target, info)
		}
		if m.maildir && curErr != nil && maildirHas(target) {
			res.Unchanged++
			return nil
		}
		if curErr != nil {
			if err := moveFile(p, target, info); err != nil {
				return err
			}
			res.Restored = append(res.Restored, shown)
			return nil
		}
		if same, err := sameContent(p, target); err != nil {
			return err
		} else if same {
			res.Unchanged++
			return nil
		}
		if m.maildir {
			res.Unchanged++ // Dovecot's index and uid list: the live ones win
			return nil
		}
		if m.overwrite {
			if cur.IsDir() {
				return fmt.Errorf("%s is a folder now but a file in the backup; move it away and restore again", shown)
			}
			if err := moveFile(p, target, info); err != nil {
				return err
			}
			res.Overwritten = append(res.Overwritten, shown)
			return nil
		}
		for n := 1; ; n++ {
			as := BesideName(target, m.date, n)
			if _, err := os.Lstat(as); err == nil {
				if same, _ := sameContent(p, as); same {
					res.Unchanged++
					return nil
				}
				continue
			}
			if err := moveFile(p, as, info); err != nil {
				return err
			}
			res.Beside = append(res.Beside, Beside{Path: shown, As: filepath.Join(filepath.Dir(shown), filepath.Base(as))})
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

func sameContent(a, b string) (bool, error) {
	ia, err := os.Lstat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Lstat(b)
	if err != nil {
		return false, err
	}
	if ia.Mode().Type() != ib.Mode().Type() {
		return false, nil
	}
	if ia.Mode()&fs.ModeSymlink != 0 {
		la, _ := os.Readlink(a)
		lb, _ := os.Readlink(b)
		return la == lb, nil
	}
	if !ia.Mode().IsRegular() || ia.Size() != ib.Size() {
		return false, nil
	}
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	ba, bb := make([]byte, 64*1024), make([]byte, 64*1024)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF), nil
		}
	}
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
// Maildir file p (the part before ":") is in p's folder or its cur/new
// sibling.
func maildirHas(p string) bool {
	dir, base := filepath.Split(p)
	uniq, _, _ := strings.Cut(base, ":")
	if uniq == "" {
		return false
	}
	dirs := []string{dir}
	if b := filepath.Base(dir); b == "cur" || b == "new" {
		parent := filepath.Dir(filepath.Clean(dir))
		dirs = []string{filepath.Join(parent, "cur"), filepath.Join(parent, "new")}
	}
	for _, d := range dirs {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if u, _, _ := strings.Cut(e.Name(), ":"); u == uniq {
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
