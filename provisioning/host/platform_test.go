// SPDX-License-Identifier: GPL-3.0-or-later

package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeRoot(t *testing.T, osRelease, status string) string {
	t.Helper()
	root := t.TempDir()
	if osRelease != "" {
		os.MkdirAll(filepath.Join(root, "etc"), 0o755)
		os.WriteFile(filepath.Join(root, "etc/os-release"), []byte(osRelease), 0o644)
	}
	if status != "" {
		os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755)
		os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(status), 0o644)
	}
	return root
}

const trixieOS = `PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
NAME="Debian GNU/Linux"
VERSION_ID="13"
VERSION="13 (trixie)"
VERSION_CODENAME=trixie
ID=debian
`

const status = `Package: dovecot-core
Status: install ok installed
Version: 1:2.4.1+dfsg1-6+deb13u7

Package: samba
Status: install ok installed
Version: 2:4.22.11+dfsg-0+deb13u1

Package: restic
Status: install ok half-configured
Version: 0.18.0-1+b4

Package: postfix
Status: deinstall ok config-files
Version: 3.10.13-0+deb13u1
`

func TestReadPlatform(t *testing.T) {
	p, err := ReadPlatform(writeRoot(t, trixieOS, status))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Known || p.ID != "debian" || p.VersionID != "13" || p.Codename != "trixie" {
		t.Fatalf("platform = %+v", p)
	}
	if maj, min, ok := p.Upstream("dovecot-core"); !ok || maj != 2 || min != 4 {
		t.Errorf("dovecot = %d.%d %v", maj, min, ok)
	}
	if maj, min, ok := p.Upstream("samba"); !ok || maj != 4 || min != 22 {
		t.Errorf("samba = %d.%d %v", maj, min, ok)
	}
	if v, ok := p.Version("restic"); !ok || v != "0.18.0-1+b4" {
		t.Error("a half-configured package (a failed configure step in an upgrade) does not count with its new version")
	}
	if _, ok := p.Version("postfix"); ok {
		t.Error("a removed package with config files left counts as installed")
	}
	if err := p.CheckSupported(); err != nil {
		t.Error(err)
	}
}

func TestUnknownRootPasses(t *testing.T) {
	p, err := ReadPlatform(t.TempDir())
	if err != nil || p.Known {
		t.Fatalf("%+v %v", p, err)
	}
	if err := p.CheckSupported(); err != nil {
		t.Error(err)
	}
}

func TestUnsupportedReleases(t *testing.T) {
	for _, osr := range []string{
		"PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
		"PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n",
	} {
		p, _ := ReadPlatform(writeRoot(t, osr, ""))
		err := p.CheckSupported()
		if err == nil {
			t.Errorf("%q accepted", osr)
			continue
		}
		for _, want := range []string{"does not support", "Debian 13 (trixie)", "Debian 12 (bookworm)"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if !strings.Contains(err.Error(), strings.Split(strings.Split(osr, "\"")[1], "\"")[0]) {
			t.Errorf("error %q does not name the release found", err)
		}
	}
}

func TestUpstreamMajorMinor(t *testing.T) {
	for v, want := range map[string][2]int{
		"1:2.3.19.1+dfsg1-2.1+deb12u1": {2, 3},
		"2:4.17.12+dfsg-0+deb12u1":     {4, 17},
		"0.18.0-1+b4":                  {0, 18},
		"257.13-1~deb13u1":             {257, 13},
		"3.7.11-0+deb12u1":             {3, 7},
	} {
		maj, min, ok := UpstreamMajorMinor(v)
		if !ok || maj != want[0] || min != want[1] {
			t.Errorf("%s: %d.%d %v", v, maj, min, ok)
		}
	}
	if _, _, ok := UpstreamMajorMinor("junk"); ok {
		t.Error("junk parsed")
	}
}
