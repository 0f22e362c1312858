// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBoxRel(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/etc/hosts", "etc/hosts", true},
		{"/root//x/./y", "root/x/y", true},
		{"etc/hosts", "", false},
		{"/../etc/shadow", "", false},
		{"/root/../../etc", "", false},
		{"/", "", false},
		{"/a\x00b", "", false},
	} {
		got, err := boxRel(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("boxRel(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// fakeBox makes tmp/root (a box root with etc/ and root/) next to
// tmp/outside, and a source file.
func fakeBox(t *testing.T) (root, outside, src string) {
	t.Helper()
	tmp := t.TempDir()
	root, outside = filepath.Join(tmp, "root"), filepath.Join(tmp, "outside")
	for _, d := range []string{root + "/etc", root + "/root", outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src = filepath.Join(tmp, "src")
	if err := os.WriteFile(src, []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, outside, src
}

func TestCopyIntoRoot(t *testing.T) {
	root, outside, src := fakeBox(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("/etc", root+"/root/abs"))             // absolute: means the box's /etc
	must(os.Symlink("../../../outside", root+"/root/rel")) // climbs above the root
	must(os.Symlink(outside, root+"/root/hostabs"))        // a host path, meaningless in the box

	must(copyIntoRoot(root, src, "/root/plain", 0o600))
	st, err := os.Stat(root + "/root/plain")
	must(err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}

	must(copyIntoRoot(root, src, "/root/abs/viaabs", 0o644))
	if _, err := os.Stat(root + "/etc/viaabs"); err != nil {
		t.Errorf("copy through an absolute in-box symlink did not land in the box's /etc: %v", err)
	}

	for _, dst := range []string{"/root/rel/x", "/root/hostabs/x", "/root/../../outside/x", "relative/x", "/nodir/x"} {
		if err := copyIntoRoot(root, src, dst, 0o644); err == nil {
			t.Errorf("copy to %s succeeded", dst)
		}
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("something escaped the box root: %v", entries)
	}
	// no temporary files left behind
	entries, _ = os.ReadDir(root + "/root")
	for _, e := range entries {
		if strings.Contains(e.Name(), "posse-tmp") {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
	if err := copyIntoRoot(root, filepath.Dir(src), "/root/dir", 0o644); err == nil {
		t.Error("copying a directory succeeded")
	}
}

func TestCopyFromRoot(t *testing.T) {
	root, outside, _ := fakeBox(t)
	if err := os.WriteFile(root+"/etc/conf", []byte("box conf\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside+"/secret", []byte("host secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/etc/conf", root+"/root/abs")
	os.Symlink("../../outside/secret", root+"/root/rel")
	dst := filepath.Join(t.TempDir(), "out")

	if err := copyFromRoot(root, "/root/abs", dst); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dst)
	st, _ := os.Stat(dst)
	if string(b) != "box conf\n" || st.Mode().Perm() != 0o640 {
		t.Errorf("copied %q mode %v", b, st.Mode().Perm())
	}
	if err := copyFromRoot(root, "/root/rel", dst+"2"); err == nil {
		t.Error("copy through a symlink climbing out of the root succeeded")
	}
	if _, err := os.Stat(dst + "2"); err == nil {
		t.Error("host file copied out through an escaping symlink")
	}
	if err := copyFromRoot(root, "/etc", dst+"3"); err == nil {
		t.Error("copying a directory out succeeded")
	}
	dir := t.TempDir()
	if err := copyFromRoot(root, "/etc/conf", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "conf")); err != nil {
		t.Errorf("copy into a directory: %v", err)
	}
}

func FuzzBoxRel(f *testing.F) {
	for _, s := range []string{"/etc/hosts", "/../x", "/a/./b", "rel", "/", "//x//y/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		rel, err := boxRel(p)
		if err != nil {
			return
		}
		if rel == "" || strings.HasPrefix(rel, "/") || strings.ContainsRune(rel, 0) {
			t.Fatalf("boxRel(%q) = %q", p, rel)
		}
		for _, el := range strings.Split(rel, "/") {
			if el == ".." || el == "." || el == "" {
				t.Fatalf("boxRel(%q) = %q has element %q", p, rel, el)
			}
		}
		if j := filepath.Join("/root-of-box", rel); !strings.HasPrefix(j, "/root-of-box/") {
			t.Fatalf("boxRel(%q) = %q leaves the root when joined: %q", p, rel, j)
		}
	})
}
