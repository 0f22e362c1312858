package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestMmdebstrapArgs(t *testing.T) {
	args := mmdebstrapArgs("/img/.build", []string{"systemd", "dbus"}, []string{"/etc/apt/sources.list.d/debian.sources"})
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
	base := ImageID(Packages)
	if len(base) != 16 {
		t.Fatalf("ImageID length %d", len(base))
	}
	if ImageID(Packages) != base {
		t.Error("ImageID is not stable")
	}
	rev := slices.Clone(Packages)
	slices.Reverse(rev)
	if ImageID(rev) != base {
		t.Error("ImageID depends on the order of the package list")
	}
	if ImageID(append(slices.Clone(Packages), "vim-tiny")) == base {
		t.Error("ImageID did not change when a package was added")
	}
	if ImageID(Packages[1:]) == base {
		t.Error("ImageID did not change when a package was removed")
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
