// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/e2e/harness"
)

// TestBackupUSBCopy copies the backup to a usb:LABEL disk: a real block
// device (the box's raw disk) with a file system of that label. The
// box has no udev, so the test makes the /dev/disk/by-label link udev
// would. The copy mounts the disk, copies, unmounts it; restic lists the
// snapshot on the disk; with the disk unplugged (the link gone) the copy
// fails naming the label, and status says so.
func TestBackupUSBCopy(t *testing.T) {
	tb := harness.Box(t, "busb", harness.Options{RawDisk: 256 << 20})
	dev := tb.RawDisk()
	if dev == "" {
		t.Fatal("the box has no raw disk")
	}
	raw, err := os.ReadFile(copiesSite)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte("    - name: offsite\n      repository: sftp:posse@TARGET:/home/posse/copy\n"), []byte("    - name: usb-a\n      repository: usb:POSSE-A\n"), 1)
	if !bytes.Contains(raw, []byte("usb:POSSE-A")) {
		t.Fatal("the copies site has no copy to replace")
	}
	site := filepath.Join(t.TempDir(), "backup-usb-site.yaml")
	if err := os.WriteFile(site, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	setUpBackupSite(t, tb, site, sftpSecrets)
	tb.MustRun(t, "mkfs.btrfs", "-q", "-L", "POSSE-A", dev) // the image has no e2fsprogs; the copy mounts whatever file system the disk has
	plug := func() {
		tb.MustRun(t, "sh", "-c", "mkdir -p /dev/disk/by-label && ln -sfn "+dev+" /dev/disk/by-label/POSSE-A")
	}
	plug()
	tb.MustRun(t, "sh", "-c", "echo Rechnung > "+backupShare+"/Rechnung.txt")
	tb.MustRun(t, "possectl", "backup", "run")

	out := tb.MustRun(t, "possectl", "backup", "copy", "usb-a")
	if !strings.Contains(out, "copy usb-a done in") || !strings.Contains(out, "1 snapshots in usb:POSSE-A") {
		t.Errorf("possectl backup copy usb-a:\n%s", out)
	}
	if m := tb.MustRun(t, "sh", "-c", "grep -c ' /run/posse/copy/' /proc/self/mounts || true"); strings.TrimSpace(m) != "0" {
		t.Errorf("the disk is still mounted after the copy: %s", m)
	}
	tb.MustRun(t, "mkdir", "-p", "/mnt/check")
	tb.MustRun(t, "mount", "-o", "ro", dev, "/mnt/check")
	snaps := tb.MustRun(t, "restic", "-r", "/mnt/check/posse-backup", "--password-file", "/var/lib/posse/backup/restic.pw", "--no-lock", "snapshots", "--json")
	tb.MustRun(t, "umount", "/mnt/check")
	var list []struct{ ID string }
	if err := json.Unmarshal([]byte(snaps), &list); err != nil || len(list) != 1 {
		t.Errorf("snapshots on the disk: %v\n%s", err, snaps)
	}

	// Unplugged: the copy fails, naming the disk, and status says so.
	tb.MustRun(t, "rm", "/dev/disk/by-label/POSSE-A")
	_, errOut, code := tb.Output(t, "possectl", "backup", "copy", "usb-a")
	if code == 0 || !strings.Contains(errOut, "POSSE-A") {
		t.Errorf("copy without the disk: exit %d: %s", code, errOut)
	}
	st, _, _ := tb.Output(t, "possectl", "backup", "status")
	if !strings.Contains(st, "usb-a") || !strings.Contains(st, "POSSE-A") {
		t.Errorf("status after the failed copy:\n%s", st)
	}
	// Plugged in again, the next copy adds the new snapshot.
	plug()
	tb.MustRun(t, "possectl", "backup", "run")
	if out := tb.MustRun(t, "possectl", "backup", "copy", "usb-a"); !strings.Contains(out, "2 snapshots in usb:POSSE-A") {
		t.Errorf("the copy after plugging in again:\n%s", out)
	}
}
