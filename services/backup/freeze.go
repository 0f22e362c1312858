// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"

	"github.com/posse-project/posse/internal/btrfs"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"golang.org/x/sys/unix"
)

// FreezeName is the read-only snapshot a backup run takes of each share
// and home folder with Previous Versions, inside its SnapshotDir; Samba
// does not list it (it is no @GMT- name) and the run deletes it after.
const FreezeName = ".posse-backup"

// frozen is one subvolume read from its snapshot: Snapshot is bound over
// Path while restic reads.
type frozen struct {
	Path, Snapshot string
}

// isSubvolume tells a btrfs subvolume; tests replace it.
var isSubvolume = btrfs.IsSubvolume

// frozenPaths are the subvolumes the run freezes: the shares with
// Previous Versions, and every home folder under HomesDir when homes have
// them.
func frozenPaths(env *host.Env, c Config) []string {
	var out []string
	for _, p := range c.Frozen {
		if p != HomesDir {
			out = append(out, p)
			continue
		}
		ents, err := os.ReadDir(env.Path(HomesDir))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if e.IsDir() {
				out = append(out, path.Join(HomesDir, e.Name()))
			}
		}
	}
	sort.Strings(out)
	return out
}

// freeze takes a fresh read-only snapshot of each subvolume of c.Frozen
// that is one (a share not yet made a subvolume is read live), so that
// restic reads each share as it was at one instant while people work.
// thaw deletes them; it is safe to call after an error.
func freeze(ctx context.Context, env *host.Env, c Config) (fs []frozen, thaw func(), err error) {
	thaw = func() {
		for _, f := range fs {
			env.Runner.Run(context.WithoutCancel(ctx), host.Cmd{Argv: []string{"btrfs", "subvolume", "delete", env.Path(f.Snapshot)}})
		}
	}
	for _, p := range frozenPaths(env, c) {
		ok, err := isSubvolume(env.Path(p))
		if err != nil || !ok {
			continue
		}
		dir := path.Join(p, site.SnapshotDir)
		snap := path.Join(dir, FreezeName)
		if err := os.Mkdir(env.Path(dir), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			thaw()
			return nil, func() {}, fmt.Errorf("snapshot folder of %s: %w", p, err)
		}
		if _, err := os.Lstat(env.Path(snap)); err == nil { // left by a run that died
			if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "delete", env.Path(snap)}}); err != nil {
				thaw()
				return nil, func() {}, fmt.Errorf("delete the snapshot an earlier backup left in %s: %w", p, err)
			}
		}
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "snapshot", "-r", env.Path(p), env.Path(snap)}}); err != nil {
			thaw()
			return nil, func() {}, fmt.Errorf("snapshot %s for the backup: %w", p, err)
		}
		fs = append(fs, frozen{Path: p, Snapshot: snap})
	}
	return fs, thaw, nil
}

// inFrozenView runs fn on a thread of its own in a private mount
// namespace where each snapshot of fs is bound read-only over its
// subvolume's path, so the commands fn starts (restic) see the shares as
// frozen, under their own paths; the rest of the box sees nothing of it.
// The thread ends with fn, and the namespace with it.
func inFrozenView(env *host.Env, fs []frozen, fn func() error) error {
	if len(fs) == 0 {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread, with its namespace, exits with
		// this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			errc <- fmt.Errorf("private mount namespace for the backup: %w", err)
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			errc <- fmt.Errorf("private mount namespace for the backup: %w", err)
			return
		}
		for _, f := range fs {
			src, dst := env.Path(f.Snapshot), env.Path(f.Path)
			if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
				errc <- fmt.Errorf("bind the snapshot of %s for the backup: %w", f.Path, err)
				return
			}
			if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				errc <- fmt.Errorf("bind the snapshot of %s read-only: %w", f.Path, err)
				return
			}
		}
		errc <- fn()
	}()
	return <-errc
}
