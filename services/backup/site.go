// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// Samba paths on a Debian box.
const (
	SambaDir    = "/var/lib/samba"
	SMBConfPath = ad.SMBConfPath
	// ADRestoreDir is samba-tool's target directory during restore-site.
	ADRestoreDir = StateDir + "/ad-restore"
)

// SiteRestoreOptions say where to rebuild a box from.
type SiteRestoreOptions struct {
	Repository string
	// PasswordFile holds the repository password; it is copied to the
	// box's password file (0600).
	PasswordFile string
	// Snapshot is "latest" (default) or an ID.
	Snapshot string
	// Log receives one line per step (may be nil).
	Log func(string)
}

// stopBeforeRestore are stopped before files are put back.
var stopBeforeRestore = []string{ad.DCUnit, "smbd.service", "nmbd.service", "winbind.service", "postfix.service", "dovecot.service"}

// RestoreSite rebuilds a freshly installed box from the repository: it
// restores the snapshot's files in place (Posse's state with the site
// template and stored secrets, configs, shares, homes, Maildirs), restores
// the directory from the snapshot's AD backup with samba-tool as a new
// controller named after this box, and starts the services. It returns the
// snapshot used. The box must have another host name than the old
// controller (samba-tool restores a backup only as a new DC).
func RestoreSite(ctx context.Context, env *host.Env, opt SiteRestoreOptions) (Snapshot, error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, a...))
		}
	}
	if env.Offline || env.Runner == nil || env.Units == nil {
		return Snapshot{}, errors.New("restore-site needs the live box")
	}
	if opt.Snapshot == "" {
		opt.Snapshot = "latest"
	}
	if err := installPassword(env, opt.PasswordFile); err != nil {
		return Snapshot{}, err
	}
	unlock, err := lockRuns(env)
	if err != nil {
		return Snapshot{}, err
	}
	defer unlock()
	r := NewRestic(env, opt.Repository)
	snap, err := r.Snapshot(ctx, opt.Snapshot)
	if err != nil {
		return snap, err
	}
	logf("snapshot %s of %s, taken on %s", snap.ShortID, snap.Time.Local().Format("2006-01-02 15:04"), snap.Hostname)
	hostname := env.Hostname
	if hostname == "" {
		return snap, errors.New("cannot tell this box's host name")
	}
	if strings.EqualFold(shortHost(snap.Hostname), shortHost(hostname)) {
		return snap, fmt.Errorf("this box has the old controller's host name %s: samba-tool restores the directory only as a new domain controller; give this box another name (hostnamectl set-hostname %s2) and run restore-site again", hostname, shortHost(hostname))
	}
	for _, u := range stopBeforeRestore {
		if st, err := env.Units.Status(ctx, u); err == nil && st.ActiveState == "active" {
			if err := env.Units.Stop(ctx, u); err != nil {
				return snap, err
			}
			logf("stopped %s", u)
		}
	}
	if err := os.MkdirAll(env.Path(CacheDir), 0o700); err != nil {
		return snap, err
	}
	logf("restoring files (state, configs, shares, homes, mail) ...")
	t0 := time.Now()
	res, err := restoreAll(ctx, env, r, snap)
	if err != nil {
		return snap, err
	}
	logf("files restored in %.1fs: %d put back, %d replaced, %d unchanged", time.Since(t0).Seconds(), len(res.Restored), len(res.Overwritten), res.Unchanged)
	dump, err := latestADDump(env)
	if err != nil {
		return snap, err
	}
	if dump != "" {
		if err := restoreAD(ctx, env, dump, hostname, logf); err != nil {
			return snap, err
		}
	} else {
		logf("the snapshot holds no directory backup; the directory is not restored")
	}
	if err := env.Units.DaemonReload(ctx); err != nil {
		return snap, err
	}
	return snap, nil
}

// restoreAll restores the whole snapshot into a staging directory and
// moves it into place, replacing what differs (restic itself cannot
// replace the symbolic links a fresh Debian install has in /etc).
func restoreAll(ctx context.Context, env *host.Env, r *Restic, snap Snapshot) (RestoreResult, error) {
	res := RestoreResult{Snapshot: snap}
	staging := env.Path(filepath.Join(StateDir, "restore-site"))
	if err := os.RemoveAll(staging); err != nil {
		return res, err
	}
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return res, err
	}
	defer os.RemoveAll(staging)
	if err := r.RestoreTo(ctx, snap.ID, staging); err != nil {
		return res, err
	}
	pl, err := newPlacer(env.Path("/"))
	if err != nil {
		return res, err
	}
	defer pl.Close()
	m := merger{overwrite: true, replaceLinks: true, pl: pl, res: &res}
	for _, p := range snap.Paths {
		src := filepath.Join(staging, p)
		if _, err := os.Lstat(src); err != nil {
			continue
		}
		if err := m.merge(src, p); err != nil {
			return res, err
		}
	}
	return res, nil
}

// installPassword copies the repository password file to the box's 0600
// password file.
func installPassword(env *host.Env, from string) error {
	if from == "" {
		from = env.Path(PasswordFile)
	}
	raw, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("cannot read the repository password file: %w", err)
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return fmt.Errorf("the repository password file %s is empty", from)
	}
	if err := os.MkdirAll(env.Path(host.DefaultStateDir), 0o700); err != nil {
		return err
	}
	if _, err := fsutil.EnsureDir(env.Path(StateDir), 0o700, 0, 0); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(env.Path(PasswordFile), raw, 0o600, 0, 0)
}

// latestADDump returns the newest samba backup archive restored into the
// staging directory, or "".
func latestADDump(env *host.Env) (string, error) {
	m, err := filepath.Glob(env.Path(ADDumpDir + "/samba-backup-*.tar.bz2"))
	if err != nil || len(m) == 0 {
		return "", err
	}
	sort.Strings(m)
	return m[len(m)-1], nil
}

// ADRestoreArgv restores an AD backup archive as a new controller.
func ADRestoreArgv(archive, targetDir, newName, ip string) []string {
	argv := []string{"samba-tool", "domain", "backup", "restore", "--backup-file=" + archive, "--targetdir=" + targetDir, "--newservername=" + strings.ToUpper(newName)}
	if ip != "" {
		argv = append(argv, "--host-ip="+ip)
	}
	return argv
}

// restoreAD runs samba-tool's restore into ADRestoreDir, moves its private
// and state directories to /var/lib/samba (what was there is kept as
// NAME.before-restore), names this box in smb.conf, resets the sysvol ACLs
// and starts samba-ad-dc.
func restoreAD(ctx context.Context, env *host.Env, archive, hostname string, logf func(string, ...any)) error {
	target := env.Path(ADRestoreDir)
	if err := os.RemoveAll(target); err != nil {
		return err
	}
	defer os.RemoveAll(target)
	logf("restoring the directory as controller %s ...", strings.ToUpper(shortHost(hostname)))
	boxArchive := strings.TrimPrefix(archive, strings.TrimSuffix(env.Path("/"), "/"))
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: ADRestoreArgv(boxArchive, ADRestoreDir, shortHost(hostname), env.IP)}); err != nil {
		return fmt.Errorf("samba-tool could not restore the directory: %w", err)
	}
	samba := env.Path(SambaDir)
	stamp := time.Now().Format("20060102-150405")
	moves := [][2]string{{filepath.Join(target, "private"), filepath.Join(samba, "private")}}
	ents, err := os.ReadDir(filepath.Join(target, "state"))
	if err != nil {
		return fmt.Errorf("samba-tool left no state directory: %w", err)
	}
	for _, e := range ents {
		moves = append(moves, [2]string{filepath.Join(target, "state", e.Name()), filepath.Join(samba, e.Name())})
	}
	if err := os.MkdirAll(samba, 0o755); err != nil {
		return err
	}
	for _, m := range moves {
		if _, err := os.Lstat(m[1]); err == nil {
			if err := moveTree(m[1], m[1]+".before-restore-"+stamp); err != nil {
				return err
			}
		}
		if err := moveTree(m[0], m[1]); err != nil {
			return err
		}
	}
	if err := renameInSMBConf(env, shortHost(hostname)); err != nil {
		return err
	}
	if err := reissueTLS(env, shortHost(hostname)); err != nil {
		return err
	}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"samba-tool", "ntacl", "sysvolreset"}}); err != nil {
		return fmt.Errorf("resetting the sysvol ACLs failed: %w", err)
	}
	// A DC runs samba-ad-dc only; Debian ships it masked and the plain
	// file server units enabled.
	if err := env.Units.Mask(ctx, "smbd.service", "nmbd.service", "winbind.service"); err != nil {
		return err
	}
	if err := env.Units.Unmask(ctx, ad.DCUnit); err != nil {
		return err
	}
	if err := env.Units.DaemonReload(ctx); err != nil {
		return err
	}
	if err := env.Units.Enable(ctx, ad.DCUnit); err != nil {
		return err
	}
	for _, p := range []string{"/run/samba/gencache.tdb"} {
		os.Remove(env.Path(p))
	}
	if err := env.Units.Start(ctx, ad.DCUnit); err != nil {
		return fmt.Errorf("samba-ad-dc did not start on the restored directory: %w", err)
	}
	if err := waitPort(ctx, "127.0.0.1:636", ldapsWait); err != nil {
		return fmt.Errorf("samba-ad-dc started but LDAPS does not answer: %w", err)
	}
	logf("directory restored, samba-ad-dc started and answering on LDAPS")
	return nil
}

// ldapsWait bounds the wait for LDAPS after samba-ad-dc started (it
// answered within 5 s in sandbox boxes).
var ldapsWait = 90 * time.Second

// waitPort waits until addr accepts TCP connections.
func waitPort(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// moveTree renames src to dst, or copies the tree and removes src when a
// rename is not possible (another file system, or a directory of an
// overlay's lower layer).
func moveTree(src, dst string) error {
	err := rename(src, dst)
	var le *os.LinkError
	if err == nil || !errors.As(err, &le) || !errors.Is(le.Err, syscall.EXDEV) {
		return err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return mkdirLike(filepath.Join(dst, rel), info)
		}
		if !info.Mode().IsRegular() && info.Mode()&fs.ModeSymlink == 0 {
			return nil // sockets and pipes are made by the daemons
		}
		return copyFile(p, filepath.Join(dst, rel), info)
	})
	if err != nil {
		return fmt.Errorf("move %s to %s: %w", src, dst, err)
	}
	return os.RemoveAll(src)
}

// reissueTLS gives the restored site CA's LDAPS certificate this box's
// names, as the directory service would on its next apply (which needs
// LDAPS to work first).
func reissueTLS(env *host.Env, short string) error {
	conf, err := os.ReadFile(env.Path(SMBConfPath))
	if err != nil {
		return err
	}
	realm := strings.ToLower(ad.ConfRealm(conf))
	if realm == "" {
		return fmt.Errorf("%s names no realm", SMBConfPath)
	}
	names := ad.TLSNames{Hostname: strings.ToLower(short), FQDN: strings.ToLower(short) + "." + realm}
	if env.IP != "" {
		names.IPs = []string{env.IP}
	}
	if _, err := ad.EnsureTLS(env.State(ad.TLSDir), names, time.Now()); err != nil {
		return fmt.Errorf("cannot issue the LDAPS certificate for %s: %w", names.FQDN, err)
	}
	return nil
}

var netbiosRE = regexp.MustCompile(`(?mi)^(\s*netbios name\s*=\s*).*$`)

// renameInSMBConf sets "netbios name" in the restored smb.conf to this box.
func renameInSMBConf(env *host.Env, name string) error {
	p := env.Path(SMBConfPath)
	raw, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("the snapshot holds no %s: %w", SMBConfPath, err)
	}
	if !netbiosRE.Match(raw) {
		return fmt.Errorf("%s names no netbios name", SMBConfPath)
	}
	out := netbiosRE.ReplaceAll(raw, []byte("${1}"+strings.ToUpper(name)))
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	return os.WriteFile(p, out, st.Mode().Perm())
}

func shortHost(h string) string {
	s, _, _ := strings.Cut(h, ".")
	return s
}
