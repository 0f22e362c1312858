// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBoxTimeZone(t *testing.T) {
	t.Setenv("TZ", "")
	dir := t.TempDir()
	link := filepath.Join(dir, "localtime")
	if err := os.Symlink("/usr/share/zoneinfo/Europe/Berlin", link); err != nil {
		t.Fatal(err)
	}
	old := localtimePath
	t.Cleanup(func() { localtimePath = old })
	localtimePath = link
	if got := boxTimeZone(); got != "Europe/Berlin" {
		t.Errorf("with /etc/localtime to Europe/Berlin: %q", got)
	}
	localtimePath = filepath.Join(dir, "missing")
	if got := boxTimeZone(); got != "UTC" {
		t.Errorf("without /etc/localtime: %q, want UTC", got)
	}
	t.Setenv("TZ", "America/New_York")
	if got := boxTimeZone(); got != "America/New_York" {
		t.Errorf("with TZ: %q", got)
	}
}
