// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
)

var testIDs = IDs{
	Users:  map[string]int{"alice": 3000016, "bob": 3000020},
	Groups: map[string]int{"partners": 3000015, "staff": 3000019, "it": 3000030, DomainUsers: 100},
}

// posixShareACL is a share root's ACL as the POSIX ACL model of earlier
// versions set it; ParseGetfacl and Diff still serve home folders.
func posixShareACL(p string, write, read []string) ACL {
	owning := append(slices.Clone(write), read...)[0]
	perm := PermRX
	if slices.Contains(write, owning) {
		perm = PermRWX
	}
	access := []Entry{{Tag: "user", Perm: PermRWX}, {Tag: "group", Perm: perm}}
	for _, g := range write {
		access = append(access, Entry{Tag: "group", Name: g, Perm: PermRWX})
	}
	for _, g := range read {
		access = append(access, Entry{Tag: "group", Name: g, Perm: PermRX})
	}
	access = append(access, Entry{Tag: "mask", Perm: PermRWX}, Entry{Tag: "other", Perm: PermNone})
	entries := slices.Clone(access)
	for _, e := range access {
		e.Default = true
		entries = append(entries, e)
	}
	return ACL{Path: p, Owner: "root", Group: owning, Setgid: true, Entries: entries}
}

func TestHomeACL(t *testing.T) {
	n, err := HomeACL(Home{User: "alice", Path: HomePath("alice")}).Resolve(testIDs)
	if err != nil {
		t.Fatal(err)
	}
	if n.UID != 3000016 || n.GID != 100 || n.Setgid {
		t.Errorf("home owner %d:%d setgid %v", n.UID, n.GID, n.Setgid)
	}
	if got := string(n.SetfaclInput()); got != "user::rwx\ngroup::---\nother::---\n" {
		t.Errorf("home ACL %q", got)
	}
	if _, err := HomeACL(Home{User: "zoe", Path: HomePath("zoe")}).Resolve(testIDs); err == nil || !strings.Contains(err.Error(), `user "zoe" is not in the directory`) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := posixShareACL("/srv/x", []string{"ghosts"}, nil).Resolve(testIDs); err == nil || !strings.Contains(err.Error(), `group "ghosts"`) {
		t.Errorf("unknown group: %v", err)
	}
}

// getfaclOut is what getfacl --absolute-names -p -n printed in a real DC
// for a share root after Samba had added entries of its own.
const getfaclOut = `# file: /srv/posse/shares/akten
# owner: 0
# group: 3000015
# flags: -s-
user::rwx
group::rwx
group:3000015:rwx
group:3000019:r-x	#effective:r-x
mask::rwx
other::---
default:user::rwx
default:group::rwx
default:group:3000015:rwx
default:group:3000019:r-x
default:mask::rwx
default:other::---

`

func TestParseGetfaclAndDiff(t *testing.T) {
	cur, err := ParseGetfacl([]byte(getfaclOut))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := posixShareACL("/srv/posse/shares/akten", []string{"partners"}, []string{"staff"}).Resolve(testIDs)
	if d := Diff(cur, want, testIDs.Names()); len(d) != 0 {
		t.Fatalf("same ACL differs: %+v", d)
	}
	// staff from read to write, it added, owner and setgid lost.
	want2, _ := posixShareACL("/srv/posse/shares/akten", []string{"partners", "staff", "it"}, nil).Resolve(testIDs)
	cur.UID, cur.Setgid = 3000016, false
	got := Diff(cur, want2, testIDs.Names())
	wantCh := []plan.Change{
		{Field: "owner", Before: "alice", After: "root"},
		{Field: "setgid", Before: "false", After: "true"},
		{Field: "group:staff", Before: "r-x", After: "rwx"},
		{Field: "group:it", After: "rwx"},
		{Field: "default:group:staff", Before: "r-x", After: "rwx"},
		{Field: "default:group:it", After: "rwx"},
	}
	if len(got) != len(wantCh) {
		t.Fatalf("diff %+v, want %+v", got, wantCh)
	}
	for i := range got {
		if got[i] != wantCh[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], wantCh[i])
		}
	}
	for _, bad := range []string{"", "# owner: root\n# group: 0\n", "# owner: 0\n# group: 0\nuser:rwx\n"} {
		if _, err := ParseGetfacl([]byte(bad)); err == nil {
			t.Errorf("ParseGetfacl(%q) succeeded", bad)
		}
	}
}

func TestWbinfoResolve(t *testing.T) {
	r := newFakeBox(t, t.TempDir())
	ids, missing, err := Wbinfo{Runner: r.runner, Workgroup: "MUELLER"}.Resolve(t.Context(), []string{"root", "alice", "Bob", "zoe", "partners"}, []string{"partners", DomainUsers, "ghosts", "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if ids.Users["alice"] != 3000016 || ids.Users["Bob"] != 3000020 || ids.Groups[DomainUsers] != 100 || ids.Groups["partners"] != 3000015 {
		t.Errorf("ids %+v", ids)
	}
	// A group asked for as a user, and a user as a group, are not found.
	if strings.Join(missing, ",") != "user zoe,user partners,group ghosts,group carol" {
		t.Errorf("missing %v", missing)
	}
	// One directory search and one wbinfo for all names.
	if n := len(r.argvs("wbinfo")); n != 1 || r.searches != 1 {
		t.Errorf("%d wbinfo runs and %d searches, want one each: %v", n, r.searches, r.argvs("wbinfo"))
	}
	r.winbindDown = true
	if _, _, err := (Wbinfo{Runner: r.runner, Workgroup: "MUELLER"}).Resolve(t.Context(), nil, []string{"partners"}); !errors.Is(err, ErrNoWinbind) {
		t.Errorf("DC down: error %v, want ErrNoWinbind", err)
	}
}

// TestWbinfoResolveRecreated: a user deleted and created again with the
// same name has a new SID and so a new id; the name is resolved through
// the directory's current SID, never through a name cached by winbind.
func TestWbinfoResolveRecreated(t *testing.T) {
	r := newFakeBox(t, t.TempDir())
	w := Wbinfo{Runner: r.runner, Workgroup: "MUELLER"}
	ids, _, err := w.Resolve(t.Context(), []string{"alice"}, nil)
	if err != nil || ids.Users["alice"] != 3000016 {
		t.Fatalf("ids %+v, %v", ids, err)
	}
	r.mu.Lock()
	r.sids["alice"] = "S-1-5-21-1-2-3-1142"
	r.users["alice"] = 3000031
	r.mu.Unlock()
	ids, _, err = w.Resolve(t.Context(), []string{"alice"}, nil)
	if err != nil || ids.Users["alice"] != 3000031 {
		t.Fatalf("after re-creation: ids %+v, %v", ids, err)
	}
	if got := r.argvs("wbinfo"); !strings.HasSuffix(got[len(got)-1], "=S-1-5-21-1-2-3-1142") {
		t.Errorf("wbinfo %q, want the new SID", got[len(got)-1])
	}
}

func TestSidsToIDs(t *testing.T) {
	r := hosttest.NewFakeRunner(t)
	r.On([]string{"wbinfo"}, host.Result{Stdout: []byte("S-1-5-21-9-1109 -> uid/gid 3000020\nS-1-5-21-9-513 -> gid 100\nS-1-5-21-9-500 -> uid 0\nS-1-5-21-9-1200 -> unmapped\n")})
	got, err := Wbinfo{Runner: r}.sidsToIDs(t.Context(), []string{"S-1-5-21-9-1109", "S-1-5-21-9-513", "S-1-5-21-9-500", "S-1-5-21-9-1200"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]xid{
		"S-1-5-21-9-1109": {id: 3000020, uid: true, gid: true},
		"S-1-5-21-9-513":  {id: 100, gid: true},
		"S-1-5-21-9-500":  {id: 0, uid: true},
	}
	if len(got) != len(want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
	if a := r.Argvs(); len(a) != 1 || a[0] != "wbinfo --sids-to-unix-ids=S-1-5-21-9-1109,S-1-5-21-9-513,S-1-5-21-9-500,S-1-5-21-9-1200" {
		t.Errorf("ran %q", a)
	}

	for _, bad := range []string{"S-1-5-21-9-1109 uid 5\n", "S-1-5-21-9-1109 -> uid x\n", "S-1-5-21-9-7 -> uid 5\n", "S-1-5-21-9-1109 -> sid 5\n"} {
		r := hosttest.NewFakeRunner(t)
		r.On([]string{"wbinfo"}, host.Result{Stdout: []byte(bad)})
		if _, err := (Wbinfo{Runner: r}).sidsToIDs(t.Context(), []string{"S-1-5-21-9-1109"}); err == nil {
			t.Errorf("answer %q accepted", bad)
		}
	}
}

// TestSidsToIDsBatches: many SIDs go to wbinfo in several calls, each
// argument well below the kernel's 128 KiB limit for one argument.
func TestSidsToIDsBatches(t *testing.T) {
	r := hosttest.NewFakeRunner(t)
	r.OnFunc([]string{"wbinfo"}, func(c host.Cmd) (host.Result, error) {
		var out strings.Builder
		for _, sid := range strings.Split(strings.TrimPrefix(c.Argv[1], "--sids-to-unix-ids="), ",") {
			out.WriteString(sid + " -> uid/gid 3" + sid[strings.LastIndexByte(sid, '-')+1:] + "\n")
		}
		return host.Result{Stdout: []byte(out.String())}, nil
	})
	var sids []string
	for i := range 2*sidsPerCall + 1 {
		sids = append(sids, fmt.Sprintf("S-1-5-21-1200512026-103675325-490299163-%d", 100000+i))
	}
	got, err := Wbinfo{Runner: r}.sidsToIDs(t.Context(), sids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sids) || got[sids[len(sids)-1]].id != 3100000+2*sidsPerCall {
		t.Errorf("%d ids, last %+v", len(got), got[sids[len(sids)-1]])
	}
	a := r.Argvs()
	if len(a) != 3 {
		t.Fatalf("%d wbinfo runs, want 3", len(a))
	}
	for _, argv := range a {
		if len(argv) > 64<<10 {
			t.Errorf("wbinfo argument of %d bytes", len(argv))
		}
	}
}

func TestSidString(t *testing.T) {
	b := []byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x1a, 0x5c, 0x8e, 0x47, 0xbd, 0xf5, 0x2d, 0x06, 0x1b, 0x5f, 0x39, 0x1d, 0x55, 0x04, 0, 0}
	s, err := sidString(b)
	if err != nil || s != "S-1-5-21-1200512026-103675325-490299163-1109" {
		t.Errorf("sidString = %q, %v", s, err)
	}
	for _, bad := range [][]byte{nil, b[:7], b[:27], append([]byte{2}, b[1:]...)} {
		if _, err := sidString(bad); err == nil {
			t.Errorf("sidString(%v) succeeded", bad)
		}
	}
}
