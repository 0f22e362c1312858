// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/e2e/harness"
)

// packagedFiles are files the package posse installs; after a purge none
// may be left.
var packagedFiles = []string{
	"/usr/sbin/possed",
	"/usr/bin/possectl",
	"/usr/lib/systemd/system/possed.service",
	"/usr/share/dbus-1/system.d/org.posse.Posse1.conf",
	"/usr/share/dbus-1/system-services/org.posse.Posse1.service",
	"/usr/share/polkit-1/actions/org.posse.Posse1.policy",
	"/usr/share/polkit-1/rules.d/50-posse.rules",
	"/usr/share/man/man1/possectl.1.gz",
	"/usr/share/man/man8/possed.8.gz",
	"/usr/share/doc/posse/copyright",
	"/usr/share/doc/posse/changelog.gz",
	"/usr/share/bash-completion/completions/possectl",
	"/usr/share/zsh/vendor-completions/_possectl",
	"/usr/share/fish/vendor_completions.d/possectl.fish",
}

// buildDeb runs scripts/deb.sh --no-gui on the binaries of POSSE_BIN into
// dir and returns the package's path; version "" derives it from git.
func buildDeb(t *testing.T, dir, version string) string {
	t.Helper()
	cmd := exec.Command("./scripts/deb.sh", "--no-gui", "--bin", os.Getenv("POSSE_BIN"), "--out", dir)
	cmd.Dir = ".."
	cmd.Env = os.Environ()
	if version != "" {
		cmd.Env = append(cmd.Env, "POSSE_DEB_VERSION="+version)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scripts/deb.sh: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	lines := strings.Fields(stdout.String())
	if len(lines) != 1 || !strings.HasSuffix(lines[0], "_amd64.deb") {
		t.Fatalf("scripts/deb.sh printed %q, want one package", stdout.String())
	}
	return lines[0]
}

// copyFile copies a host file.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

// debVersion is the version in a package file name posse_VERSION_amd64.deb.
func debVersion(path string) string {
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "posse_"), "_amd64.deb")
}

// aptInstall installs a package file in the box with apt as a user would
// (apt-get install ./posse_….deb). The box has no mirror, so every
// dependency must be in the image already: apt must get nothing but the
// file. (--no-download would not do: with it apt looks for the local file
// in its archive cache and fails.)
func aptInstall(t *testing.T, tb *harness.TestBox, boxPath string) string {
	t.Helper()
	o, e, code := tb.Output(t, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", boxPath)
	if code != 0 {
		t.Fatalf("apt-get install %s exited with %d:\n%s%s", boxPath, code, o, e)
	}
	if !strings.Contains(o, "Need to get 0 B/") {
		t.Errorf("apt-get install %s needed packages from a mirror:\n%s%s", boxPath, o, e)
	}
	return o + e
}

// installedVersion is the version dpkg has installed of posse ("" if none).
func installedVersion(t *testing.T, tb *harness.TestBox) string {
	t.Helper()
	o, _, code := tb.Output(t, "dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", "posse")
	if code != 0 || !strings.HasPrefix(o, "ii ") {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(o, "ii "))
}

// possedPID is possed.service's main process ("0" when it does not run).
func possedPID(t *testing.T, tb *harness.TestBox) string {
	t.Helper()
	return strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", "possed.service"))
}

// activeServices lists the active service units, without the transient
// units of the sandbox's commands.
func activeServices(t *testing.T, tb *harness.TestBox) string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(tb.MustRun(t, "systemctl", "list-units", "--type=service", "--state=active", "--no-legend", "--plain"), "\n") {
		// Transient units of `sandbox run` itself: run-u7.service (systemd
		// 252, Debian 12), run-p253-i362970.service (systemd 257, Debian 13).
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "run-u") && !strings.HasPrefix(f[0], "run-p") {
			out = append(out, f[0])
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// stateListing lists the files under /var/lib/posse with their sizes.
func stateListing(t *testing.T, tb *harness.TestBox) string {
	t.Helper()
	l := strings.Split(strings.TrimSpace(tb.MustRun(t, "find", "/var/lib/posse", "-type", "f", "-printf", "%p %s\n")), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestPackage installs the Debian package posse (an older build first) in
// a fresh box with apt, checks what postinst did and did not do, D-Bus
// activation of the packaged possed, a site applied by a member of
// posse-admin with the packaged possectl, the upgrade to the current build
// (the site stays), and the purge (files and units gone, the site's data
// and services left alone).
func TestPackage(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	const template, secrets = "../examples/minimal.yaml", "../examples/minimal.secrets.yaml"
	start := time.Now()
	newDeb := buildDeb(t, t.TempDir(), "")
	newVersion := debVersion(newDeb)
	oldVersion := newVersion + "~prev" // sorts before newVersion
	oldDeb := buildDeb(t, t.TempDir(), oldVersion)
	t.Logf("built posse %s and %s in %.1fs", oldVersion, newVersion, time.Since(start).Seconds())
	if st, err := os.Stat(newDeb); err == nil {
		t.Logf("package size: %.1f MB", float64(st.Size())/1e6)
	}

	// The sandbox installs possed and its packaging files into every box
	// whose binaries include possed (sandbox/daemon.go). This box must be
	// like a fresh Debian machine, so it gets possectl only.
	bin := t.TempDir()
	copyFile(t, filepath.Join(os.Getenv("POSSE_BIN"), "possectl"), filepath.Join(bin, "possectl"), 0o755)
	t.Setenv("POSSE_BIN", bin)
	tb := harness.Box(t, "pkg")
	for _, f := range packagedFiles {
		if _, _, code := tb.Output(t, "test", "-e", f); code == 0 {
			t.Fatalf("%s is in the box before the package is installed", f)
		}
	}
	// polkit runs before the installation, as on a real box: it must pick
	// up the package's actions and rules by itself.
	tb.MustRun(t, "systemctl", "start", "polkit.service")
	tb.CopyIn(t, oldDeb, "/root/"+filepath.Base(oldDeb), 0o644)
	tb.CopyIn(t, newDeb, "/root/"+filepath.Base(newDeb), 0o644)
	// possectl and possed of the sandbox are at /usr/local/bin, first in
	// PATH: call the packaged ones by their full path.
	const possectl = "/usr/bin/possectl"

	t.Run("install", func(t *testing.T) {
		unitsBefore := activeServices(t, tb)
		if !strings.Contains(unitsBefore, "dbus.service") {
			t.Fatalf("active services without dbus.service:\n%s", unitsBefore)
		}
		out := aptInstall(t, tb, "/root/"+filepath.Base(oldDeb))
		// postinst starts nothing: possed waits for D-Bus activation, the
		// services wait for a site.
		if after := activeServices(t, tb); after != unitsBefore {
			t.Errorf("the installation changed the running services:\nbefore:\n%s\nafter:\n%s", unitsBefore, after)
		}
		if !strings.Contains(out, "1 newly installed") {
			t.Errorf("apt installed more than posse (or nothing):\n%s", out)
		}
		if v := installedVersion(t, tb); v != oldVersion {
			t.Fatalf("installed version %q, want %q", v, oldVersion)
		}
		for _, f := range packagedFiles {
			if _, _, code := tb.Output(t, "test", "-f", f); code != 0 {
				t.Errorf("%s is not installed", f)
			}
		}
		for _, g := range []string{"posse-admin", "posse-office"} {
			out := tb.MustRun(t, "getent", "group", g)
			f := strings.Split(strings.TrimSpace(out), ":")
			if gid, err := strconv.Atoi(f[min(2, len(f)-1)]); err != nil || gid >= 1000 {
				t.Errorf("group %s is not a system group: %s", g, out)
			}
		}
		if pid := possedPID(t, tb); pid != "0" {
			t.Errorf("possed runs (pid %s) right after installation", pid)
		}
		if o, _, _ := tb.Output(t, "systemctl", "is-enabled", "possed.service"); strings.TrimSpace(o) != "static" {
			t.Errorf("possed.service is %q, want static (no [Install], never enabled)", strings.TrimSpace(o))
		}
		if o := tb.MustRun(t, possectl, "version"); strings.TrimSpace(o) == "" {
			t.Errorf("possectl version printed nothing")
		}
		// The image has no man; check the pages are gzipped roff.
		if o := tb.MustRun(t, "sh", "-c", "gzip -dc /usr/share/man/man1/possectl.1.gz | grep '^\\.TH'"); !strings.HasPrefix(o, ".TH POSSECTL 1") {
			t.Errorf("possectl.1: %s", o)
		}
	})

	t.Run("activation", func(t *testing.T) {
		if out, code := busctlAs(t, tb, "root", api.Interface, "Status"); code != 0 {
			t.Fatalf("Status as root: %s", out)
		}
		pid := possedPID(t, tb)
		if pid == "0" {
			t.Fatal("possed.service does not run after a call")
		}
		if exe := strings.TrimSpace(tb.MustRun(t, "readlink", "/proc/"+pid+"/exe")); exe != "/usr/sbin/possed" {
			t.Errorf("activated possed is %s, want the packaged /usr/sbin/possed", exe)
		}
		if out, code := busctlAs(t, tb, "root", "org.freedesktop.DBus.Peer", "Ping"); code != 0 {
			t.Errorf("Ping: %s", out)
		}
	})

	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-admin", "admin1")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-office", "office1")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "plain1")

	t.Run("polkit rules of the package", func(t *testing.T) {
		checkMatrix(t, tb, map[string][]string{
			"admin1":  {"status", "health", "users", "site"},
			"office1": {"status", "health", "users"},
			"plain1":  {"status"},
		})
	})

	t.Run("apply as an admin", func(t *testing.T) {
		tb.CopyIn(t, template, "/home/admin1/site.yaml", 0o600)
		tb.CopyIn(t, secrets, "/home/admin1/site.secrets.yaml", 0o600)
		tb.MustRun(t, "chown", "admin1:admin1", "/home/admin1/site.yaml", "/home/admin1/site.secrets.yaml")
		start := time.Now()
		o, e, code := tb.Output(t, "runuser", "-u", "admin1", "--", possectl, "apply", "/home/admin1/site.yaml", "--secrets", "/home/admin1/site.secrets.yaml", "--yes")
		if code != 0 {
			t.Fatalf("possectl apply as admin1 exited with %d:\n%s%s", code, o, e)
		}
		t.Logf("admin1 applied the site through the packaged possed in %.1fs", time.Since(start).Seconds())
		if o, e, code := tb.Output(t, "runuser", "-u", "office1", "--", possectl, "status"); code != 0 {
			t.Errorf("possectl status as office1 exited with %d:\n%s%s", code, o, e)
		}
		if o, e, code := tb.Output(t, possectl, "status"); code != 0 {
			t.Errorf("possectl status as root exited with %d:\n%s%s", code, o, e)
		}
	})

	stateBefore := stateListing(t, tb)
	if !strings.Contains(stateBefore, "/var/lib/posse/") {
		t.Fatalf("no site state in /var/lib/posse after the apply:\n%s", stateBefore)
	}

	t.Run("upgrade", func(t *testing.T) {
		if _, code := busctlAs(t, tb, "root", api.Interface, "Status"); code != 0 {
			t.Fatal("possed does not answer before the upgrade")
		}
		oldPID := possedPID(t, tb)
		out := aptInstall(t, tb, "/root/"+filepath.Base(newDeb))
		if !strings.Contains(out, "1 upgraded") {
			t.Errorf("apt did not upgrade posse:\n%s", out)
		}
		if v := installedVersion(t, tb); v != newVersion {
			t.Fatalf("installed version %q after the upgrade, want %q", v, newVersion)
		}
		if pid := possedPID(t, tb); pid != "0" && pid == oldPID {
			t.Errorf("the old possed (pid %s) still runs after the upgrade", pid)
		}
		if after := stateListing(t, tb); after != stateBefore {
			t.Errorf("/var/lib/posse changed in the upgrade:\nbefore:\n%s\nafter:\n%s", stateBefore, after)
		}
		if o := tb.MustRun(t, "getent", "group", "posse-admin"); !strings.Contains(o, "admin1") {
			t.Errorf("admin1 left posse-admin in the upgrade: %s", o)
		}
		o, e, code := tb.Output(t, "runuser", "-u", "admin1", "--", possectl, "status")
		if code != 0 {
			t.Errorf("possectl status as admin1 after the upgrade exited with %d:\n%s%s", code, o, e)
		}
		o, e, code = tb.Output(t, "runuser", "-u", "admin1", "--", possectl, "plan", "/home/admin1/site.yaml", "--secrets", "/home/admin1/site.secrets.yaml")
		if code != 0 {
			t.Errorf("possectl plan as admin1 after the upgrade exited with %d:\n%s%s", code, o, e)
		} else {
			t.Logf("plan after the upgrade:\n%s", o)
		}
	})

	t.Run("purge", func(t *testing.T) {
		if _, code := busctlAs(t, tb, "root", api.Interface, "Status"); code != 0 {
			t.Fatal("possed does not answer before the purge")
		}
		o, e, code := tb.Output(t, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "posse")
		if code != 0 {
			t.Fatalf("apt-get purge posse exited with %d:\n%s%s", code, o, e)
		}
		if o, _, _ := tb.Output(t, "dpkg-query", "-W", "-f=${db:Status-Abbrev}", "posse"); strings.TrimSpace(o) != "" && !strings.HasPrefix(o, "pn") && !strings.HasPrefix(o, "un") {
			t.Errorf("dpkg still knows posse as %q after the purge", o)
		}
		for _, f := range packagedFiles {
			if _, _, code := tb.Output(t, "test", "-e", f); code == 0 {
				t.Errorf("%s is left after the purge", f)
			}
		}
		if o := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "LoadState", "--value", "possed.service")); o != "not-found" {
			t.Errorf("possed.service is %q after the purge, want not-found", o)
		}
		if pid := possedPID(t, tb); pid != "0" {
			t.Errorf("possed still runs (pid %s) after the purge", pid)
		}
		if out, code := busctlAs(t, tb, "root", api.Interface, "Status"); code == 0 {
			t.Errorf("possed can still be activated after the purge: %s", out)
		}
		// The site stays: its state, its directory service and its groups'
		// members.
		if after := stateListing(t, tb); after != stateBefore {
			t.Errorf("/var/lib/posse changed in the purge:\nbefore:\n%s\nafter:\n%s", stateBefore, after)
		}
		if o := strings.TrimSpace(tb.MustRun(t, "systemctl", "is-active", "samba-ad-dc.service")); o != "active" {
			t.Errorf("samba-ad-dc.service is %q after the purge", o)
		}
		if _, _, code := tb.Output(t, "getent", "group", "posse-admin"); code != 0 {
			t.Error("purge removed posse-admin, which still has a member")
		}
		tb.MustRun(t, "gpasswd", "-d", "office1", "posse-office")
		// A purge of a package that is already gone re-runs nothing, so
		// check the empty-group rule by installing and purging once more.
		aptInstall(t, tb, "/root/"+filepath.Base(newDeb))
		tb.MustRun(t, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", "posse")
		if _, _, code := tb.Output(t, "getent", "group", "posse-office"); code == 0 {
			t.Error("purge kept posse-office, which had no members")
		}
		if _, _, code := tb.Output(t, "getent", "group", "posse-admin"); code != 0 {
			t.Error("the second purge removed posse-admin, which still has a member")
		}
		if after := stateListing(t, tb); after != stateBefore {
			t.Errorf("/var/lib/posse changed in the second install and purge:\nbefore:\n%s\nafter:\n%s", stateBefore, after)
		}
	})
}
