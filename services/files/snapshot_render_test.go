// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"strings"
	"testing"
)

// TestRenderSnapshots: a share with snapshots loads shadow_copy2 after
// the base modules and before recycle, finds its snapshots in .snapshots
// at its own root, newest first, and vetoes the snapshot folder; a share
// that opts out has none of it.
func TestRenderSnapshots(t *testing.T) {
	c, err := FromSite(loadSite(t, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Snapshots == nil || c.Snapshots.Schedule != "Mon..Fri *-*-* 08..18:00" {
		t.Fatalf("config snapshots = %+v", c.Snapshots)
	}
	conf, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	secs := smbSections(conf)
	for name, want := range map[string]string{
		"Akten":    "dfs_samba4 acl_xattr fruit streams_xattr shadow_copy2 recycle",
		"Scans":    "dfs_samba4 acl_xattr fruit streams_xattr recycle",
		"Projekte": "dfs_samba4 acl_xattr fruit streams_xattr shadow_copy2",
	} {
		sec := secs[name]
		if got := sec["vfs objects"]; got != want {
			t.Errorf("[%s] vfs objects = %q, want %q", name, got, want)
		}
		snap := strings.Contains(want, "shadow_copy2")
		for k, v := range map[string]string{
			"shadow:snapdir":    ".snapshots",
			"shadow:sort":       "desc",
			"shadow:mountpoint": sec["path"],
			"veto files":        "/.snapshots/",
		} {
			got, ok := sec[k]
			switch {
			case snap && got != v:
				t.Errorf("[%s] %s = %q, want %q", name, k, got, v)
			case !snap && ok:
				t.Errorf("[%s] without snapshots sets %s = %q", name, k, got)
			}
		}
		// shadow:format and shadow:localtime stay at their defaults,
		// which SnapshotName follows.
		for _, k := range []string{"shadow:format", "shadow:localtime", "shadow:snapdirseverywhere"} {
			if v, ok := sec[k]; ok {
				t.Errorf("[%s] sets %s = %s", name, k, v)
			}
		}
	}
	if SnapshotFormat != "@GMT-%Y.%m.%d-%H.%M.%S" {
		t.Errorf("SnapshotFormat %q is not shadow_copy2's default", SnapshotFormat)
	}
	back, err := Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	for i, sh := range back.Shares {
		if sh.Snapshots != c.Shares[i].Snapshots {
			t.Errorf("parsed %s snapshots %v, want %v", sh.Name, sh.Snapshots, c.Shares[i].Snapshots)
		}
	}
}
