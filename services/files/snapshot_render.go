// SPDX-License-Identifier: GPL-3.0-or-later

package files

import "strings"

// vfsSnapshots is the VFS module that shows a share's snapshots as
// Windows Previous Versions. It comes after streams_xattr, so that the
// streams of an old version are read from the snapshot as well (the order
// TrueNAS uses), and before recycle, which then never sees a snapshot
// path (snapshots are read-only anyway).
const vfsSnapshots = "shadow_copy2"

// vfsObjects is the share's "vfs objects" line: the base modules, then
// shadow_copy2 with snapshots, then recycle with a recycle bin.
func vfsObjects(sh Share) string {
	mods := []string{vfsBase}
	if sh.Snapshots {
		mods = append(mods, vfsSnapshots)
	}
	if sh.RecycleBin {
		mods = append(mods, "recycle")
	}
	return strings.Join(mods, " ")
}

// share is a home folder as a share of its user, for the snapshot code
// that serves both.
func (h Home) share() Share {
	return Share{Name: h.User, Path: h.Path, Snapshots: h.Snapshots}
}

// renderSnapshotOptions writes the shadow_copy2 settings of a share with
// snapshots. Each share is a btrfs subvolume (its own mount point as
// shadow_copy2 sees it) with its snapshots in SnapshotDir inside it,
// named as shadow:format's default (@GMT-%Y.%m.%d-%H.%M.%S, in UTC, as
// shadow:localtime's default no says), so neither is written out: a
// format in smb.conf would be one more place for %-substitutions to go
// wrong. Newest versions first (shadow:sort = desc), as Explorer lists
// them. The snapshot folder is vetoed: not listed, not opened by name
// (the versions are reached through @GMT- paths only).
func renderSnapshotOptions(b *strings.Builder, sh Share) {
	if !sh.Snapshots {
		return
	}
	kv(b, "shadow:mountpoint", sh.Path)
	kv(b, "shadow:snapdir", SnapshotDir)
	kv(b, "shadow:sort", "desc")
	kv(b, "veto files", "/"+SnapshotDir+"/")
}
