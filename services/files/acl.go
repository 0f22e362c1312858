// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/plan"
)

// Permissions of ACL entries.
const (
	PermRWX  = "rwx"
	PermRX   = "r-x"
	PermNone = "---"
)

// DomainUsers is the AD group every user is in; it owns home folders.
const DomainUsers = "domain users"

// Entry is one POSIX ACL entry with names, as planned.
type Entry struct {
	Default bool   `json:"default,omitempty"`
	Tag     string `json:"tag"`            // user, group, mask, other
	Name    string `json:"name,omitempty"` // "" for the owner, owning group, mask, other
	Perm    string `json:"perm"`
}

// ACL is the wanted owner, group, setgid bit and ACL of one directory, in
// names; Resolve turns it into ids.
type ACL struct {
	Path string `json:"path"`
	// Owner is a user name; "root" is uid 0.
	Owner string `json:"owner"`
	// Group is a directory group owning the directory.
	Group   string  `json:"group"`
	Setgid  bool    `json:"setgid,omitempty"`
	Entries []Entry `json:"entries"`
}

// HomeACL calculates a home folder's ACL: owned by the user and Domain
// Users, mode 0700, no named entries, no default ACL.
func HomeACL(h Home) ACL {
	return ACL{Path: h.Path, Owner: h.User, Group: DomainUsers, Entries: []Entry{
		{Tag: "user", Perm: PermRWX}, {Tag: "group", Perm: PermNone}, {Tag: "other", Perm: PermNone},
	}}
}

// NumACL is an ACL with numeric ids, as setfacl takes and getfacl -n prints it.
type NumACL struct {
	UID, GID int
	Setgid   bool
	// Entries maps "[default:]tag:[id]" to a permission such as "r-x".
	Entries map[string]string
}

// Resolve turns names into ids with ids (names → uid/gid).
func (a ACL) Resolve(ids IDs) (NumACL, error) {
	n := NumACL{Setgid: a.Setgid, Entries: map[string]string{}}
	var ok bool
	if n.UID, ok = ids.UID(a.Owner); !ok {
		return NumACL{}, fmt.Errorf("%s: user %s is not in the directory", a.Path, quote(a.Owner))
	}
	if n.GID, ok = ids.GID(a.Group); !ok {
		return NumACL{}, fmt.Errorf("%s: group %s is not in the directory", a.Path, quote(a.Group))
	}
	for _, e := range a.Entries {
		q := ""
		if e.Name != "" {
			var id int
			if e.Tag == "user" {
				id, ok = ids.UID(e.Name)
			} else {
				id, ok = ids.GID(e.Name)
			}
			if !ok {
				return NumACL{}, fmt.Errorf("%s: %s %s is not in the directory", a.Path, e.Tag, quote(e.Name))
			}
			q = strconv.Itoa(id)
		}
		n.Entries[entryKey(e.Default, e.Tag, q)] = e.Perm
	}
	return n, nil
}

func entryKey(def bool, tag, q string) string {
	k := tag + ":" + q
	if def {
		k = "default:" + k
	}
	return k
}

// keyOrder sorts entries as getfacl prints them.
func keyOrder(k string) (int, int, string) {
	def := 0
	if strings.HasPrefix(k, "default:") {
		def, k = 1, strings.TrimPrefix(k, "default:")
	}
	tag, q, _ := strings.Cut(k, ":")
	rank := map[string]int{"user": 0, "group": 2, "mask": 4, "other": 5}[tag]
	if q != "" {
		rank++
	}
	return def, rank, q
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		di, ri, qi := keyOrder(keys[i])
		dj, rj, qj := keyOrder(keys[j])
		if di != dj {
			return di < dj
		}
		if ri != rj {
			return ri < rj
		}
		ni, ei := strconv.Atoi(qi)
		nj, ej := strconv.Atoi(qj)
		if ei == nil && ej == nil {
			return ni < nj
		}
		return qi < qj
	})
	return keys
}

// SetfaclInput renders the ACL entries for `setfacl --set-file=-` (the
// owner, group and setgid bit are set separately).
func (n NumACL) SetfaclInput() []byte {
	var b bytes.Buffer
	for _, k := range sortedKeys(n.Entries) {
		b.WriteString(k + ":" + n.Entries[k] + "\n")
	}
	return b.Bytes()
}

// ParseGetfacl reads `getfacl --absolute-names -p -n PATH` output: the
// "# owner:", "# group:" and "# flags:" header lines and the entries
// (effective-rights comments are dropped).
func ParseGetfacl(out []byte) (NumACL, error) {
	n := NumACL{UID: -1, GID: -1, Entries: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			k, v, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
			v = strings.TrimSpace(v)
			var err error
			switch k {
			case "owner":
				n.UID, err = strconv.Atoi(v)
			case "group":
				n.GID, err = strconv.Atoi(v)
			case "flags":
				n.Setgid = len(v) == 3 && v[1] == 's'
			}
			if err != nil {
				return NumACL{}, fmt.Errorf("getfacl printed %s %s, expected a number (is -n missing?)", k, quote(v))
			}
			continue
		}
		if f := strings.Fields(line); len(f) > 0 {
			line = f[0]
		}
		i := strings.LastIndexByte(line, ':')
		if i < 0 || len(line)-i-1 != 3 || !validKey(line[:i]) {
			return NumACL{}, fmt.Errorf("cannot read getfacl line %s", quote(line))
		}
		n.Entries[line[:i]] = line[i+1:]
	}
	if n.UID < 0 || n.GID < 0 {
		return NumACL{}, fmt.Errorf("getfacl printed no owner or group")
	}
	return n, sc.Err()
}

// Diff lists what differs between cur and want, one change per owner,
// group, setgid flag or ACL entry, with ids shown by name where names
// knows them.
func Diff(cur, want NumACL, names IDNames) []plan.Change {
	var ch []plan.Change
	if cur.UID != want.UID {
		ch = append(ch, plan.Change{Field: "owner", Before: names.user(cur.UID), After: names.user(want.UID)})
	}
	if cur.GID != want.GID {
		ch = append(ch, plan.Change{Field: "group", Before: names.group(cur.GID), After: names.group(want.GID)})
	}
	if cur.Setgid != want.Setgid {
		ch = append(ch, plan.Change{Field: "setgid", Before: strconv.FormatBool(cur.Setgid), After: strconv.FormatBool(want.Setgid)})
	}
	all := map[string]string{}
	for k := range cur.Entries {
		all[k] = ""
	}
	for k := range want.Entries {
		all[k] = ""
	}
	for _, k := range sortedKeys(all) {
		b, a := cur.Entries[k], want.Entries[k]
		if a != b {
			ch = append(ch, plan.Change{Field: names.entry(k), Before: b, After: a})
		}
	}
	return ch
}

// IDNames maps ids back to names for readable plans.
type IDNames struct {
	Users, Groups map[int]string
}

func (n IDNames) user(id int) string {
	if s, ok := n.Users[id]; ok {
		return s
	}
	return strconv.Itoa(id)
}

func (n IDNames) group(id int) string {
	if s, ok := n.Groups[id]; ok {
		return s
	}
	return strconv.Itoa(id)
}

// entry renders "default:group:3000015" as "default:group:partners".
func (n IDNames) entry(k string) string {
	prefix := ""
	if strings.HasPrefix(k, "default:") {
		prefix, k = "default:", strings.TrimPrefix(k, "default:")
	}
	tag, q, _ := strings.Cut(k, ":")
	if id, err := strconv.Atoi(q); err == nil {
		if tag == "user" {
			q = n.user(id)
		} else {
			q = n.group(id)
		}
	}
	return prefix + tag + ":" + q
}

// validKey accepts "[default:]tag:[qualifier]" with a known tag.
func validKey(k string) bool {
	k = strings.TrimPrefix(k, "default:")
	tag, _, ok := strings.Cut(k, ":")
	switch tag {
	case "user", "group", "mask", "other":
		return ok
	}
	return false
}
