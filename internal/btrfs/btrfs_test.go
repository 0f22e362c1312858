// SPDX-License-Identifier: GPL-3.0-or-later

package btrfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsSubvolume(t *testing.T) {
	dir := t.TempDir()
	typ, err := FSType(dir)
	if err != nil || typ == 0 {
		t.Fatalf("FSType = %#x, %v", typ, err)
	}
	ok, err := IsSubvolume(dir)
	if err != nil {
		t.Fatal(err)
	}
	if typ != Magic && ok {
		t.Errorf("a directory on file system %#x is a subvolume", typ)
	}
	f := filepath.Join(dir, "file")
	os.WriteFile(f, nil, 0o644)
	if ok, _ := IsSubvolume(f); ok {
		t.Error("a file is a subvolume")
	}
	if _, err := IsSubvolume(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing path gives no error")
	}
}
