// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestMmdebstrapArgs(t *testing.T) {
	args := mmdebstrapArgs("bookworm", "/img/.build", []string{"systemd", "dbus"}, []string{"/etc/apt/sources.list.d/debian.sources"})
	want := []string{
		"--mode=root", "--variant=minbase", "--include=systemd,dbus",
		"--essential-hook=" + essentialHook, "--customize-hook=" + customizeHook,
		"bookworm", "/img/.build", "/etc/apt/sources.list.d/debian.sources",
	}
	if !slices.Equal(args, want) {
		t.Errorf("args =\n%q\nwant\n%q", args, want)
	}
	if !strings.Contains(essentialHook, "postfix/main_mailer_type select No configuration") ||
		!strings.Contains(essentialHook, "krb5-config/default_realm") {
		t.Error("the essential hook lacks the debconf answers")
	}
	for _, h := range []string{essentialHook, customizeHook} {
		if !strings.Contains(h, `"$1`) {
			t.Errorf("hook %q does not use the root mmdebstrap passes as $1", h)
		}
	}
}

func TestImageID(t *testing.T) {
	base := ImageID("trixie", Packages)
	if len(base) != len("trixie-")+16 || !strings.HasPrefix(base, "trixie-") {
		t.Fatalf("ImageID length %d", len(base))
	}
	if ImageID("trixie", Packages) != base {
		t.Error("ImageID is not stable")
	}
	rev := slices.Clone(Packages)
	slices.Reverse(rev)
	if ImageID("trixie", rev) != base {
		t.Error("ImageID depends on the order of the package list")
	}
	if ImageID("trixie", append(slices.Clone(Packages), "vim-tiny")) == base {
		t.Error("ImageID did not change when a package was added")
	}
	if ImageID("trixie", Packages[1:]) == base {
		t.Error("ImageID did not change when a package was removed")
	}
	if ImageID("bookworm", Packages) == base {
		t.Error("ImageID is the same for two releases")
	}
}

func TestSourcesForRelease(t *testing.T) {
	deb822 := `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
`
	got := strings.Join(deb822ForRelease(deb822, "bookworm", "trixie"), "\n")
	want := `Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`
	if got != want {
		t.Errorf("deb822 sources for trixie:\n%s\nwant\n%s", got, want)
	}
	if got := strings.Join(deb822ForRelease(deb822, "bookworm", "bookworm"), "\n"); strings.Contains(got, "nodesource") || !strings.Contains(got, "Suites: bookworm-security") {
		t.Errorf("sources for the host's own release:\n%s", got)
	}
	one := "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main contrib\n" +
		"# deb http://deb.debian.org/debian bookworm-backports main\n" +
		"deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n" +
		"deb http://security.debian.org/debian-security bookworm-security main\n"
	got = strings.Join(oneLineForRelease(one, "bookworm", "trixie"), "\n")
	want = "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main contrib\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n" +
		"\nTypes: deb\nURIs: http://security.debian.org/debian-security\nSuites: trixie-security\nComponents: main\n"
	if got != want {
		t.Errorf("one-line sources for trixie:\n%s\nwant\n%s", got, want)
	}
}

func TestCheckRelease(t *testing.T) {
	for _, r := range Releases {
		if err := CheckRelease(r); err != nil {
			t.Error(err)
		}
	}
	if CheckRelease("bullseye") == nil || CheckRelease("") == nil {
		t.Error("an unknown release passed")
	}
	if Releases[0] != DefaultRelease || DefaultRelease != "trixie" {
		t.Error("the default release is not Debian 13")
	}
}

func TestPackagesNeeded(t *testing.T) {
	for _, p := range []string{"systemd", "systemd-sysv", "dbus", "samba", "postfix", "dovecot-imapd", "restic", "polkitd", "openssh-server"} {
		if !slices.Contains(Packages, p) {
			t.Errorf("Packages lacks %s", p)
		}
	}
	seen := map[string]bool{}
	for _, p := range Packages {
		if seen[p] || strings.ContainsAny(p, ", ") {
			t.Errorf("bad or duplicate package %q", p)
		}
		seen[p] = true
	}
}

func TestHasFilesystem(t *testing.T) {
	pf := "nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n"
	if !hasFilesystem(pf, "overlay") || !hasFilesystem(pf, "ext4") || hasFilesystem(pf, "btrfs") || hasFilesystem(pf, "nodev") {
		t.Error("hasFilesystem misreads /proc/filesystems")
	}
}
