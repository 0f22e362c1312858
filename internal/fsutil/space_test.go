// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import "testing"

func TestDiskOf(t *testing.T) {
	d, err := DiskOf(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d.Size == 0 || d.Free > d.Size || d.Used > d.Size {
		t.Errorf("DiskOf: %+v", d)
	}
	free, size, err := Space(t.TempDir())
	if err != nil || size != d.Size || free == 0 {
		t.Errorf("Space: %d of %d, %v; DiskOf: %+v", free, size, err, d)
	}
	if _, err := DiskOf("/does/not/exist"); err == nil {
		t.Error("DiskOf of a missing path: no error")
	}
}

func TestUsedPercent(t *testing.T) {
	for _, c := range []struct {
		d    Disk
		want float64
	}{
		{Disk{}, 0},
		{Disk{Free: 75, Used: 25, Size: 110}, 25}, // root's reserve not counted, as df does
		{Disk{Free: 0, Used: 10, Size: 10}, 100},
	} {
		if got := c.d.UsedPercent(); got != c.want {
			t.Errorf("%+v: %.1f%%, want %.1f%%", c.d, got, c.want)
		}
	}
}
