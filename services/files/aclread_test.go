// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadACLMatchesGetfacl compares the xattr reader with getfacl on
// real directories: no ACL, an access ACL with named entries and a mask,
// a default ACL, the setgid bit. It needs setfacl and getfacl and a file
// system with ACLs.
func TestReadACLMatchesGetfacl(t *testing.T) {
	if _, err := exec.LookPath("setfacl"); err != nil {
		t.Skip("setfacl is not installed")
	}
	dir := t.TempDir()
	cases := map[string][][]string{
		"plain": nil,
		"named": {{"-m", "u:4000001:r-x,g:4000002:rwx,g:100:r-x,m::rwx,o::---"}},
		"default": {
			{"-m", "g:4000002:rwx,m::rwx,o::---"},
			{"-d", "-m", "u::rwx,g::r-x,g:4000002:rwx,g:4000003:r-x,m::rwx,o::---"},
		},
		"private": {{"-m", "g:4000002:rwx,m::---"}},
	}
	for name, runs := range cases {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, 0o750); err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if out, err := exec.Command("setfacl", append(r, p)...).CombinedOutput(); err != nil {
				t.Skipf("setfacl on this file system: %v: %s", err, out)
			}
		}
	}
	if err := os.Chmod(filepath.Join(dir, "default"), 0o770|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	for name := range cases {
		p := filepath.Join(dir, name)
		out, err := exec.Command("getfacl", "--absolute-names", "-p", "-n", "--", p).Output()
		if err != nil {
			t.Fatal(err)
		}
		want, err := ParseGetfacl(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readACLXattr(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %+v\ngetfacl  %+v\n%s", name, got, want, out)
		}
	}
}

func TestParseACLXattr(t *testing.T) {
	e := map[string]string{}
	// version 2; user::rwx, user:3000020:r-x, group::---, mask::rwx, other::---
	b := []byte{2, 0, 0, 0,
		1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,
		2, 0, 5, 0, 0xd4, 0xc6, 0x2d, 0,
		4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	if err := parseACLXattr(b, "default:", e); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"default:user:": "rwx", "default:user:3000020": "r-x", "default:group:": "---", "default:mask:": "rwx", "default:other:": "---"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("entries %v, want %v", e, want)
	}
	for _, bad := range [][]byte{nil, b[:7], append([]byte{1}, b[1:]...), append(append([]byte(nil), b[:4]...), 0x40, 0, 7, 0, 0, 0, 0, 0)} {
		if err := parseACLXattr(bad, "", map[string]string{}); err == nil {
			t.Errorf("parseACLXattr(%v) succeeded", bad)
		}
	}
}
