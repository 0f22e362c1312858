// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/posse-project/posse/provisioning/plan"
)

// Windows permissions (NT ACLs) of shares and template folders. Posse
// computes the wanted security descriptor of each share root and folder
// from the template, in account names; names become SIDs when a step runs
// (resolveSIDs), and Samba's own code sets and reads the descriptor
// (ntaclPy), so the security.NTACL xattr and the POSIX ACL that Samba
// derives from it agree.

// Access masks, as Explorer's Security tab names them.
const (
	RightsFull   uint32 = 0x001f01ff // Full control
	RightsModify uint32 = 0x001301bf // Modify: read, write, execute, delete
	RightsRead   uint32 = 0x001200a9 // Read & execute
)

// ACE flags (MS-DTYP 2.4.4.1).
const (
	FlagObjectInherit    uint8 = 0x01 // OI: files below inherit it
	FlagContainerInherit uint8 = 0x02 // CI: folders below inherit it
	FlagNoPropagate      uint8 = 0x04 // NP: only the next level inherits it
	FlagInheritOnly      uint8 = 0x08 // IO: not for this folder itself
	FlagInherited        uint8 = 0x10 // ID: inherited from the folder above
)

// Security descriptor control bits that matter here.
const (
	ctrlProtected     uint16 = 0x1000 // SEC_DESC_DACL_PROTECTED: inheritance off
	ctrlAutoInherited uint16 = 0x0400 // SEC_DESC_DACL_AUTO_INHERITED
)

// Well-known accounts of the wanted descriptors. Administrator and Domain
// Admins are domain accounts, resolved by name like the template's groups
// (Administrator is uid 0 on a Samba DC, the owner of share roots);
// CREATOR OWNER is a well-known SID.
const (
	OwnerAccount   = "Administrator"
	AdminsGroup    = "Domain Admins"
	CreatorOwner   = "CREATOR OWNER"
	creatorOwnerID = "S-1-3-0"
)

// inheritAll makes an ACE apply to the folder, its subfolders and files.
const inheritAll = FlagObjectInherit | FlagContainerInherit

// ACE is one entry of a Windows ACL. Trustee is an account name in a
// wanted descriptor and a SID in one read from the box.
type ACE struct {
	Trustee string `json:"trustee"`
	Mask    uint32 `json:"mask"`
	Flags   uint8  `json:"flags,omitempty"`
	// Deny is an access-denied entry (the template's deny lists).
	Deny bool `json:"deny,omitempty"`
}

// SD is a security descriptor: owner, group, whether inheritance from
// the folder above is off, and the ACL (explicit entries first, then the
// inherited ones, as Windows orders them).
type SD struct {
	Owner     string `json:"owner"`
	Group     string `json:"group"`
	Protected bool   `json:"protected,omitempty"`
	ACEs      []ACE  `json:"aces"`
}

// WantACL is the wanted descriptor of a share root or template folder.
type WantACL struct {
	// Path is the directory on the box; Share is its smb.conf section.
	Path  string `json:"path"`
	Share string `json:"share"`
	SD    SD     `json:"sd"`
	// Folder is the path relative to the share for template folders, ""
	// for a share root.
	Folder string `json:"folder,omitempty"`
}

// ShareSD is the wanted descriptor of a share root: owned by the domain's
// Administrator (root on the DC) and the first write group (or first read
// group), inheritance from /srv off, Full control for the domain admins,
// Full control for whoever creates something inside (CREATOR OWNER, as
// on Windows), Modify for write groups, Read & execute for read groups;
// everything inherited by subfolders and files. Write groups get Modify,
// not Full control, so they cannot change permissions. Deny entries come
// first, as Windows orders them.
func ShareSD(sh Share) SD {
	sd := SD{Owner: OwnerAccount, Group: owningGroup(sh.Write, sh.Read), Protected: true}
	sd.ACEs = denyACEs(sh.Deny)
	sd.ACEs = append(sd.ACEs, baseACEs()...)
	sd.ACEs = append(sd.ACEs, groupACEs(sh.Write, sh.ReadOnly())...)
	return sd
}

// denyACEs refuses each name everything, here and below (Explorer's Deny
// Full control, "this folder, subfolders and files").
func denyACEs(names []string) []ACE {
	var out []ACE
	for _, n := range names {
		out = append(out, ACE{Trustee: n, Mask: RightsFull, Flags: inheritAll, Deny: true})
	}
	return out
}

func baseACEs() []ACE {
	return []ACE{
		{Trustee: AdminsGroup, Mask: RightsFull, Flags: inheritAll},
		{Trustee: CreatorOwner, Mask: RightsFull, Flags: inheritAll | FlagInheritOnly},
	}
}

// groupACEs grants Modify to writers and Read & execute to readers.
func groupACEs(write, readOnly []string) []ACE {
	var out []ACE
	for _, g := range write {
		out = append(out, ACE{Trustee: g, Mask: RightsModify, Flags: inheritAll})
	}
	for _, g := range readOnly {
		out = append(out, ACE{Trustee: g, Mask: RightsRead, Flags: inheritAll})
	}
	return out
}

func owningGroup(write, read []string) string {
	switch {
	case len(write) > 0:
		return write[0]
	case len(read) > 0:
		return read[0]
	}
	return ""
}

// FolderSD is the wanted descriptor of a template folder below parent
// (the share root's or the enclosing folder's wanted descriptor): owned
// by the Administrator, so that no user holds the owner's right to change
// it; with inherit, the parent's inheritable entries plus the folder's
// own; without, only the domain admins, CREATOR OWNER and the folder's
// groups.
func FolderSD(f Folder, parent SD) SD {
	sd := SD{Owner: OwnerAccount, Group: owningGroup(f.Write, f.Read), Protected: !f.Inherit}
	if sd.Group == "" {
		sd.Group = parent.Group
	}
	sd.ACEs = denyACEs(f.Deny)
	if !f.Inherit {
		sd.ACEs = append(sd.ACEs, baseACEs()...)
	}
	sd.ACEs = append(sd.ACEs, groupACEs(f.Write, f.ReadOnly())...)
	if f.Inherit {
		sd.ACEs = append(sd.ACEs, Inherit(parent.ACEs, true, OwnerAccount)...)
	}
	return sd
}

// Inherit returns the entries a new folder (dir) or file below a folder
// with the given ACL inherits, as Windows and Samba compute them (MS-DTYP
// 2.5.3.4): a folder takes the entries marked for folders (CI), and the
// ones marked for files only (OI) as inherit-only entries for what is
// below it; a file takes the entries marked for files. CREATOR OWNER
// becomes owner for the object itself and stays CREATOR OWNER, inherit
// only, for what is below a folder. Every inherited entry is marked ID.
func Inherit(parent []ACE, dir bool, owner string) []ACE {
	var out []ACE
	for _, a := range parent {
		if a.Flags&FlagInherited != 0 && a.Flags&inheritAll == 0 {
			continue
		}
		co := a.Trustee == CreatorOwner || a.Trustee == creatorOwnerID
		switch {
		case !dir && a.Flags&FlagObjectInherit != 0:
			t := a.Trustee
			if co {
				t = owner
			}
			out = append(out, ACE{Trustee: t, Mask: a.Mask, Flags: FlagInherited, Deny: a.Deny})
		case dir && a.Flags&FlagContainerInherit != 0:
			if a.Flags&FlagNoPropagate != 0 {
				t := a.Trustee
				if co {
					t = owner
				}
				out = append(out, ACE{Trustee: t, Mask: a.Mask, Flags: FlagInherited, Deny: a.Deny})
				continue
			}
			if co {
				out = append(out, ACE{Trustee: owner, Mask: a.Mask, Flags: FlagInherited, Deny: a.Deny},
					ACE{Trustee: a.Trustee, Mask: a.Mask, Flags: a.Flags&inheritAll | FlagInheritOnly | FlagInherited, Deny: a.Deny})
				continue
			}
			out = append(out, ACE{Trustee: a.Trustee, Mask: a.Mask, Flags: a.Flags&inheritAll | FlagInherited, Deny: a.Deny})
		case dir && a.Flags&FlagObjectInherit != 0 && a.Flags&FlagNoPropagate == 0:
			out = append(out, ACE{Trustee: a.Trustee, Mask: a.Mask, Flags: FlagObjectInherit | FlagInheritOnly | FlagInherited, Deny: a.Deny})
		}
	}
	return out
}

// Explicit returns the entries of acl that were not inherited.
func Explicit(acl []ACE) []ACE {
	var out []ACE
	for _, a := range acl {
		if a.Flags&FlagInherited == 0 {
			out = append(out, a)
		}
	}
	return out
}

// Names returns the account names a descriptor mentions (CREATOR OWNER,
// a well-known SID, is left out).
func (sd SD) Names() []string {
	var out []string
	for _, n := range append([]string{sd.Owner, sd.Group}, trustees(sd.ACEs)...) {
		if n != "" && n != CreatorOwner && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func trustees(acl []ACE) []string {
	out := make([]string, len(acl))
	for i, a := range acl {
		out[i] = a.Trustee
	}
	return out
}

// Resolve turns a descriptor in names into one in SIDs; sids maps lower-
// cased names to SIDs.
func (sd SD) Resolve(sids map[string]string) (SD, error) {
	sid := func(name string) (string, error) {
		if name == CreatorOwner {
			return creatorOwnerID, nil
		}
		if s, ok := sids[strings.ToLower(name)]; ok {
			return s, nil
		}
		return "", fmt.Errorf("%s is not in the directory", quote(name))
	}
	out := SD{Protected: sd.Protected}
	var err error
	if out.Owner, err = sid(sd.Owner); err != nil {
		return SD{}, err
	}
	if out.Group, err = sid(sd.Group); err != nil {
		return SD{}, err
	}
	for _, a := range sd.ACEs {
		s, err := sid(a.Trustee)
		if err != nil {
			return SD{}, err
		}
		a.Trustee = s
		out.ACEs = append(out.ACEs, a)
	}
	return out, nil
}

// Check refuses a descriptor Posse must never write: an empty ACL (which
// locks everybody out, the domain admins included) or one without Full
// control for the domain admins' SID.
func (sd SD) Check(adminsSID string) error {
	if len(sd.ACEs) == 0 {
		return fmt.Errorf("refusing to set an empty ACL, which locks everybody out")
	}
	for _, a := range sd.ACEs {
		if a.Trustee == adminsSID && !a.Deny && a.Mask == RightsFull && a.Flags&FlagInheritOnly == 0 {
			return nil
		}
	}
	return fmt.Errorf("refusing to set an ACL without full control for the domain admins")
}

// aceKey identifies an entry for comparison; the order of entries does
// not matter to Posse (Samba and Windows keep the canonical order).
func aceKey(a ACE) string {
	return fmt.Sprintf("%s|%t|%08x|%02x", a.Trustee, a.Deny, a.Mask, a.Flags)
}

// SameACL reports whether two ACLs hold the same entries, in any order.
func SameACL(a, b []ACE) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := aceKeys(a), aceKeys(b)
	return slices.Equal(x, y)
}

func aceKeys(acl []ACE) []string {
	out := make([]string, len(acl))
	for i, a := range acl {
		out[i] = aceKey(a)
	}
	sort.Strings(out)
	return out
}

// DiffSD lists what differs between the descriptor on the box and the
// wanted one (both in SIDs), with SIDs shown by name where names knows
// them: owner, group, inheritance, and one change per account whose
// entries differ.
func DiffSD(cur, want SD, names map[string]string) []plan.Change {
	name := func(sid string) string { return accountName(names, sid) }
	var ch []plan.Change
	if cur.Owner != want.Owner {
		ch = append(ch, plan.Change{Field: "owner", Before: name(cur.Owner), After: name(want.Owner)})
	}
	if cur.Group != want.Group {
		ch = append(ch, plan.Change{Field: "group", Before: name(cur.Group), After: name(want.Group)})
	}
	if cur.Protected != want.Protected {
		ch = append(ch, plan.Change{Field: "inheritance", Before: inheritance(cur.Protected), After: inheritance(want.Protected)})
	}
	var order []string
	by := map[string][2][]ACE{}
	for i, acl := range [][]ACE{cur.ACEs, want.ACEs} {
		for _, a := range acl {
			if _, ok := by[a.Trustee]; !ok {
				order = append(order, a.Trustee)
			}
			e := by[a.Trustee]
			e[i] = append(e[i], a)
			by[a.Trustee] = e
		}
	}
	for _, t := range order {
		e := by[t]
		if SameACL(e[0], e[1]) {
			continue
		}
		ch = append(ch, plan.Change{Field: "access " + name(t), Before: describeACEs(e[0]), After: describeACEs(e[1])})
	}
	return ch
}

func inheritance(protected bool) string {
	if protected {
		return "off (permissions set here only)"
	}
	return "from the folder above"
}

// wellKnownSIDs names the SIDs outside the domain that ACLs commonly hold.
var wellKnownSIDs = map[string]string{
	"S-1-1-0":      "Everyone",
	"S-1-3-0":      CreatorOwner,
	"S-1-3-1":      "CREATOR GROUP",
	"S-1-3-4":      "OWNER RIGHTS",
	"S-1-5-11":     "Authenticated Users",
	"S-1-5-18":     "SYSTEM",
	"S-1-5-32-544": "BUILTIN\\Administrators",
	"S-1-5-32-545": "BUILTIN\\Users",
}

// describeACEs renders entries as Explorer would word them: "modify
// (this folder, subfolders and files)", joined with "; ".
func describeACEs(acl []ACE) string {
	parts := make([]string, 0, len(acl))
	for _, a := range acl {
		parts = append(parts, describeACE(a))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

func describeACE(a ACE) string {
	s := rightsWord(a.Mask)
	if a.Deny {
		s = "deny " + s
	}
	s += " (" + appliesTo(a.Flags) + ")"
	if a.Flags&FlagInherited != 0 {
		s += ", inherited"
	}
	return s
}

// rightsWord names an access mask as Explorer's basic permissions do.
func rightsWord(mask uint32) string {
	switch mask {
	case RightsFull:
		return "full control"
	case RightsModify:
		return "modify"
	case RightsRead:
		return "read & execute"
	case 0:
		return "nothing"
	}
	return fmt.Sprintf("rights %#08x", mask)
}

// appliesTo words the inheritance flags as Explorer's "Applies to".
func appliesTo(f uint8) string {
	self := f&FlagInheritOnly == 0
	sub, files := f&FlagContainerInherit != 0, f&FlagObjectInherit != 0
	var s string
	switch {
	case self && sub && files:
		s = "this folder, subfolders and files"
	case self && sub:
		s = "this folder and subfolders"
	case self && files:
		s = "this folder and files"
	case self:
		s = "this folder only"
	case sub && files:
		s = "subfolders and files only"
	case sub:
		s = "subfolders only"
	case files:
		s = "files only"
	default:
		s = "nothing"
	}
	if f&FlagNoPropagate != 0 {
		s += ", one level"
	}
	return s
}

// Folder is a template folder inside a share, as Posse renders it.
type Folder struct {
	// Rel is the path relative to the share; Path the directory on the box.
	Rel     string   `json:"rel"`
	Path    string   `json:"path"`
	Read    []string `json:"read,omitempty"`
	Write   []string `json:"write,omitempty"`
	Deny    []string `json:"deny,omitempty"`
	Inherit bool     `json:"inherit"`
}

// ReadOnly lists the folder's read groups that do not also write.
func (f Folder) ReadOnly() []string {
	var out []string
	for _, g := range f.Read {
		if !slices.Contains(f.Write, g) && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// WantACLs returns the wanted descriptors of a share's root and folders,
// parents before children: a folder below another template folder
// inherits from that folder's wanted descriptor.
func (sh Share) WantACLs() []WantACL {
	root := WantACL{Path: sh.Path, Share: sh.Name, SD: ShareSD(sh)}
	out := []WantACL{root}
	folders := slices.Clone(sh.Folders)
	sort.SliceStable(folders, func(i, j int) bool { return depth(folders[i].Rel) < depth(folders[j].Rel) })
	byRel := map[string]SD{}
	for _, f := range folders {
		parent := root.SD
		for p := path.Dir(f.Rel); p != "."; p = path.Dir(p) {
			if sd, ok := byRel[strings.ToLower(p)]; ok {
				parent = sd
				break
			}
		}
		sd := FolderSD(f, parent)
		byRel[strings.ToLower(f.Rel)] = sd
		out = append(out, WantACL{Path: f.Path, Share: sh.Name, SD: sd, Folder: f.Rel})
	}
	return out
}

func depth(rel string) int { return strings.Count(rel, "/") }
