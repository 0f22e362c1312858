// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Snapshot is one read-only snapshot of a share.
type Snapshot struct {
	Share string `json:"share"`
	// Name is @GMT-YYYY.MM.DD-hh.mm.ss, the time in UTC.
	Name string    `json:"name"`
	Time time.Time `json:"time"`
	// Path is where it lies on the box.
	Path string `json:"path"`
}

// SnapshotShares returns the shares and home folders of cfg with
// snapshots (a home as a share named after its user), or only the one
// named (case-insensitive); naming a share without snapshots is an error.
func SnapshotShares(cfg Config, share string) ([]Share, error) {
	if share == "" {
		return snapshotDirs(cfg), nil
	}
	if sh, ok := cfg.FindShare(share); ok && !sh.Snapshots {
		return nil, fmt.Errorf("share %s has no snapshots: the site has no snapshots section, or the share says snapshots: false", quote(sh.Name))
	}
	for _, sh := range snapshotDirs(cfg) {
		if strings.EqualFold(sh.Name, share) {
			return []Share{sh}, nil
		}
	}
	return nil, fmt.Errorf("no share or home folder %s with snapshots in the applied site", quote(share))
}

// ListSnapshots returns the snapshots of a share, newest first: the
// entries of its SnapshotDir named as SnapshotName makes them (others
// are not Posse's and are left out).
func ListSnapshots(env *host.Env, sh Share) ([]Snapshot, error) {
	if err := SharePathError(sh.Path); err != nil {
		return nil, err
	}
	dir := path.Join(sh.Path, SnapshotDir)
	ents, err := os.ReadDir(env.Path(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Snapshot
	for _, e := range ents {
		t, ok := ParseSnapshotName(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		out = append(out, Snapshot{Share: sh.Name, Name: e.Name(), Time: t, Path: path.Join(dir, e.Name())})
	}
	slices.SortFunc(out, func(a, b Snapshot) int { return b.Time.Compare(a.Time) })
	return out, nil
}

// TakeResult is what TakeSnapshots did.
type TakeResult struct {
	Taken  []Snapshot `json:"taken"`
	Pruned []Snapshot `json:"pruned"`
	// PrunedForSpace are the snapshots deleted beyond the keep rules
	// because the disk had less than MinFreePercent free.
	PrunedForSpace []Snapshot `json:"pruned_for_space,omitempty"`
	// Warning says what PrunedForSpace did, or that space stays low.
	Warning string `json:"warning,omitempty"`
}

// TakeSnapshots takes a read-only snapshot of each share at now
// (`btrfs subvolume snapshot -r SHARE SHARE/.snapshots/@GMT-…`, argv, no
// shell) and then deletes the snapshots the keep rules no longer keep
// (`btrfs subvolume delete`), with hours, days and weeks of loc. The
// share must be a btrfs subvolume (apply makes it one). A snapshot that
// already exists for this second is not taken again. It goes on with the
// next share after a failure and returns every failure.
//
// Then, while a share's file system has less than MinFreePercent free
// (space tells; nil is statfs), it deletes snapshots oldest first beyond
// the keep rules (PruneForSpace) and says so in the result's Warning.
func TakeSnapshots(ctx context.Context, env *host.Env, shares []Share, keep site.SnapshotKeep, now time.Time, loc *time.Location, space DiskSpace) (TakeResult, error) {
	var res TakeResult
	var errs []error
	var ok []Share
	for _, sh := range shares {
		taken, pruned, err := takeShare(ctx, env, sh, keep, now, loc)
		if taken != nil {
			res.Taken = append(res.Taken, *taken)
		}
		res.Pruned = append(res.Pruned, pruned...)
		if err != nil {
			errs = append(errs, fmt.Errorf("share %s: %w", quote(sh.Name), err))
		} else {
			ok = append(ok, sh)
		}
	}
	if space == nil {
		space = Statfs
	}
	pruned, warning, err := PruneForSpace(ctx, env, ok, space)
	res.PrunedForSpace, res.Warning = pruned, warning
	if err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

func takeShare(ctx context.Context, env *host.Env, sh Share, keep site.SnapshotKeep, now time.Time, loc *time.Location) (*Snapshot, []Snapshot, error) {
	if err := SharePathError(sh.Path); err != nil {
		return nil, nil, err
	}
	if err := CheckNoEscape(env.Root, sh.Path); err != nil {
		return nil, nil, err
	}
	full := env.Path(sh.Path)
	ok, err := isSubvolume(full)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("%s is not a btrfs subvolume: apply the site (possectl apply) to make it one; see %s", sh.Path, SnapshotsDoc)
	}
	dir := path.Join(sh.Path, SnapshotDir)
	if err := os.Mkdir(env.Path(dir), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, nil, err
	}
	fi, err := os.Lstat(env.Path(dir))
	if err != nil || !fi.IsDir() {
		return nil, nil, fmt.Errorf("%s is not a directory: move it away", dir)
	}
	// Samba lists the snapshots as the user: 0755 whatever the umask.
	if fi.Mode().Perm() != 0o755 {
		if err := os.Chmod(env.Path(dir), 0o755); err != nil {
			return nil, nil, err
		}
	}
	name := SnapshotName(now)
	snap := &Snapshot{Share: sh.Name, Name: name, Time: now.UTC().Truncate(time.Second), Path: path.Join(dir, name)}
	if _, err := os.Lstat(env.Path(snap.Path)); err == nil {
		snap = nil // taken this second already
	} else if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "snapshot", "-r", full, env.Path(snap.Path)}}); err != nil {
		return nil, nil, fmt.Errorf("snapshot %s: %w", sh.Path, err)
	}
	all, err := ListSnapshots(env, sh)
	if err != nil {
		return snap, nil, err
	}
	times := make([]time.Time, len(all))
	for i, s := range all {
		times[i] = s.Time
	}
	_, gone := PruneSnapshots(times, keep, loc)
	var pruned []Snapshot
	for _, s := range all {
		if !slices.ContainsFunc(gone, s.Time.Equal) {
			continue
		}
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "delete", env.Path(s.Path)}}); err != nil {
			return snap, pruned, fmt.Errorf("delete snapshot %s: %w", s.Path, err)
		}
		pruned = append(pruned, s)
	}
	return snap, pruned, nil
}
