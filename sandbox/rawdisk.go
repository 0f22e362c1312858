// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// RawDiskImage is the host file behind box name's raw disk
// (UpOptions.RawDisk).
func RawDiskImage(name string) string { return filepath.Join(Dir, "rawdisks", name+".img") }

// rawDiskDevFile records the loop device of box name's raw disk.
func rawDiskDevFile(name string) string { return filepath.Join(RunDir, "rawdisks", name+".dev") }

var loopDev = regexp.MustCompile(`^/dev/loop[0-9]+$`)

// RawDiskDevice is the loop device of box name's raw disk, which the box
// sees under the same name, or "" without one.
func RawDiskDevice(name string) string {
	b, err := os.ReadFile(rawDiskDevFile(name))
	if err != nil {
		return ""
	}
	dev := strings.TrimSpace(string(b))
	if !loopDev.MatchString(dev) {
		return ""
	}
	return dev
}

// setupRawDisk makes box name's raw disk: a sparse image file of size
// bytes, with nothing on it, attached to a free loop device on the host
// (the box gets the device node). On failure nothing stays.
func setupRawDisk(ctx context.Context, name string, size int64) (dev string, err error) {
	if err := removeRawDisk(name); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			removeRawDisk(name)
		}
	}()
	img := RawDiskImage(name)
	for _, d := range []string{filepath.Dir(img), filepath.Dir(rawDiskDevFile(name))} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
	}
	if err := sparseImage(img, size); err != nil {
		return "", fmt.Errorf("raw disk image: %w", err)
	}
	out, err := exec.CommandContext(ctx, "losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("raw disk: losetup: %v: %s", err, strings.TrimSpace(string(out)))
	}
	dev = strings.TrimSpace(string(out))
	if !loopDev.MatchString(dev) {
		exec.Command("losetup", "-d", dev).Run()
		return "", fmt.Errorf("raw disk: losetup gave %q", dev)
	}
	if err := os.WriteFile(rawDiskDevFile(name), []byte(dev+"\n"), 0o600); err != nil {
		exec.Command("losetup", "-d", dev).Run()
		return "", err
	}
	return dev, nil
}

// removeRawDisk detaches box name's raw disk from its loop device (the
// kernel lets go when the box's last mount of it is gone) and removes the
// image. It is safe without a raw disk and after a crash.
func removeRawDisk(name string) error {
	var errs []error
	img := RawDiskImage(name)
	if dev := RawDiskDevice(name); dev != "" {
		// Only the device still backed by this box's image.
		if out, err := exec.Command("losetup", "-n", "-O", "BACK-FILE", dev).Output(); err == nil && strings.TrimSpace(string(out)) == img {
			if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("detach raw disk %s: %v: %s", dev, err, strings.TrimSpace(string(out))))
			}
		}
	}
	for _, p := range []string{rawDiskDevFile(name), img} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
