// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"github.com/posse-project/posse/daemon/api"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// KindCopy is the run kind of an off-site copy in the run log.
const KindCopy = "copy"

// Copy units are named CopyUnitPrefix + NAME + ".service" / ".timer".
const CopyUnitPrefix = "posse-backup-copy-"

// CopyMountDir is where a usb:LABEL copy's disk is mounted during a run
// (CopyMountDir/NAME); the repository lies in USBRepoDir on the disk.
const (
	CopyMountDir = "/run/posse/copy"
	USBRepoDir   = "posse-backup"
)

var copyNameRE = regexp.MustCompile(site.CopyNamePattern)

// CopyServiceUnit is the service that runs copy name.
func CopyServiceUnit(name string) string { return CopyUnitPrefix + name + ".service" }

// CopyTimerUnit is the timer of copy name.
func CopyTimerUnit(name string) string { return CopyUnitPrefix + name + ".timer" }

// RenderCopyUnits renders the service and timer of one copy: the service
// runs `possectl backup copy NAME --scheduled`, the timer starts it on the
// copy's schedule.
func RenderCopyUnits(possectl string, cp Copy) (UnitFiles, error) {
	if !strings.HasPrefix(possectl, "/") || strings.ContainsAny(possectl, " \t\n%$\"'\\") {
		return nil, fmt.Errorf("possectl path %q must be absolute without spaces, quotes or %%", possectl)
	}
	if !copyNameRE.MatchString(cp.Name) {
		return nil, fmt.Errorf("backup copy name %q is not valid", cp.Name)
	}
	if cp.Schedule == "" || strings.ContainsAny(cp.Schedule, "\n\r%") {
		return nil, fmt.Errorf("schedule %q holds characters systemd does not accept", cp.Schedule)
	}
	out := UnitFiles{}
	if err := out.add(CopyServiceUnit(cp.Name), serviceOptions("Posse: copy the backup repository to "+cp.Name+" (restic copy)",
		possectl+" backup copy "+cp.Name+" --scheduled")); err != nil {
		return nil, err
	}
	if err := out.add(CopyTimerUnit(cp.Name), timerOptions("Posse: scheduled copy of the backup repository to "+cp.Name, cp.Schedule, "5min")); err != nil {
		return nil, err
	}
	return out, nil
}

// ErrCopyBusy means a run of the same copy is still going on.
var ErrCopyBusy = api.Keyed(errors.New("this copy is already running; try again when it has finished"), api.KeyCopyRunning)

// CopyOptions tune a copy run.
type CopyOptions struct {
	// Scheduled marks a run started by the timer (in the run log).
	Scheduled bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RunCopy copies the main repository's snapshots into copy cp with restic
// copy, initialising the copy's repository first when it does not exist
// (with the main repository's chunker parameters, so deduplication
// works), applies the keep policy to the copy, and appends the result to
// the run log. Both repositories open with the box's password file, which
// restic reads itself. A usb:LABEL copy's disk is mounted for the run and
// unmounted after it.
func RunCopy(ctx context.Context, env *host.Env, c Config, cp Copy, opt CopyOptions) (RunRecord, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	rec := RunRecord{Kind: KindCopy, Copy: cp.Name, Target: cp.Repository, Start: now().UTC(), Scheduled: opt.Scheduled}
	return logRun(env, rec, now, func(rec *RunRecord) error { return runCopy(ctx, env, c, cp, rec) })
}

func runCopy(ctx context.Context, env *host.Env, c Config, cp Copy, rec *RunRecord) error {
	if !copyNameRE.MatchString(cp.Name) {
		return fmt.Errorf("backup copy name %q is not valid", cp.Name)
	}
	if env.Runner == nil {
		return errors.New("restic cannot run without access to the box")
	}
	unlock, err := lockCopy(env, cp.Name)
	if err != nil {
		return err
	}
	defer unlock()
	if err := checkPasswordFile(env); err != nil {
		return err
	}
	target, err := site.ParseCopyTarget(cp.Repository)
	if err != nil {
		return err
	}
	repo := cp.Repository
	if target.Kind == site.CopyKindUSB {
		mnt, umount, err := mountUSB(ctx, env, cp.Name, target.Label)
		if err != nil {
			return err
		}
		defer umount()
		repo = mnt + "/" + USBRepoDir
		if err := os.MkdirAll(env.Path(repo), 0o700); err != nil {
			return fmt.Errorf("cannot create the repository folder on the disk %s: %w", target.Label, err)
		}
	}
	if err := os.MkdirAll(env.Path(CacheDir), 0o700); err != nil {
		return err
	}
	dst := NewRestic(env, repo)
	from := []string{"--from-repo", c.Repository, "--from-password-file", PasswordFile}
	ok, err := dst.Exists(ctx)
	if err != nil {
		if IsReason(err, ReasonWrongPassword) {
			return nameTarget(err, repo, cp.Repository)
		}
		if target.Kind == site.CopyKindSFTP {
			if why := sshUnreachable(ctx, env, target.SFTP); why != "" {
				return fmt.Errorf("cannot open the copy's repository %s: %s; %w", cp.Repository, why, err)
			}
		}
		return fmt.Errorf("cannot open the copy's repository %s: %w", cp.Repository, err)
	}
	if !ok {
		if _, err := dst.run(ctx, "init", append([]string{"--copy-chunker-params"}, from...)...); err != nil {
			return fmt.Errorf("cannot initialise the copy's repository %s: %w", cp.Repository, err)
		}
	}
	if _, err := dst.run(ctx, "copy", from...); err != nil {
		return nameTarget(err, repo, cp.Repository)
	}
	if err := dst.Forget(ctx, c.Keep); err != nil {
		rec.Warning = "retention (forget --prune) on the copy failed, old snapshots were kept: " + err.Error()
	}
	snaps, err := dst.Snapshots(ctx)
	if err != nil {
		return fmt.Errorf("the copy ran but its snapshots cannot be listed: %w", err)
	}
	rec.Snapshots = len(snaps)
	if len(snaps) > 0 {
		rec.SnapshotID = snaps[len(snaps)-1].ShortID
	}
	rec.RepoBytes = measure(ctx, dst)
	return nil
}

// nameTarget makes a recognised failure about the repository repo (a usb
// copy's mount point) name the copy's target as the template does.
func nameTarget(err error, repo, target string) error {
	var re *ResticError
	if errors.As(err, &re) && re.Repo == repo {
		re.Repo = target
	}
	return err
}

// mountUSB mounts the disk labelled label at CopyMountDir/name and returns
// the mount point and a function that unmounts it.
func mountUSB(ctx context.Context, env *host.Env, name, label string) (string, func(), error) {
	dev := "/dev/disk/by-label/" + label
	if _, err := os.Stat(env.Path(dev)); err != nil {
		return "", nil, fmt.Errorf("no disk labelled %s is attached (%s does not exist): plug in the copy disk and run 'possectl backup copy %s'", label, dev, name)
	}
	mnt := CopyMountDir + "/" + name
	if err := os.MkdirAll(env.Path(mnt), 0o700); err != nil {
		return "", nil, err
	}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"mount", "-o", "nosuid,nodev,noexec", "--", dev, mnt}}); err != nil {
		return "", nil, fmt.Errorf("cannot mount the disk labelled %s: %w", label, err)
	}
	return mnt, func() {
		// Unmount even when the run's context was cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		env.Runner.Run(ctx, host.Cmd{Argv: []string{"umount", "--", mnt}})
	}, nil
}

// lockCopy takes copy name's lock, so a timer run and a manual one of the
// same copy never overlap. Copies do not take the backup's run lock: restic
// locks the main repository itself, and a copy must not make a backup fail.
func lockCopy(env *host.Env, name string) (func(), error) {
	p := env.Path(filepath.Join(StateDir, "copy-"+name+".lock"))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrCopyBusy
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// LastCopy returns copy name's last run and last successful run (zero
// values when there is none).
func LastCopy(runs []RunRecord, name string) (last, lastOK RunRecord) {
	for _, r := range runs {
		if r.Kind != KindCopy || r.Copy != name {
			continue
		}
		last = r
		if r.OK() {
			lastOK = r
		}
	}
	return last, lastOK
}

// sshDialTimeout bounds sshUnreachable's connection attempt.
var sshDialTimeout = 10 * time.Second

// sshUnreachable says why ssh cannot reach an sftp target, or "" when its
// port accepts connections (or cannot be told): restic reports a failed
// ssh only as a closed sftp session, and ssh's own message may be lost.
// The address is ssh's own idea of it (ssh -G: host name and port after
// root's ssh configuration).
func sshUnreachable(ctx context.Context, env *host.Env, r site.SFTPRepository) string {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"ssh", "-G", "--", r.User + "@" + r.Host}})
	if err != nil {
		return ""
	}
	hostname, port := r.Host, "22"
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch k {
		case "hostname":
			hostname = v
		case "port":
			port = v
		}
	}
	d := net.Dialer{Timeout: sshDialTimeout}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(hostname, port))
	if err != nil {
		return "the server does not accept ssh connections: " + err.Error()
	}
	c.Close()
	return ""
}
