package files

import (
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/plan"
)

var testIDs = IDs{
	Users:  map[string]int{"alice": 3000016, "bob": 3000020},
	Groups: map[string]int{"partners": 3000015, "staff": 3000019, "it": 3000030, DomainUsers: 100},
}

func TestShareACL(t *testing.T) {
	tests := []struct {
		name        string
		share       Share
		group       string
		setfaclText string
	}{
		{"write and read", Share{Path: "/srv/a", Write: []string{"partners"}, Read: []string{"staff"}}, "partners",
			"user::rwx\ngroup::rwx\ngroup:3000015:rwx\ngroup:3000019:r-x\nmask::rwx\nother::---\n" +
				"default:user::rwx\ndefault:group::rwx\ndefault:group:3000015:rwx\ndefault:group:3000019:r-x\ndefault:mask::rwx\ndefault:other::---\n"},
		{"read only share", Share{Path: "/srv/a", Read: []string{"staff", "it"}}, "staff",
			"user::rwx\ngroup::r-x\ngroup:3000019:r-x\ngroup:3000030:r-x\nmask::rwx\nother::---\n" +
				"default:user::rwx\ndefault:group::r-x\ndefault:group:3000019:r-x\ndefault:group:3000030:r-x\ndefault:mask::rwx\ndefault:other::---\n"},
		{"group in read and write writes", Share{Path: "/srv/a", Write: []string{"it"}, Read: []string{"it", "staff"}}, "it",
			"user::rwx\ngroup::rwx\ngroup:3000019:r-x\ngroup:3000030:rwx\nmask::rwx\nother::---\n" +
				"default:user::rwx\ndefault:group::rwx\ndefault:group:3000019:r-x\ndefault:group:3000030:rwx\ndefault:mask::rwx\ndefault:other::---\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ShareACL(tt.share)
			if a.Owner != "root" || a.Group != tt.group || !a.Setgid || a.Path != tt.share.Path {
				t.Errorf("owner %s group %s setgid %v path %s, want root %s true %s", a.Owner, a.Group, a.Setgid, a.Path, tt.group, tt.share.Path)
			}
			n, err := a.Resolve(testIDs)
			if err != nil {
				t.Fatal(err)
			}
			if n.UID != 0 || n.GID != testIDs.Groups[tt.group] {
				t.Errorf("ids %d:%d", n.UID, n.GID)
			}
			if got := string(n.SetfaclInput()); got != tt.setfaclText {
				t.Errorf("setfacl input:\n%s\nwant:\n%s", got, tt.setfaclText)
			}
		})
	}
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
	if _, err := ShareACL(Share{Path: "/srv/x", Write: []string{"ghosts"}}).Resolve(testIDs); err == nil || !strings.Contains(err.Error(), `group "ghosts"`) {
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
	want, _ := ShareACL(Share{Path: "/srv/posse/shares/akten", Write: []string{"partners"}, Read: []string{"staff"}}).Resolve(testIDs)
	if d := Diff(cur, want, testIDs.Names()); len(d) != 0 {
		t.Fatalf("same ACL differs: %+v", d)
	}
	// staff from read to write, it added, owner and setgid lost.
	want2, _ := ShareACL(Share{Path: "/srv/posse/shares/akten", Write: []string{"partners", "staff", "it"}}).Resolve(testIDs)
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
	ids, missing, err := Wbinfo{Runner: r.runner, Workgroup: "MUELLER"}.Resolve(t.Context(), []string{"root", "alice", "zoe"}, []string{"partners", DomainUsers, "ghosts"})
	if err != nil {
		t.Fatal(err)
	}
	if ids.Users["alice"] != 3000016 || ids.Groups[DomainUsers] != 100 || ids.Groups["partners"] != 3000015 {
		t.Errorf("ids %+v", ids)
	}
	if strings.Join(missing, ",") != "user zoe,group ghosts" {
		t.Errorf("missing %v", missing)
	}
	r.winbindDown = true
	if _, _, err := (Wbinfo{Runner: r.runner, Workgroup: "MUELLER"}).Resolve(t.Context(), nil, []string{"partners"}); err == nil {
		t.Error("winbind down: no error")
	}
}
