// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// spaceBox is a root with snapshot folders, whose disk frees cost[name]
// bytes when a snapshot of that name is deleted.
type spaceBox struct {
	t     *testing.T
	root  string
	used  uint64
	size  uint64
	cost  map[string]uint64
	argvs []string
}

func (b *spaceBox) Run(_ context.Context, c host.Cmd) (host.Result, error) {
	b.argvs = append(b.argvs, strings.Join(c.Argv, " "))
	if len(c.Argv) == 5 && c.Argv[1] == "subvolume" && c.Argv[2] == "delete" {
		if err := os.Remove(c.Argv[4]); err != nil {
			b.t.Fatal(err)
		}
		b.used -= b.cost[filepath.Base(c.Argv[4])]
	}
	return host.Result{}, nil
}

func (b *spaceBox) space(string) (uint64, uint64, error) { return b.size - b.used, b.size, nil }

func newSpaceBox(t *testing.T, used uint64, snaps map[string][]time.Time, cost uint64) (*spaceBox, *host.Env, []Share) {
	b := &spaceBox{t: t, root: t.TempDir(), used: used, size: 1000, cost: map[string]uint64{}}
	env := &host.Env{Root: b.root, StateDir: "/var/lib/posse", Runner: b}
	var shares []Share
	for _, name := range []string{"akten", "scans"} {
		sh := Share{Name: name, Path: "/srv/posse/shares/" + name}
		shares = append(shares, sh)
		for _, at := range snaps[name] {
			n := SnapshotName(at)
			if err := os.MkdirAll(env.Path(sh.Path+"/.snapshots/"+n), 0o755); err != nil {
				t.Fatal(err)
			}
			b.cost[n] = cost
		}
	}
	return b, env, shares
}

func TestPruneForSpace(t *testing.T) {
	h := func(n int) time.Time { return time.Date(2026, 12, 7, n, 0, 0, 0, time.UTC) }
	snaps := map[string][]time.Time{"akten": {h(8), h(10), h(12)}, "scans": {h(9), h(11)}}

	t.Run("room: nothing is deleted", func(t *testing.T) {
		b, env, shares := newSpaceBox(t, 850, snaps, 30)
		pruned, warning, err := PruneForSpace(t.Context(), env, shares, b.space)
		if err != nil || len(pruned) != 0 || warning != "" || len(b.argvs) != 0 {
			t.Errorf("pruned %v, warning %q, ran %v, err %v", pruned, warning, b.argvs, err)
		}
	})
	t.Run("low: oldest first across shares until there is room", func(t *testing.T) {
		b, env, shares := newSpaceBox(t, 950, snaps, 30) // 5% free; two deletions make 11%
		pruned, warning, err := PruneForSpace(t.Context(), env, shares, b.space)
		if err != nil {
			t.Fatal(err)
		}
		if len(pruned) != 2 || !pruned[0].Time.Equal(h(8)) || !pruned[1].Time.Equal(h(9)) {
			t.Errorf("pruned %+v, want the 08:00 and 09:00 snapshots", pruned)
		}
		if !strings.Contains(warning, "had 5% free: deleted 2 snapshots beyond the keep rules, oldest first") {
			t.Errorf("warning %q", warning)
		}
		// A sync per low share first (space the keep rules freed), then a
		// sync after each delete.
		want := []string{"btrfs subvolume sync ", "btrfs filesystem sync ", "btrfs subvolume sync ", "btrfs filesystem sync ",
			"btrfs subvolume delete --commit-after ", "btrfs subvolume sync ", "btrfs filesystem sync "}
		for i, w := range want {
			if i >= len(b.argvs) || !strings.HasPrefix(b.argvs[i], w) {
				t.Fatalf("ran %q: want a sync per share, then each delete followed by a sync", b.argvs)
			}
		}
		if len(b.argvs) != 10 {
			t.Errorf("ran %d commands, want 10: %q", len(b.argvs), b.argvs)
		}
	})
	t.Run("still low: the newest of each share stays and the warning says so", func(t *testing.T) {
		b, env, shares := newSpaceBox(t, 990, snaps, 10)
		pruned, warning, err := PruneForSpace(t.Context(), env, shares, b.space)
		if err != nil {
			t.Fatal(err)
		}
		if len(pruned) != 3 {
			t.Errorf("pruned %d snapshots, want all but the newest of each share (3)", len(pruned))
		}
		for _, keep := range []string{"akten/.snapshots/" + SnapshotName(h(12)), "scans/.snapshots/" + SnapshotName(h(11))} {
			if _, err := os.Stat(env.Path("/srv/posse/shares/" + keep)); err != nil {
				t.Errorf("the newest snapshot %s is gone", keep)
			}
		}
		if !strings.Contains(warning, "has 4% free even after deleting 3 snapshots") || !strings.Contains(warning, "only the newest snapshot of each share is left") {
			t.Errorf("warning %q", warning)
		}
	})
	t.Run("the warning is kept for status and cleared by a take with room", func(t *testing.T) {
		_, env, _ := newSpaceBox(t, 0, nil, 0)
		if err := os.MkdirAll(env.State(), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := saveSpaceWarning(env, h(12), "the disk is full"); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(env.State(spaceStateFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("state file: %v %v", fi, err)
		}
		if w, at := SpaceWarning(env); w != "the disk is full" || !at.Equal(h(12)) {
			t.Errorf("SpaceWarning = %q %v", w, at)
		}
		if err := saveSpaceWarning(env, h(13), ""); err != nil {
			t.Fatal(err)
		}
		if w, _ := SpaceWarning(env); w != "" {
			t.Errorf("after a take with room the warning is %q", w)
		}
	})
}
