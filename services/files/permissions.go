// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Permission is one entry of a Windows ACL, worded as Explorer's Security
// tab (Advanced) words it.
type Permission struct {
	// Account is the user's or group's name, a well-known name such as
	// Everyone, or the SID when the directory does not know it.
	Account   string `json:"account"`
	Deny      bool   `json:"deny,omitempty"`
	Rights    string `json:"rights"`
	AppliesTo string `json:"applies_to"`
	Inherited bool   `json:"inherited,omitempty"`
}

// Permissions is the Windows ACL of a folder or file in a share, with
// names, as Samba serves it to clients.
type Permissions struct {
	Share string `json:"share"`
	// Path is relative to the share, "" for its root.
	Path  string `json:"path"`
	Owner string `json:"owner"`
	// Inherits is false when inheritance from the folder above is off.
	Inherits bool         `json:"inherits"`
	Entries  []Permission `json:"entries"`
	// Template is "share" for a share root and "folder" for a folder the
	// template lists (its ACL is the template's, and apply puts it back);
	// "" for anything else, whose ACL users and admins set.
	Template string `json:"template,omitempty"`
}

// ReadPermissions reads the Windows ACL of a folder or file of one of the
// site's shares (rel relative to the share, "" for its root), the way
// Explorer's Security tab shows it, with account names from the directory.
// It changes nothing.
func ReadPermissions(ctx context.Context, env *host.Env, s *site.Site, share, rel string) (Permissions, error) {
	c, err := FromSite(s)
	if err != nil {
		return Permissions{}, err
	}
	sh, ok := c.FindShare(share)
	if !ok {
		return Permissions{}, fmt.Errorf("the site has no share %s: see possectl shares list", quote(share))
	}
	if rel != "" {
		if rel, err = site.CleanSharePath(rel); err != nil {
			return Permissions{}, err
		}
	}
	p := path.Join(sh.Path, rel)
	if err := checkInShare(env.Root, sh.Path, p); err != nil {
		return Permissions{}, err
	}
	if _, err := os.Lstat(env.Path(p)); errors.Is(err, os.ErrNotExist) {
		return Permissions{}, fmt.Errorf("share %s has no file or folder %s", sh.Name, quote(rel))
	} else if err != nil {
		return Permissions{}, err
	}
	cur, err := readNTACLs(ctx, env, sh.Name, []string{p})
	if err != nil {
		return Permissions{}, err
	}
	sd := cur[0].SD
	names, err := searchSIDNames(ctx, LDAPISocket, unnamedSIDs(nil, append([]string{sd.Owner}, trustees(sd.ACEs)...)...))
	if err != nil {
		return Permissions{}, fmt.Errorf("name the accounts in the Windows permissions: %w", err)
	}
	name := func(sid string) string { return accountName(names, sid) }
	out := Permissions{Share: sh.Name, Path: rel, Owner: name(sd.Owner), Inherits: !sd.Protected, Entries: []Permission{}}
	for _, a := range sd.ACEs {
		out.Entries = append(out.Entries, Permission{Account: name(a.Trustee), Deny: a.Deny, Rights: rightsWord(a.Mask),
			AppliesTo: appliesTo(a.Flags), Inherited: a.Flags&FlagInherited != 0})
	}
	switch {
	case rel == "":
		out.Template = "share"
	case slices.ContainsFunc(sh.Folders, func(f Folder) bool { return strings.EqualFold(f.Rel, rel) }):
		out.Template = "folder"
	}
	return out, nil
}
