// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"

	"github.com/posse-project/posse/daemon/api"
)

// demoClosedFolder is the demo's folder with inheritance off, in every
// share: only the share's write groups get in, and the first of its read
// groups is denied.
const demoClosedFolder = "Geschäftsführung"

// Permissions answers as possed does: a share root has the template's
// entries (domain admins, CREATOR OWNER, write groups modify, read groups
// read & execute), demoClosedFolder its own, and any other path inherits
// the root's (the demo does not know files).
func (d *Demo) Permissions(ctx context.Context, share, p string) (api.Permissions, error) {
	if err := d.site(); err != nil {
		return api.Permissions{}, err
	}
	d.mu.Lock()
	var sh api.Share
	found := false
	for _, s := range d.shares {
		if strings.EqualFold(s.Name, share) {
			sh, found = s, true
		}
	}
	d.mu.Unlock()
	if !found {
		return api.Permissions{}, notFound("share " + share)
	}
	if strings.Contains(p, "..") {
		return api.Permissions{}, invalid("the path %q goes up with ..: name a file or folder inside the share", p)
	}
	all := "this folder, subfolders and files"
	base := []api.Permission{
		{Account: "Domain Admins", Rights: "full control", AppliesTo: all},
		{Account: "CREATOR OWNER", Rights: "full control", AppliesTo: "subfolders and files only"},
	}
	out := api.Permissions{Share: sh.Name, Path: p, Owner: "Administrator"}
	switch {
	case p == "":
		out.Template, out.Entries = "share", append(base, groupPerms(sh.Write, sh.Read)...)
	case strings.EqualFold(p, demoClosedFolder):
		out.Template = "folder"
		if len(sh.Read) > 0 {
			out.Entries = append(out.Entries, api.Permission{Account: sh.Read[0], Deny: true, Rights: "full control", AppliesTo: all})
		}
		out.Entries = append(out.Entries, append(base, groupPerms(sh.Write, nil)...)...)
	default:
		out.Inherits = true
		for _, e := range append(base, groupPerms(sh.Write, sh.Read)...) {
			e.Inherited = true
			out.Entries = append(out.Entries, e)
		}
	}
	return out, nil
}

// groupPerms are the entries Posse gives a share's write and read groups.
func groupPerms(write, read []string) []api.Permission {
	var out []api.Permission
	for _, g := range write {
		out = append(out, api.Permission{Account: g, Rights: "modify", AppliesTo: "this folder, subfolders and files"})
	}
	for _, g := range read {
		out = append(out, api.Permission{Account: g, Rights: "read & execute", AppliesTo: "this folder, subfolders and files"})
	}
	return out
}
