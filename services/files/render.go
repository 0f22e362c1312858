// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"fmt"
	"strconv"
	"strings"
)

// header starts the include file; Parse skips it.
const header = `# Managed by Posse: share sections of the site template.
# Changes here are overwritten by the next apply; edit the template instead.
# smb.conf includes this file after [global], [netlogon] and [sysvol].
`

// The VFS modules of every Posse share and home folder, in this order:
// dfs_samba4 and acl_xattr as on every share of a Samba DC (acl_xattr
// keeps the Windows ACL in security.NTACL); fruit before streams_xattr,
// as vfs_fruit(8) requires, so Macs keep Finder metadata in a stream;
// streams_xattr for alternate data streams; recycle last, so that it sees
// the deletion of a file and not that of a stream (deleting
// Zone.Identifier, "Unblock" in Explorer, reaches streams_xattr only).
const (
	vfsBase      = "dfs_samba4 acl_xattr fruit streams_xattr"
	recycleNote  = "# posse: recycle_days = "
	folderNote   = "# posse: writers in folders only"
	homesComment = "Home folder of "
)

// streamOptions keeps Mac metadata in streams next to Windows' alternate
// data streams instead of Netatalk xattrs (vfs_fruit(8): fruit:metadata
// = stream), drops the empty resource forks and AppleDouble files macOS
// leaves, and keeps DOS attributes (hidden, read-only, archive) in
// user.DOSATTRIB. fruit:resource stays at its default (file): the man page
// calls "stream" experimental and advises against it with streams_xattr,
// because a resource fork can outgrow an xattr.
var streamOptions = [][2]string{
	{"fruit:metadata", "stream"},
	{"fruit:wipe_intentionally_left_blank_rfork", "yes"},
	{"fruit:delete_empty_adfiles", "yes"},
	{"store dos attributes", "yes"},
}

// Render renders the include file: one section per share in template
// order, then one private section per user when homes are enabled. It
// validates c first (without the group check, which needs the site), so
// nothing unchecked reaches the file.
func Render(c Config) (string, error) {
	if err := c.Validate(nil); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(header)
	for _, sh := range c.Shares {
		b.WriteString("\n")
		renderShare(&b, c.Workgroup, sh)
	}
	for _, h := range c.HomeUsers {
		b.WriteString("\n")
		renderHome(&b, c.Workgroup, h)
	}
	return b.String(), nil
}

func kv(b *strings.Builder, k, v string) { fmt.Fprintf(b, "\t%s = %s\n", k, v) }

func renderShare(b *strings.Builder, wg string, sh Share) {
	fmt.Fprintf(b, "[%s]\n", sh.Name)
	if sh.Comment != "" {
		kv(b, "comment", sh.Comment)
	}
	kv(b, "path", sh.Path)
	kv(b, "browseable", yesNo(sh.Browseable))
	kv(b, "read only", yesNo(len(sh.Write) == 0 && len(sh.FolderWritersOnly()) == 0))
	kv(b, "guest ok", "no")
	// The domain admins reach every share, so that they can change
	// permissions in Explorer's Security tab; the ACL gives them Full
	// control.
	kv(b, "valid users", groupList(wg, append(sh.Groups(), AdminsGroup)))
	if ro := sh.ReadList(); len(ro) > 0 {
		kv(b, "read list", groupList(wg, ro))
	}
	if len(sh.Write) > 0 {
		kv(b, "write list", groupList(wg, sh.Write))
	} else if len(sh.FolderWritersOnly()) > 0 {
		// read only = no without a write list: Parse reads the share's
		// groups as readers, not as writers of the whole share.
		b.WriteString(folderNote + "\n")
	}
	// Permissions are Windows ACLs (acl_xattr, Samba's default "nt acl
	// support = yes"), set by Posse on the share root and its template
	// folders and inherited from there: write groups get Modify, which
	// does not include changing permissions.
	if !sh.RecycleBin {
		kv(b, "vfs objects", vfsObjects(sh))
		renderStreamOptions(b)
		renderSnapshotOptions(b, sh)
		return
	}
	kv(b, "vfs objects", vfsObjects(sh))
	renderStreamOptions(b)
	renderSnapshotOptions(b, sh)
	kv(b, "recycle:repository", RecycleDir+"/%U")
	kv(b, "recycle:keeptree", "yes")
	kv(b, "recycle:versions", "yes")
	kv(b, "recycle:touch", "yes")
	kv(b, "recycle:directory_mode", "0700")
	kv(b, "recycle:exclude", "~$*,*.tmp,*.TMP")
	kv(b, "recycle:exclude_dir", RecycleDir)
	kv(b, "hide files", "/"+RecycleDir+"/")
	b.WriteString(recycleNote + strconv.Itoa(sh.RecycleDays) + "\n")
}

func renderHome(b *strings.Builder, wg string, h Home) {
	fmt.Fprintf(b, "[%s]\n", h.User)
	kv(b, "comment", homesComment+h.User)
	kv(b, "path", h.Path)
	kv(b, "browseable", "no")
	kv(b, "read only", "no")
	kv(b, "guest ok", "no")
	kv(b, "valid users", userName(wg, h.User))
	home := h.share()
	kv(b, "vfs objects", vfsObjects(home))
	renderStreamOptions(b)
	renderSnapshotOptions(b, home)
}

func renderStreamOptions(b *strings.Builder) {
	for _, o := range streamOptions {
		kv(b, o[0], o[1])
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// groupList renders groups as @"WORKGROUP\group" items.
func groupList(wg string, groups []string) string {
	items := make([]string, len(groups))
	for i, g := range groups {
		items[i] = `@"` + wg + `\` + g + `"`
	}
	return strings.Join(items, " ")
}

func userName(wg, user string) string { return `"` + wg + `\` + user + `"` }
