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

// Samba options every Posse share gets.
const (
	vfsBase      = "dfs_samba4 acl_xattr"
	vfsRecycle   = vfsBase + " recycle"
	recycleNote  = "# posse: recycle_days = "
	homesComment = "Home folder of "
)

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
	kv(b, "read only", yesNo(len(sh.Write) == 0))
	kv(b, "guest ok", "no")
	kv(b, "valid users", groupList(wg, sh.Groups()))
	if ro := sh.ReadOnly(); len(ro) > 0 {
		kv(b, "read list", groupList(wg, ro))
	}
	if len(sh.Write) > 0 {
		kv(b, "write list", groupList(wg, sh.Write))
	}
	// New files and folders take the share's default ACL.
	kv(b, "inherit acls", "yes")
	// Permissions come from the template only: Windows clients can neither
	// see nor change ACLs, so a member of a write group cannot widen the
	// share root's ACL (Samba maps POSIX rwx to Full Control, which
	// includes the right to change permissions, and "acl map full control
	// = no" did not change that in Samba 4.17). New files and folders get
	// group rwx so the inherited ACL entries are not masked.
	kv(b, "nt acl support", "no")
	kv(b, "create mask", "0770")
	kv(b, "directory mask", "0770")
	if !sh.RecycleBin {
		kv(b, "vfs objects", vfsBase)
		return
	}
	kv(b, "vfs objects", vfsRecycle)
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
	kv(b, "vfs objects", vfsBase)
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
