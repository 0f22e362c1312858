// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

func TestParseSimulation(t *testing.T) {
	out := `NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
Reading package lists...
Building dependency tree...
Calculating upgrade...
The following packages will be upgraded:
   libssl3t64 openssl posse-probe tzdata
4 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
Inst libssl3t64 [3.5.1-1] (3.5.1-1+deb13u1 Debian-Security:13/stable-security [amd64])
Inst openssl [3.5.1-1] (3.5.1-1+deb13u1 Debian:13.2/stable, Debian-Security:13/stable-security [amd64]) []
Inst tzdata [2025b-4] (2025b-4+deb13u1 Debian:13.2/stable [all])
Inst posse-probe [1.0] (1.1 local:1/trixie-security [all])
Inst libnew1 (2.0-1 Debian:13.2/stable [amd64])
Inst bare [1] (2 localhost [amd64])
Conf libssl3t64 (3.5.1-1+deb13u1 Debian-Security:13/stable-security [amd64])
Conf openssl (3.5.1-1+deb13u1 Debian:13.2/stable [amd64])
`
	got, err := ParseSimulation([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Update{
		{Package: "libssl3t64", Installed: "3.5.1-1", Candidate: "3.5.1-1+deb13u1", Origin: "Debian-Security:13/stable-security", Security: true},
		{Package: "openssl", Installed: "3.5.1-1", Candidate: "3.5.1-1+deb13u1", Origin: "Debian:13.2/stable, Debian-Security:13/stable-security", Security: true},
		{Package: "tzdata", Installed: "2025b-4", Candidate: "2025b-4+deb13u1", Origin: "Debian:13.2/stable"},
		{Package: "posse-probe", Installed: "1.0", Candidate: "1.1", Origin: "local:1/trixie-security", Security: true},
		{Package: "libnew1", Candidate: "2.0-1", Origin: "Debian:13.2/stable"},
		{Package: "bare", Installed: "1", Candidate: "2", Origin: "localhost"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if none, err := ParseSimulation([]byte("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")); err != nil || len(none) != 0 {
		t.Errorf("nothing pending: %v %v", none, err)
	}
}

func TestParseSimulationRefusesBrokenLines(t *testing.T) {
	for _, line := range []string{"Inst ", "Inst foo [1.0", "Inst foo [1.0] 1.1", "Inst foo [1.0] (1.1 Debian:13/stable", "Inst foo [1] ( [all])"} {
		if _, err := ParseSimulation([]byte(line + "\n")); err == nil {
			t.Errorf("%q was accepted", line)
		}
	}
}

func TestSecurityIsTheSuiteNotAnyText(t *testing.T) {
	us, err := ParseSimulation([]byte("Inst a [1] (2 my-security-label:1/stable [all])\nInst b [1] (2 Debian:13/trixie-security-updates [all])\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Security {
			t.Errorf("%s counted as security: %q", u.Package, u.Origin)
		}
	}
}

func TestUpdatesID(t *testing.T) {
	a := []Update{{Package: "a", Installed: "1", Candidate: "2"}}
	b := []Update{{Package: "a", Installed: "1", Candidate: "3"}}
	if UpdatesID(a) == UpdatesID(b) || UpdatesID(a) != UpdatesID([]Update{{Package: "a", Installed: "1", Candidate: "2", Origin: "x"}}) {
		t.Error("the id must follow names and versions only")
	}
}

func TestListsUpdated(t *testing.T) {
	root := t.TempDir()
	env := &host.Env{Root: root}
	if !ListsUpdated(env).IsZero() {
		t.Error("no lists: want zero")
	}
	lists := filepath.Join(root, aptListsDir)
	os.MkdirAll(lists, 0o755)
	f := filepath.Join(lists, "deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages")
	os.WriteFile(f, nil, 0o644)
	old := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(f, old, old)
	os.Chtimes(lists, old, old)
	if got := ListsUpdated(env); !got.Equal(old) {
		t.Errorf("got %v, want %v", got, old)
	}
	stamp := env.State(updatesStamp)
	os.MkdirAll(filepath.Dir(stamp), 0o755)
	os.WriteFile(stamp, nil, 0o644)
	newer := old.Add(time.Hour)
	os.Chtimes(stamp, newer, newer)
	if got := ListsUpdated(env); !got.Equal(newer) {
		t.Errorf("with Posse's stamp: got %v, want %v", got, newer)
	}
}
