// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/provisioning/storage"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/backup"
	"github.com/posse-project/posse/services/mail"
	"github.com/posse-project/posse/services/notify"
)

// NotifyReport is what one check run of the alerts found and sent.
type NotifyReport = notify.Report

// NotifyProblem is one problem the alerts found.
type NotifyProblem = notify.Problem

// NotifyStatus is the alerts' configuration and state.
type NotifyStatus struct {
	To    []string     `json:"to"`
	From  string       `json:"from"`
	State notify.State `json:"state"`
}

// notifySite returns the applied site, which must have notify, and the
// envelope of its alerts.
func (b *Box) notifySite() (*site.Site, notify.Envelope, error) {
	s, _, err := b.applied()
	if err != nil {
		return nil, notify.Envelope{}, err
	}
	if s.Notify == nil {
		return nil, notify.Envelope{}, mark(daemon.ErrNotAvailable, errors.New("this site has no alerts: add notify: {to: [ADDRESS]} to the template and apply it"))
	}
	return s, notify.Envelope{From: s.NotifyFrom(), To: s.Notify.To, Hostname: b.hostname()}, nil
}

func (b *Box) sender() notify.Sender {
	r := b.Runner
	if r == nil {
		r = execx.New()
	}
	return notify.Sendmail{Runner: r}
}

// NotifyRun is one check run of the alerts: it gathers the facts of the
// box, and mails what is due (notify.Check).
func (b *Box) NotifyRun(ctx context.Context) (notify.Report, error) {
	s, env, err := b.notifySite()
	if err != nil {
		return notify.Report{}, err
	}
	facts, err := b.NotifyFacts(ctx, s)
	if err != nil {
		return notify.Report{}, err
	}
	return notify.Check(ctx, facts, b.env(nil).Path(notify.StateFile), env, b.sender(), time.Now())
}

// NotifyTest sends the test mail and returns its subject.
func (b *Box) NotifyTest(ctx context.Context) (string, notify.Envelope, error) {
	_, env, err := b.notifySite()
	if err != nil {
		return "", env, err
	}
	subj, err := notify.SendTest(ctx, env, b.sender(), time.Now())
	return subj, env, err
}

// NotifyStatus returns the recipients and the open problems as the last
// check run left them.
func (b *Box) NotifyStatus(context.Context) (NotifyStatus, error) {
	s, env, err := b.notifySite()
	if err != nil {
		return NotifyStatus{}, err
	}
	st, err := notify.LoadState(b.env(nil).Path(notify.StateFile))
	return NotifyStatus{To: s.Notify.To, From: env.From, State: st}, err
}

// NotifyFacts gathers what the alerts judge: the backup's run log (the
// backup service's own records), the use of the site's file systems, the
// states of the site's main units, and the certificates Posse manages.
func (b *Box) NotifyFacts(ctx context.Context, s *site.Site) (notify.Facts, error) {
	env := b.env(nil)
	var f notify.Facts
	if cfg, ok := backup.FromSite(s); ok {
		runs, err := backup.ReadRuns(env)
		if err != nil {
			return f, fmt.Errorf("cannot read the backup run log: %w", err)
		}
		last, lastOK := backup.Last(runs, backup.KindBackup)
		chk, _ := backup.Last(runs, backup.KindCheck)
		drill, _ := backup.Last(runs, backup.KindDrill)
		bf := &notify.Backup{Repository: cfg.Repository, Last: run(last), LastOK: run(lastOK), Setup: backup.SetupTime(env), Check: run(chk), Drill: run(drill)}
		for _, cp := range cfg.Copies {
			l, _ := backup.LastCopy(runs, cp.Name)
			bf.Copies = append(bf.Copies, notify.Copy{Name: cp.Name, Repository: cp.Repository, Last: run(l)})
		}
		f.Backup = bf
	}
	f.Disks = b.disks(s)
	for _, u := range b.unitStates(ctx, siteServices(s)) {
		if u.State != "unknown" {
			f.Units = append(f.Units, notify.Unit{Name: u.Unit, State: u.State})
		}
	}
	f.Certs = b.certs(s, env)
	return f, nil
}

func run(r backup.RunRecord) notify.Run { return notify.Run{Start: r.Start, Error: r.Error} }

// disks are the file systems of the site: the root, the data file system
// and those holding the shares, the home folders and a local backup
// repository, each once, named by its mount point.
func (b *Box) disks(s *site.Site) []notify.Disk {
	paths := []string{"/", storage.Mountpoint}
	if s.Storage != nil {
		paths = append(paths, s.Storage.Path)
	}
	for _, sh := range s.Shares {
		paths = append(paths, s.SharePath(sh))
	}
	if s.Homes.Enabled {
		paths = append(paths, site.HomesDir)
	}
	if cfg, ok := backup.FromSite(s); ok && backup.IsLocal(cfg.Repository) {
		paths = append(paths, cfg.Repository)
	}
	seen := map[string]bool{}
	var out []notify.Disk
	for _, p := range paths {
		mp, ok := b.mountPoint(p)
		if !ok || seen[mp] {
			continue
		}
		seen[mp] = true
		fs, err := fsutil.DiskOf(b.boxPath(mp))
		if err != nil || fs.Size == 0 {
			continue
		}
		out = append(out, notify.Disk{Path: mp, Free: fs.Free, UsedPercent: fs.UsedPercent()})
	}
	return out
}

// mountPoint returns the mount point of the file system holding p (a box
// path): the highest directory above it on the same device.
func (b *Box) mountPoint(p string) (string, bool) {
	var st syscall.Stat_t
	if syscall.Stat(b.boxPath(p), &st) != nil {
		return "", false
	}
	for p != "/" {
		parent := filepath.Dir(p)
		var ps syscall.Stat_t
		if syscall.Stat(b.boxPath(parent), &ps) != nil || ps.Dev != st.Dev {
			break
		}
		p = parent
	}
	return p, true
}

// certs are the certificates Posse manages: the site CA and the domain
// controller's (LDAPS) certificate, and with mail the copies Postfix and
// Dovecot serve.
func (b *Box) certs(s *site.Site, env *host.Env) []notify.Cert {
	type file struct{ show, real string }
	var files []file
	for _, name := range []string{ad.CACertFile, ad.ServerCrtFile} {
		files = append(files, file{filepath.Join(host.DefaultStateDir, ad.TLSDir, name), env.State(ad.TLSDir, name)})
	}
	if s.Mail != nil {
		for _, p := range []string{mail.PostfixCertPath, mail.DovecotCertPath} {
			files = append(files, file{p, b.boxPath(p)})
		}
	}
	var out []notify.Cert
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f.real)
		if err != nil {
			continue
		}
		blk, _ := pem.Decode(raw)
		if blk == nil {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			continue
		}
		// Postfix and Dovecot serve copies of one certificate: it alerts once.
		if id := c.Issuer.String() + "/" + c.SerialNumber.String(); !seen[id] {
			seen[id] = true
			out = append(out, notify.Cert{Path: f.show, NotAfter: c.NotAfter})
		}
	}
	return out
}
