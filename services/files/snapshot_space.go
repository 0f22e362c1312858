// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// MinFreePercent is the free space, in percent of the file system, below
// which a take deletes snapshots oldest first (beyond the keep rules),
// so that snapshots never fill the disk the office works on.
const MinFreePercent = 10

// spaceStateFile, in the state directory, holds the last take's warning
// about space (absent when there was none), for status.
const spaceStateFile = "snapshots-space.json"

// DiskSpace tells the free and total bytes of the file system holding a
// path (statfs for the box; tests give their own).
type DiskSpace func(path string) (free, size uint64, err error)

// Statfs is the DiskSpace of the box: the bytes an unprivileged writer
// may still use.
func Statfs(p string) (free, size uint64, err error) { return fsutil.Space(p) }

// lowOnSpace reports whether the file system of p has less than
// MinFreePercent free, and the free percentage.
func lowOnSpace(space DiskSpace, p string) (bool, float64, error) {
	free, size, err := space(p)
	if err != nil || size == 0 {
		return false, 100, err
	}
	pct := float64(free) * 100 / float64(size)
	return pct < MinFreePercent, pct, nil
}

// PruneForSpace deletes snapshots of the shares, oldest first across
// them, while the file system of a share has less than MinFreePercent
// free. The newest snapshot of each share always stays. After each
// deletion it waits for btrfs to free the space (`btrfs subvolume sync`).
// The warning says what it did, or that space stays low; it is "" when
// there was room.
func PruneForSpace(ctx context.Context, env *host.Env, shares []Share, space DiskSpace) (pruned []Snapshot, warning string, err error) {
	findLow := func() ([]Share, float64, error) {
		var low []Share
		lowest := 100.0
		for _, sh := range shares {
			isLow, pct, err := lowOnSpace(space, env.Path(sh.Path))
			if err != nil {
				return nil, 0, fmt.Errorf("free space of %s: %w", sh.Path, err)
			}
			if isLow {
				low = append(low, sh)
				lowest = min(lowest, pct)
			}
		}
		return low, lowest, nil
	}
	low, lowest, err := findLow()
	if err != nil || len(low) == 0 {
		return nil, "", err
	}
	// Snapshots the keep rules just deleted free their blocks in the
	// background: count that space before deleting more.
	for _, sh := range low {
		if err := settle(ctx, env, sh.Path); err != nil {
			return nil, "", err
		}
	}
	if low, lowest, err = findLow(); err != nil || len(low) == 0 {
		return nil, "", err
	}
	var candidates []Snapshot
	for _, sh := range low {
		all, err := ListSnapshots(env, sh)
		if err != nil {
			return nil, "", err
		}
		if len(all) > 1 {
			candidates = append(candidates, all[1:]...) // all but the newest
		}
	}
	slices.SortFunc(candidates, func(a, b Snapshot) int { return a.Time.Compare(b.Time) })
	byName := map[string]Share{}
	for _, sh := range low {
		byName[sh.Name] = sh
	}
	for _, s := range candidates {
		stillLow := false
		for _, sh := range low {
			if isLow, _, err := lowOnSpace(space, env.Path(sh.Path)); err == nil && isLow {
				stillLow = true
			}
		}
		if !stillLow {
			break
		}
		// --commit-after: the cleaner starts at once, not at the next
		// periodic commit.
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"btrfs", "subvolume", "delete", "--commit-after", env.Path(s.Path)}}); err != nil {
			return pruned, "", fmt.Errorf("delete snapshot %s to make room: %w", s.Path, err)
		}
		pruned = append(pruned, s)
		if err := settle(ctx, env, byName[s.Share].Path); err != nil {
			return pruned, "", err
		}
	}
	var left []string
	after := 100.0
	for _, sh := range low {
		if isLow, pct, err := lowOnSpace(space, env.Path(sh.Path)); err == nil && isLow {
			left = append(left, sh.Path)
			after = min(after, pct)
		}
	}
	switch {
	case len(pruned) > 0 && len(left) == 0:
		warning = fmt.Sprintf("the disk of the shares had %.0f%% free: deleted %d snapshots beyond the keep rules, oldest first (%s to %s); make room or add disk space before older versions run short",
			lowest, len(pruned), pruned[0].Name, pruned[len(pruned)-1].Name)
	case len(pruned) > 0:
		warning = fmt.Sprintf("the disk of %s has %.0f%% free even after deleting %d snapshots, oldest first (%s to %s): only the newest snapshot of each share is left; delete files or add disk space",
			strings.Join(left, ", "), after, len(pruned), pruned[0].Name, pruned[len(pruned)-1].Name)
	default:
		warning = fmt.Sprintf("the disk of %s has %.0f%% free and only the newest snapshot of each share is left: delete files or add disk space",
			strings.Join(left, ", "), after)
	}
	return pruned, warning, nil
}

// settle waits until btrfs has cleaned the deleted subvolumes of the file
// system holding p (`btrfs subvolume sync`) and committed the freed space
// (`btrfs filesystem sync`), so that statfs counts it.
func settle(ctx context.Context, env *host.Env, p string) error {
	for _, argv := range [][]string{{"btrfs", "subvolume", "sync", env.Path(p)}, {"btrfs", "filesystem", "sync", env.Path(p)}} {
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: argv}); err != nil {
			return fmt.Errorf("wait for btrfs to free the space of deleted snapshots: %w", err)
		}
	}
	return nil
}

// spaceState is what spaceStateFile holds.
type spaceState struct {
	Time    time.Time `json:"time"`
	Warning string    `json:"warning"`
}

// saveSpaceWarning keeps the take's warning for status (0600, atomic), or
// removes the last one when there is none.
func saveSpaceWarning(env *host.Env, now time.Time, warning string) error {
	p := env.State(spaceStateFile)
	if warning == "" {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.Marshal(spaceState{Time: now.UTC(), Warning: warning})
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(p, b, 0o600, fsutil.NoID, fsutil.NoID)
}

// SpaceWarning is the last take's warning about space and when it was
// given, or "" when the last take found room.
func SpaceWarning(env *host.Env) (string, time.Time) {
	b, err := os.ReadFile(env.State(spaceStateFile))
	if err != nil {
		return "", time.Time{}
	}
	var st spaceState
	if json.Unmarshal(b, &st) != nil {
		return "", time.Time{}
	}
	return st.Warning, st.Time
}
