// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/backup"
)

// backupEnv is the applied site's backup configuration and an environment
// that can run restic and systemctl.
func (b *Box) backupEnv() (backup.Config, *host.Env, error) {
	s, _, err := b.applied()
	if err != nil {
		return backup.Config{}, nil, err
	}
	cfg, ok := backup.FromSite(s)
	if !ok {
		return cfg, nil, mark(daemon.ErrNotAvailable, fmt.Errorf("this site has no backup: add a backup section to the template and apply it"))
	}
	return cfg, b.cmdEnv(nil), nil
}

// restic runs restic with the password file the backup service keeps
// (restic reads it; the password never reaches argv or the environment).
func (b *Box) restic() (*backup.Restic, *host.Env, error) {
	cfg, env, err := b.backupEnv()
	if err != nil {
		return nil, nil, err
	}
	return &backup.Restic{Repo: cfg.Repository, PasswordFile: env.Path(backup.PasswordFile), CacheDir: env.Path(backup.CacheDir), Runner: env.Runner}, env, nil
}

// BackupStatus implements daemon.Backend from the applied site, the
// backup service's run log and the timer.
func (b *Box) BackupStatus(ctx context.Context) (api.BackupStatus, error) {
	cfg, env, err := b.backupEnv()
	if err != nil {
		if s, _, aerr := b.applied(); aerr == nil && s.Backup == nil {
			return api.BackupStatus{}, nil // no backup configured
		}
		return api.BackupStatus{}, err
	}
	st := api.BackupStatus{Configured: true, Repository: cfg.Repository, Schedule: cfg.Schedule}
	runs, err := backup.ReadRuns(env)
	if err != nil {
		return st, err
	}
	if last, ok := backup.Last(runs, backup.KindBackup); !last.Start.IsZero() {
		st.LastRun = last.Start.UTC().Format(time.RFC3339)
		st.LastResult = "success"
		if !last.OK() {
			st.LastResult = "failed"
		}
		if !ok.Start.IsZero() {
			st.LastSuccess = ok.Start.UTC().Format(time.RFC3339)
		}
	}
	if chk, _ := backup.Last(runs, backup.KindCheck); !chk.Start.IsZero() {
		st.LastCheck, st.LastCheckResult = chk.Start.UTC().Format(time.RFC3339), runResult(chk)
	}
	if d, _ := backup.Last(runs, backup.KindDrill); !d.Start.IsZero() {
		st.LastDrill, st.LastDrillResult, st.LastDrillDetail = d.Start.UTC().Format(time.RFC3339), runResult(d), d.Error
		if dr, ok, _ := backup.ReadDrill(env); ok && d.OK() && dr.Start.Equal(d.Start) {
			st.LastDrillDetail = dr.Summary()
		}
	}
	if n, _ := backup.LastSize(runs, backup.KindBackup, ""); n > 0 {
		st.SizeBytes = uint64(n)
	}
	if next, ok := backup.NextRun(ctx, env); ok {
		st.NextRun = next.UTC().Format(time.RFC3339)
	}
	units := []svcUnit{{backup.Name, backup.ServiceUnit}}
	for _, cp := range cfg.Copies {
		units = append(units, svcUnit{backup.Name, backup.CopyServiceUnit(cp.Name)})
	}
	states := b.unitStates(ctx, units)
	st.Running = states[0].State == "activating"
	st.Copies = []api.CopyStatus{}
	for i, cp := range cfg.Copies {
		st.Copies = append(st.Copies, copyStatus(ctx, env, runs, cp, states[i+1].State == "activating"))
	}
	return st, nil
}

// copyStatus is one copy's entry of BackupStatus.
func copyStatus(ctx context.Context, env *host.Env, runs []backup.RunRecord, cp backup.Copy, running bool) api.CopyStatus {
	cs := api.CopyStatus{Name: cp.Name, Repository: cp.Repository, Schedule: cp.Schedule, Running: running}
	last, ok := backup.LastCopy(runs, cp.Name)
	if !last.Start.IsZero() {
		cs.LastRun, cs.LastResult, cs.LastError = last.Start.UTC().Format(time.RFC3339), runResult(last), last.Error
	}
	if !ok.Start.IsZero() {
		cs.LastSuccess, cs.Snapshots = ok.Start.UTC().Format(time.RFC3339), int32(ok.Snapshots)
	}
	if n, _ := backup.LastSize(runs, backup.KindCopy, cp.Name); n > 0 {
		cs.SizeBytes = uint64(n)
	}
	if next, found := backup.NextElapse(ctx, env, backup.CopyTimerUnit(cp.Name)); found {
		cs.NextRun = next.UTC().Format(time.RFC3339)
	}
	return cs
}

// RunBackup implements daemon.Backend: it starts the backup service's unit
// and returns once systemd accepted the job; the run shows in
// BackupStatus.
func (b *Box) RunBackup(ctx context.Context) error {
	if _, _, err := b.backupEnv(); err != nil {
		return err
	}
	return b.startUnit(ctx, backup.ServiceUnit)
}

// RunCopy implements daemon.Backend: it starts the copy's unit and returns
// once systemd accepted the job; the run shows in BackupStatus.Copies.
func (b *Box) RunCopy(ctx context.Context, name string) error {
	cfg, _, err := b.backupEnv()
	if err != nil {
		return err
	}
	if _, ok := cfg.Copy(name); !ok {
		names := make([]string, 0, len(cfg.Copies))
		for _, cp := range cfg.Copies {
			names = append(names, cp.Name)
		}
		if len(names) == 0 {
			return mark(daemon.ErrNotFound, fmt.Errorf("the applied site has no backup copies: add backup.copies to the template and apply it"))
		}
		return mark(daemon.ErrNotFound, fmt.Errorf("no backup copy %q: the site has %s", name, strings.Join(names, ", ")))
	}
	return b.startUnit(ctx, backup.CopyServiceUnit(name))
}

// startUnit starts a unit through systemd and returns once the job is
// queued.
func (b *Box) startUnit(ctx context.Context, u string) error {
	if b.Bus == nil {
		return fmt.Errorf("systemd is not reachable: cannot start %s", u)
	}
	var job dbus.ObjectPath
	err := b.Bus.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1").
		CallWithContext(ctx, "org.freedesktop.systemd1.Manager.StartUnit", 0, u, "replace").Store(&job)
	if err != nil {
		return fmt.Errorf("cannot start %s: %w (see journalctl -u %s)", u, err, u)
	}
	return nil
}

// Snapshots implements daemon.Backend, oldest first.
func (b *Box) Snapshots(ctx context.Context) ([]api.Snapshot, error) {
	r, _, err := b.restic()
	if err != nil {
		return nil, err
	}
	snaps, err := r.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.Snapshot, 0, len(snaps))
	for _, s := range snaps {
		out = append(out, api.Snapshot{ID: s.ID, Time: s.Time.UTC().Format(time.RFC3339), Paths: s.Paths, Tags: s.Tags, Host: s.Hostname})
	}
	return out, nil
}

// Browse implements daemon.Backend: the direct children of dir.
func (b *Box) Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error) {
	r, _, err := b.restic()
	if err != nil {
		return nil, err
	}
	_, nodes, err := r.Ls(ctx, snapshot, dir)
	if err != nil {
		return nil, err
	}
	out := []api.Entry{}
	for _, n := range nodes {
		if n.Path == dir || path.Dir(n.Path) != dir {
			continue
		}
		out = append(out, api.Entry{Path: n.Path, Type: n.Type, Size: uint64(max(n.Size, 0)), ModTime: n.MTime.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

// Restore implements daemon.Backend with the backup service's restore: in
// place it never overwrites a file that differs; with a target it restores
// below it, which must be where site.CheckRestoreTarget allows (below /srv,
// outside the repository). Either way no file is written through a
// symbolic link.
func (b *Box) Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error) {
	cfg, env, err := b.backupEnv()
	if err != nil {
		return api.RestoreResult{}, err
	}
	if target != "" {
		if err := site.CheckRestoreTarget(target, cfg.Repository); err != nil {
			return api.RestoreResult{}, invalid(err)
		}
	}
	opt := backup.RestoreOptions{Snapshot: snapshot, Paths: paths, To: target}
	// Mailboxes (every path below the Maildirs, as possectl backup restore
	// --mailbox asks, one per mail domain) are merged as Maildirs: missing
	// messages come back, Dovecot's own files are left alone, and a domain
	// the snapshot lacks is skipped.
	opt.Maildir = allBelow(paths, backup.VmailDir)
	opt.SkipMissing = opt.Maildir
	res, err := backup.Restore(ctx, env, cfg.Repository, opt)
	out := api.RestoreResult{Snapshot: res.Snapshot.ID, To: res.To, Restored: res.Restored, Unchanged: int32(res.Unchanged)}
	for _, bs := range res.Beside {
		out.Beside = append(out.Beside, bs.Path+" → "+bs.As)
	}
	return out, err
}

// allBelow reports whether every path lies strictly below dir.
func allBelow(paths []string, dir string) bool {
	for _, p := range paths {
		if !strings.HasPrefix(path.Clean(p), dir+"/") {
			return false
		}
	}
	return len(paths) > 0
}

// runResult is a run record's outcome as BackupStatus reports it.
func runResult(r backup.RunRecord) string {
	if r.OK() {
		return "success"
	}
	return "failed"
}
