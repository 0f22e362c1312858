// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/posse-project/posse/e2e/harness"
)

// TestStoragePrepare formats an empty disk as btrfs at /srv with possectl
// storage prepare: only with --yes, never a disk that holds something,
// and the mount unit brings it back after a stop.
func TestStoragePrepare(t *testing.T) {
	tb := harness.Box(t, "storage", harness.Options{RawDisk: 512 << 20})
	dev := tb.RawDisk()
	if dev == "" {
		t.Fatal("the box has no raw disk")
	}
	srvFS := func() string { return strings.TrimSpace(tb.MustRun(t, "stat", "-f", "-c", "%T", "/srv")) }
	before := srvFS()

	t.Run("without --yes it only checks", func(t *testing.T) {
		_, errOut, code := tb.Output(t, "possectl", "storage", "prepare", dev)
		if code != 2 || !strings.Contains(errOut, dev+" (512.0 MiB) is empty: with --yes possectl formats it as btrfs") || !strings.Contains(errOut, "nothing was changed") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if _, _, code := tb.Output(t, "blkid", "-p", dev); code != 2 {
			t.Errorf("blkid finds something on %s after a check (exit %d)", dev, code)
		}
	})
	t.Run("a /srv with files is refused", func(t *testing.T) {
		tb.MustRun(t, "touch", "/srv/old.txt")
		_, errOut, code := tb.Output(t, "possectl", "storage", "prepare", dev, "--yes")
		tb.MustRun(t, "rm", "/srv/old.txt")
		if code == 0 || !strings.Contains(errOut, "/srv holds files (old.txt, …)") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("with --yes it formats and mounts", func(t *testing.T) {
		out := tb.MustRun(t, "possectl", "storage", "prepare", dev, "--yes", "--json")
		var res struct{ Device, UUID, What, Unit string }
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Device != dev || res.UUID == "" || res.Unit != "srv.mount" {
			t.Fatalf("prepare --json: %v\n%s", err, out)
		}
		if fs := srvFS(); fs != "btrfs" {
			t.Errorf("/srv is %s after prepare (was %s)", fs, before)
		}
		if got := strings.TrimSpace(tb.MustRun(t, "blkid", "-p", "-s", "LABEL", "-o", "value", dev)); got != "posse-data" {
			t.Errorf("label %q", got)
		}
		if st := strings.TrimSpace(tb.MustRun(t, "systemctl", "is-enabled", "srv.mount")); st != "enabled" {
			t.Errorf("srv.mount is %s", st)
		}
		tb.MustRun(t, "systemctl", "stop", "srv.mount")
		if fs := srvFS(); fs == "btrfs" {
			t.Error("/srv is still btrfs after stopping srv.mount")
		}
		tb.MustRun(t, "systemctl", "start", "srv.mount")
		if fs := srvFS(); fs != "btrfs" {
			t.Errorf("srv.mount started again gives %s", fs)
		}
	})
	t.Run("a disk with a file system is refused", func(t *testing.T) {
		tb.MustRun(t, "systemctl", "stop", "srv.mount")
		defer tb.MustRun(t, "systemctl", "start", "srv.mount")
		_, errOut, code := tb.Output(t, "possectl", "storage", "prepare", dev, "--yes")
		if code == 0 || !strings.Contains(errOut, "it holds a btrfs file system") || !strings.Contains(errOut, "nothing was changed") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("a mounted disk is refused", func(t *testing.T) {
		_, errOut, code := tb.Output(t, "possectl", "storage", "prepare", dev, "--yes")
		if code == 0 || !strings.Contains(errOut, "is mounted at /srv") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
}
