// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"context"
	"fmt"
	"github.com/posse-project/posse/rules"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// MaxExportFolders bounds the folders of one share whose Windows ACLs an
// export reads; a share with more is exported with the first ones and a
// note.
const MaxExportFolders = 20000

// ExportACLs reads the Windows ACLs Samba holds for each share's root and
// the folders below it, and writes into shares what a template can say
// of them: the root's deny list, and a folder entry (read, write, deny,
// inherit) for every folder with permissions of its own: inheritance
// turned off, or entries set on it rather than inherited. Folders that
// only inherit are left out, as are the recycle bin and the snapshots.
// The share's read and write lists stay as the include file has them
// (they also decide who may connect). Entries a template cannot express
// (other rights than Posse's three, accounts outside the directory) are
// left out and named in the notes returned: applying the exported
// template would remove them. A domain controller that does not answer
// yields ErrNoWinbind.
func ExportACLs(ctx context.Context, env *host.Env, shares []site.Share) ([]string, error) {
	var paths, svcs, rels []string
	var owner []int
	var notes []string
	for i, sh := range shares {
		root := sharePath(sh)
		dirs, more, err := aclFolders(env.Path(root))
		if err != nil {
			return nil, fmt.Errorf("share %s: %w", sh.Name, err)
		}
		if more {
			notes = append(notes, fmt.Sprintf("share %s: only the Windows permissions of its first %d folders were read", sh.Name, MaxExportFolders))
		}
		for _, rel := range append([]string{""}, dirs...) {
			paths, svcs, rels, owner = append(paths, path.Join(root, rel)), append(svcs, sh.Name), append(rels, rel), append(owner, i)
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	cur, err := readNTACLsIn(ctx, env, svcs, paths)
	if err != nil {
		return nil, err
	}
	var sids []string
	for _, c := range cur {
		sids = append(sids, trustees(Explicit(c.SD.ACEs))...)
	}
	names, err := searchSIDNames(ctx, LDAPISocket, unnamedSIDs(nil, sids...))
	if err != nil {
		return nil, fmt.Errorf("name the accounts in the Windows permissions: %w", err)
	}
	for k, c := range cur {
		sh := &shares[owner[k]]
		perm, bad := templatePerms(Explicit(c.SD.ACEs), names)
		for _, b := range bad {
			where := "share " + sh.Name
			if rels[k] != "" {
				where += ", folder " + rels[k]
			}
			notes = append(notes, where+": "+b+" has no template key and is left out; applying this template removes it")
		}
		if rels[k] == "" {
			sh.Deny = perm.deny
			if !sameFold(perm.write, sh.Write) || !sameFold(perm.read, sh.Read) {
				notes = append(notes, fmt.Sprintf("share %s: its Windows permissions grant write to %s and read to %s, the Samba configuration %s and %s; the template keeps the configuration's, which also decide who may connect",
					sh.Name, listOrNone(perm.write), listOrNone(perm.read), listOrNone(sh.Write), listOrNone(sh.Read)))
			}
			continue
		}
		if !c.SD.Protected && len(perm.read)+len(perm.write)+len(perm.deny) == 0 {
			continue // it only inherits
		}
		if len(perm.read)+len(perm.write)+len(perm.deny) == 0 {
			notes = append(notes, fmt.Sprintf("share %s, folder %s: only the domain admins may open it, which a template cannot say; left out", sh.Name, rels[k]))
			continue
		}
		for _, g := range append(slices.Clone(perm.read), perm.write...) {
			if !containsFold(sh.Read, g) && !containsFold(sh.Write, g) {
				notes = append(notes, fmt.Sprintf("share %s, folder %s: %s may open the folder but not the share; add it to the share's read or write list, or the template does not validate", sh.Name, rels[k], g))
			}
		}
		f := site.Folder{Path: rels[k], Read: perm.read, Write: perm.write, Deny: perm.deny}
		if c.SD.Protected {
			no := false
			f.Inherit = &no
		}
		sh.Folders = append(sh.Folders, f)
	}
	return notes, nil
}

// sameFold reports whether two name lists hold the same names, ignoring
// case and order.
func sameFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, n := range a {
		if !containsFold(b, n) {
			return false
		}
	}
	return true
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "nobody"
	}
	return strings.Join(l, ", ")
}

// sharePath is a template share's directory: its path or the default.
func sharePath(sh site.Share) string {
	if sh.Path != "" {
		return sh.Path
	}
	return site.DefaultSharesDir + "/" + strings.ToLower(sh.Name)
}

// aclFolders lists the folders below full, relative to it with slashes,
// that hold a stored Windows ACL, leaving out the recycle bin and the
// snapshots and not following links; more is true when it stopped at
// MaxExportFolders.
func aclFolders(full string) (dirs []string, more bool, err error) {
	err = filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == full {
				return err
			}
			return nil // unreadable below the root: nothing to export there
		}
		if !d.IsDir() || p == full {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, full+"/"))
		if rel == RecycleDir || rel == SnapshotDir {
			return filepath.SkipDir
		}
		if !storedNTACL(p) {
			return nil
		}
		if len(dirs) == MaxExportFolders {
			more = true
			return filepath.SkipAll
		}
		dirs = append(dirs, rel)
		return nil
	})
	return dirs, more, err
}

// perms are the template lists read back from a folder's own entries.
type perms struct{ read, write, deny []string }

// templatePerms turns a folder's explicit entries into template lists:
// Modify for the folder and below is write, Read & execute read, Deny
// Full control deny; the domain admins' and CREATOR OWNER's entries that
// Posse sets on every protected folder are left out. bad describes the
// entries none of these covers.
func templatePerms(explicit []ACE, names map[string]string) (perms, []string) {
	var p perms
	var bad []string
	for _, a := range explicit {
		name := rules.TemplateGroup(accountName(names, a.Trustee))
		isBase := slices.ContainsFunc(baseACEs(), func(b ACE) bool {
			return b.Trustee == name && b.Mask == a.Mask && b.Flags == a.Flags && b.Deny == a.Deny
		})
		switch {
		case isBase:
		case name == a.Trustee || wellKnownSIDs[a.Trustee] != "" || strings.EqualFold(name, AdminsGroup):
			bad = append(bad, fmt.Sprintf("the entry %q for %s", describeACE(a), name))
		case a.Flags != inheritAll:
			bad = append(bad, fmt.Sprintf("the entry %q for %s", describeACE(a), name))
		case a.Deny && a.Mask == RightsFull:
			p.deny = appendNewFold(p.deny, name)
		case !a.Deny && a.Mask == RightsModify:
			p.write = appendNewFold(p.write, name)
		case !a.Deny && a.Mask == RightsRead:
			p.read = appendNewFold(p.read, name)
		default:
			bad = append(bad, fmt.Sprintf("the entry %q for %s", describeACE(a), name))
		}
	}
	return p, bad
}
