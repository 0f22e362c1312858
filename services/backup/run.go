// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"github.com/posse-project/posse/daemon/api"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// RunOptions tune a backup run.
type RunOptions struct {
	// Scheduled marks a run started by the timer (in the run log).
	Scheduled bool
	// Progress receives restic's status lines (may be nil).
	Progress func(Status)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ADBackupArgv is the directory dump: samba-tool's offline backup, which
// takes the database locks itself and so is consistent while the DC runs,
// and needs no credentials (the online backup would need the
// administrator's password on the command line).
func ADBackupArgv(targetDir string) []string {
	return []string{"samba-tool", "domain", "backup", "offline", "--targetdir=" + targetDir}
}

// RunBackup dumps the directory, runs restic backup and the retention
// policy, and appends the result to the run log. The returned record is
// also what was logged; its Error is set when the run failed, and err is
// non-nil then too.
func RunBackup(ctx context.Context, env *host.Env, c Config, opt RunOptions) (RunRecord, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	rec := RunRecord{Kind: KindBackup, Start: now().UTC(), Scheduled: opt.Scheduled}
	return logRun(env, rec, now, func(rec *RunRecord) error { return runBackup(ctx, env, c, opt, rec) })
}

// logRun runs fn on rec, sets rec's duration (on the clock now) and
// error, and appends rec to the run log; an error of the log is returned
// when fn succeeded.
func logRun(env *host.Env, rec RunRecord, now func() time.Time, fn func(*RunRecord) error) (RunRecord, error) {
	err := fn(&rec)
	rec.Seconds = now().Sub(rec.Start).Seconds()
	if err != nil {
		rec.Error = err.Error()
		var re *ResticError
		if errors.As(err, &re) {
			rec.Reason = re.Reason
		}
	}
	if lerr := AppendRun(env, rec); lerr != nil && err == nil {
		err = lerr
	}
	return rec, err
}

func runBackup(ctx context.Context, env *host.Env, c Config, opt RunOptions, rec *RunRecord) error {
	unlock, err := lockRuns(env)
	if err != nil {
		return err
	}
	defer unlock()
	if err := checkPasswordFile(env); err != nil {
		return err
	}
	staging := env.Path(StagingDir)
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("cannot clear the staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	since := func(t time.Time) float64 { return float64(time.Since(t).Milliseconds()) / 1000 }
	if c.Directory {
		t0 := time.Now()
		if err := os.MkdirAll(env.Path(ADDumpDir), 0o700); err != nil {
			return err
		}
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: ADBackupArgv(ADDumpDir)}); err != nil {
			return fmt.Errorf("the directory (AD) backup failed, nothing was backed up: %w", err)
		}
		rec.DumpSeconds = since(t0)
	}
	paths := ExistingPaths(env, c)
	r := NewRestic(env, c.Repository)
	t0 := time.Now()
	var fs []frozen
	thaw := func() {}
	if env.Root == "" || env.Root == "/" { // a real box: a mount namespace can show the snapshots
		if fs, thaw, err = freeze(ctx, env, c); err != nil {
			return err
		}
	}
	defer thaw()
	var sum Summary
	err = inFrozenView(env, fs, func() error {
		var err error
		sum, err = r.Backup(ctx, paths, c.Exclude, opt.Progress)
		return err
	})
	if err != nil {
		return err
	}
	rec.Frozen = len(fs)
	rec.BackupSeconds = since(t0)
	rec.FilesNew, rec.FilesChanged, rec.FilesUnmodified = sum.FilesNew, sum.FilesChanged, sum.FilesUnmodified
	rec.BytesAdded, rec.BytesProcessed, rec.SnapshotID = sum.DataAdded, sum.TotalBytesProcessed, sum.SnapshotID
	rec.Warning = sum.Warning
	t0 = time.Now()
	err = r.Forget(ctx, c.Keep)
	rec.ForgetSeconds = since(t0)
	if err != nil {
		w := "retention (forget --prune) failed, old snapshots were kept: " + err.Error()
		if rec.Warning != "" {
			w = rec.Warning + "; " + w
		}
		rec.Warning = w
	}
	rec.RepoBytes = measure(ctx, r)
	return nil
}

// measure returns the repository's size, 0 when restic stats fails: the
// size is for people to see, and an unknown one is shown as unknown
// rather than failing a run that has done its job.
func measure(ctx context.Context, r *Restic) int64 {
	n, err := r.Stats(ctx)
	if err != nil {
		return 0
	}
	return n
}

// RunCheck runs restic check and logs the result.
func RunCheck(ctx context.Context, env *host.Env, c Config, scheduled bool) (RunRecord, error) {
	rec := RunRecord{Kind: KindCheck, Start: time.Now().UTC(), Scheduled: scheduled}
	return logRun(env, rec, time.Now, func(rec *RunRecord) error {
		unlock, err := lockRuns(env)
		if err != nil {
			return err
		}
		defer unlock()
		if err := checkPasswordFile(env); err != nil {
			return err
		}
		err = NewRestic(env, c.Repository).Check(ctx, c.ReadDataSubset)
		return errors.Join(err, checkCopies(ctx, env, c, rec))
	})
}

// checkCopies checks each sftp copy's repository as the main one (a usb
// copy's disk is left alone: it is plugged in only for its copies),
// holding the copy's lock; it counts the copies that passed.
func checkCopies(ctx context.Context, env *host.Env, c Config, rec *RunRecord) error {
	var errs []error
	for _, cp := range c.Copies {
		t, err := site.ParseCopyTarget(cp.Repository)
		if err != nil || t.Kind != site.CopyKindSFTP {
			continue
		}
		unlock, err := lockCopy(env, cp.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("copy %s: %w", cp.Name, err))
			continue
		}
		err = NewRestic(env, cp.Repository).Check(ctx, c.ReadDataSubset)
		unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("copy %s (%s): %w", cp.Name, cp.Repository, err))
			continue
		}
		rec.CopiesChecked++
	}
	return errors.Join(errs...)
}

func checkPasswordFile(env *host.Env) error {
	st, err := os.Stat(env.Path(PasswordFile))
	if err != nil {
		return fmt.Errorf("the backup password file %s is missing: apply the site again", PasswordFile)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("the backup password file %s is readable by others (mode %04o): chmod 600 it", PasswordFile, st.Mode().Perm())
	}
	return nil
}

// ErrBusy means another backup, check or restore holds the lock.
var ErrBusy = api.Keyed(errors.New("another backup, check or restore is running; try again when it has finished"), api.KeyBackupRunning)

// lockRuns takes the run lock so a timer run and a manual one never
// overlap (restic's own repository lock would make the second fail late).
func lockRuns(env *host.Env) (func(), error) {
	p := env.Path(filepath.Join(StateDir, "run.lock"))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrBusy
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
