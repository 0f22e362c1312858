// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"shop", "Shop-2", "a", "box_1.example", strings.Repeat("a", 63)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a b", "a/b", "ä", strings.Repeat("a", 64), "x\n"} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) accepted it", bad)
		}
	}
}

func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		in   string
		user string
		host string
		port int
	}{
		{"root@box.example", "root", "box.example", 22},
		{"admin@10.0.0.5:2222", "admin", "10.0.0.5", 2222},
		{"admin@[fd00::1]:22", "admin", "fd00::1", 22},
		{"admin@[fd00::1]", "admin", "fd00::1", 22},
		{"admin@fd00::1", "admin", "fd00::1", 22},
		{"a@h:65535", "a", "h", 65535},
	} {
		u, h, p, err := ParseHost(tc.in)
		if err != nil || u != tc.user || h != tc.host || p != tc.port {
			t.Errorf("ParseHost(%q) = %q %q %d %v", tc.in, u, h, p, err)
		}
	}
	for _, bad := range []string{
		"box.example", "@box", "root@", "root@-oProxyCommand=x", "-o@box", "root@box:0", "root@box:65536",
		"root@box:22x", "root@box:-1", "root@box:022", "root@bo x", "root@box/1", "root@-box", "root@box-.example",
		"root@fe80::1%eth0", "root@box;reboot", "root@box\n",
	} {
		if _, _, _, err := ParseHost(bad); err == nil {
			t.Errorf("ParseHost(%q) accepted it", bad)
		}
	}
}

func TestStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "posse")
	f, err := Load(dir)
	if err != nil || len(f.Boxes) != 0 || f.Path != filepath.Join(dir, "fleet.yaml") {
		t.Fatalf("Load of nothing: %+v %v", f, err)
	}
	for _, e := range []Entry{{Name: "shop", Host: "root@10.0.0.5"}, {Name: "cafe", Host: "admin@cafe.example:2222", Template: "/t/cafe.yaml"}} {
		if err := f.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Add(Entry{Name: "SHOP", Host: "root@10.0.0.6"}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("a duplicate name: %v", err)
	}
	if err := f.Add(Entry{Name: "x", Host: "root@-oProxyCommand=sh"}); err == nil {
		t.Errorf("an option as host was added")
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(f.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fleet file mode: %v %v", fi, err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", di.Mode())
	}
	g, err := Load(dir)
	if err != nil || len(g.Boxes) != 2 || g.Boxes[0].Name != "cafe" || g.Boxes[0].Template != "/t/cafe.yaml" {
		t.Fatalf("reloaded: %+v %v", g, err)
	}
	if !g.Remove("Shop") || g.Remove("shop") || len(g.Boxes) != 1 {
		t.Errorf("remove: %+v", g.Boxes)
	}
	// No temporary file is left behind.
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %v", ents)
	}

	// A JSON file is read and written as JSON; both at once are refused.
	jdir := t.TempDir()
	os.WriteFile(filepath.Join(jdir, "fleet.json"), []byte(`{"boxes":[{"name":"b","host":"root@b.example"}]}`), 0o600)
	j, err := Load(jdir)
	if err != nil || len(j.Boxes) != 1 || j.Boxes[0].Host != "root@b.example" {
		t.Fatalf("json: %+v %v", j, err)
	}
	j.Add(Entry{Name: "c", Host: "root@c.example"})
	if err := j.Save(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(jdir, "fleet.json")); !strings.Contains(string(b), `"name": "c"`) {
		t.Errorf("json written: %s", b)
	}
	os.WriteFile(filepath.Join(jdir, "fleet.yaml"), nil, 0o600)
	if _, err := Load(jdir); err == nil {
		t.Errorf("both files were accepted")
	}

	// A file edited by hand is checked.
	for name, body := range map[string]string{
		"dup":     "boxes:\n  - {name: a, host: root@a}\n  - {name: A, host: root@b}\n",
		"badhost": "boxes:\n  - {name: a, host: '-oProxyCommand=x'}\n",
		"unknown": "boxes:\n  - {name: a, host: root@a, pasword: x}\n",
	} {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "fleet.yaml"), []byte(body), 0o600)
		if _, err := Load(d); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestDirFollowsXDG(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/x/conf")
	if d, _ := Dir(); d != "/x/conf/posse" {
		t.Errorf("Dir = %s", d)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/anna")
	if d, _ := Dir(); d != "/home/anna/.config/posse" {
		t.Errorf("Dir = %s", d)
	}
}

// FuzzParseHost: whatever is accepted is a login name, a host name or
// address that no program reads as an option, and a port in range.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"root@box", "a@10.0.0.1:22", "a@[fd00::1]:2222", "root@-oProxyCommand=x", "x@y:0", "@", "a@b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, h, p, err := ParseHost(s)
		if err != nil {
			return
		}
		if u == "" || h == "" || strings.HasPrefix(u, "-") || strings.HasPrefix(h, "-") || p < 1 || p > 65535 {
			t.Fatalf("ParseHost(%q) = %q %q %d", s, u, h, p)
		}
		if strings.ContainsAny(u+h, " \t\r\n\x00/;&|$`'\"\\%") {
			t.Fatalf("ParseHost(%q) let through %q %q", s, u, h)
		}
	})
}
