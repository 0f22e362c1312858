// SPDX-License-Identifier: GPL-3.0-or-later

package fsutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("new\n"), 0o640, NoID, NoID); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(st.Data) != "new\n" || st.Mode != 0o640 {
		t.Errorf("got %q mode %o, want %q mode 640", st.Data, st.Mode, "new\n")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o600, NoID, NoID); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

func TestEnsureFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	uid, gid := os.Getuid(), os.Getgid()
	steps := []struct {
		name    string
		data    string
		mode    fs.FileMode
		uid     int
		changed bool
	}{
		{"create", "a\n", 0o644, NoID, true},
		{"same", "a\n", 0o644, NoID, false},
		{"same with own uid", "a\n", 0o644, uid, false},
		{"mode only", "a\n", 0o600, NoID, true},
		{"content", "b\n", 0o600, NoID, true},
		{"again", "b\n", 0o600, NoID, false},
	}
	for _, s := range steps {
		changed, err := EnsureFile(p, []byte(s.data), s.mode, s.uid, gid)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if changed != s.changed {
			t.Errorf("%s: changed = %v, want %v", s.name, changed, s.changed)
		}
		st, _ := ReadState(p)
		if !st.Same([]byte(s.data), s.mode, s.uid, gid) {
			t.Errorf("%s: file is %q %o, want %q %o", s.name, st.Data, st.Mode, s.data, s.mode)
		}
	}
	if err := os.Symlink(p, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureFile(filepath.Join(dir, "link"), nil, 0o644, NoID, NoID); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("EnsureFile through a symlink: err = %v, want a symbolic link error", err)
	}
	if _, err := EnsureFile(dir, nil, 0o644, NoID, NoID); err == nil {
		t.Error("EnsureFile on a directory succeeded")
	}
}

func TestEnsureDirAndMkdirAll(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "a")
	for i, want := range []bool{true, false} {
		changed, err := EnsureDir(d, 0o750, NoID, NoID)
		if err != nil || changed != want {
			t.Errorf("EnsureDir #%d = %v, %v; want %v, nil", i, changed, err, want)
		}
	}
	if changed, _ := EnsureDir(d, 0o700, NoID, NoID); !changed {
		t.Error("mode change not reported")
	}
	if st, _ := ReadState(d); !st.Dir || st.Mode != 0o700 {
		t.Errorf("dir state %+v", st)
	}
	created, err := MkdirAll(filepath.Join(d, "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(d, "b"), filepath.Join(d, "b", "c")}
	if strings.Join(created, ",") != strings.Join(want, ",") {
		t.Errorf("MkdirAll created %v, want %v", created, want)
	}
	if created, _ := MkdirAll(d); len(created) != 0 {
		t.Errorf("MkdirAll of existing dir created %v", created)
	}
}

func TestLookup(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\nDebian-exim:x:104:109::/var/spool/exim4:/usr/sbin/nologin\nvmail:x:5000:5000::/srv/mail:/usr/sbin/nologin\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nvmail:x:5001:\n"), 0o644)
	empty := t.TempDir()
	tests := []struct {
		root, owner, group string
		uid, gid           int
		err                string
	}{
		{root, "vmail", "vmail", 5000, 5001, ""},
		{root, "Debian-exim", "", 104, NoID, ""},
		{root, "", "", NoID, NoID, ""},
		{root, "root", "root", 0, 0, ""},
		{empty, "root", "root", 0, 0, ""},
		{root, "nobody", "", NoID, NoID, `unknown user "nobody"`},
		{root, "", "staff", NoID, NoID, `unknown group "staff"`},
		{empty, "vmail", "", NoID, NoID, "no such file"},
		{root, "x:0", "", NoID, NoID, "invalid user name"},
		{root, "../etc", "", NoID, NoID, "invalid user name"},
	}
	for _, tt := range tests {
		uid, gid, err := Owner(tt.root, tt.owner, tt.group)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Owner(%q, %q): err = %v, want %q", tt.owner, tt.group, err, tt.err)
			}
			continue
		}
		if err != nil || uid != tt.uid || gid != tt.gid {
			t.Errorf("Owner(%q, %q) = %d, %d, %v; want %d, %d", tt.owner, tt.group, uid, gid, err, tt.uid, tt.gid)
		}
	}
}

func TestCheckInside(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/samba"), 0o755)
	os.Symlink(outside, filepath.Join(root, "etc/escape"))
	os.Symlink("samba", filepath.Join(root, "etc/rel"))
	os.WriteFile(filepath.Join(root, "etc/samba/smb.conf"), nil, 0o644)
	os.Symlink(filepath.Join(outside, "x"), filepath.Join(root, "etc/samba/link.conf"))
	os.Symlink("../../..", filepath.Join(root, "etc/samba/up"))
	os.Symlink("../samba", filepath.Join(root, "etc/samba/self"))
	linkRoot := filepath.Join(t.TempDir(), "rootlink")
	os.Symlink(root, linkRoot)
	tests := []struct {
		path string
		ok   bool
	}{
		{"etc/samba/smb.conf", true},
		{"etc/samba/new/deeper.conf", true},
		{"etc/rel/smb.conf", true},
		{"etc/escape/x.conf", false},
		{"etc/escape/a/b/c.conf", false},
		{"etc/samba/link.conf", false},
		{"etc/samba/up/x", false},
		{"etc/samba/self/self/smb.conf", true},
		{"../x", false},
	}
	for _, r := range []string{root, linkRoot} {
		for _, tt := range tests {
			err := CheckInside(r, filepath.Join(r, tt.path))
			if (err == nil) != tt.ok {
				t.Errorf("CheckInside(%s, %s) = %v, want ok=%v", r, tt.path, err, tt.ok)
			}
		}
	}
	if err := CheckInside("/", "/etc/passwd"); err != nil {
		t.Errorf("root /: %v", err)
	}
}
