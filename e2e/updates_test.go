// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// probeDeb builds the package posse-probe in version v with dpkg-deb on
// the host and returns its path.
func probeDeb(t *testing.T, dir, v string) string {
	t.Helper()
	root := filepath.Join(dir, "posse-probe-"+v)
	for _, d := range []string{"DEBIAN", "usr/share/posse-probe"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	control := "Package: posse-probe\nVersion: " + v + "\nArchitecture: all\nMaintainer: Posse <posse@example.org>\n" +
		"Section: misc\nPriority: optional\nDescription: package for Posse's update test\n"
	if err := os.WriteFile(filepath.Join(root, "DEBIAN", "control"), []byte(control), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/share/posse-probe/version"), []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deb := filepath.Join(dir, "posse-probe_"+v+"_all.deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", root, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, out)
	}
	return deb
}

// securityRepo makes a flat apt repository in dir holding deb: its
// Packages (dpkg-scanpackages) and a Release that says it is Debian's
// security suite of release, as Debian's security archive does.
func securityRepo(t *testing.T, dir, deb, release string) {
	t.Helper()
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	cmd.Dir = dir
	packages, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-scanpackages: %v", err)
	}
	if !strings.Contains(string(packages), "Package: posse-probe") {
		t.Fatalf("Packages lacks posse-probe:\n%s", packages)
	}
	if err := os.WriteFile(filepath.Join(dir, "Packages"), packages, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(packages)
	rel := fmt.Sprintf("Origin: Debian\nLabel: Debian-Security\nSuite: %s-security\nCodename: %s-security\nDate: %s\nArchitectures: all amd64 arm64\nComponents: main\nSHA256:\n %s %d Packages\n",
		release, release, time.Now().UTC().Add(-time.Hour).Format(time.RFC1123), hex.EncodeToString(sum[:]), len(packages))
	if err := os.WriteFile(filepath.Join(dir, "Release"), []byte(rel), 0o644); err != nil {
		t.Fatal(err)
	}
}

// updatesList is the part of `possectl updates list --json` the test reads.
type updatesList struct {
	ID      string `json:"id"`
	Pending []struct {
		Package   string `json:"package"`
		Installed string `json:"installed"`
		Candidate string `json:"candidate"`
		Origin    string `json:"origin"`
		Security  bool   `json:"security"`
	} `json:"pending"`
	Count        int    `json:"count"`
	Security     int    `json:"security"`
	ListsUpdated string `json:"lists_updated"`
	Refreshed    bool   `json:"refreshed"`
	LastUpgrade  *struct {
		At       string `json:"at"`
		Result   string `json:"result"`
		Packages int    `json:"packages"`
	} `json:"last_upgrade"`
}

func listUpdates(t *testing.T, tb *harness.TestBox, extra ...string) updatesList {
	t.Helper()
	out := tb.MustRun(t, append([]string{"possectl", "updates", "list", "--json"}, extra...)...)
	var u updatesList
	if err := json.Unmarshal([]byte(out), &u); err != nil {
		t.Fatalf("updates list --json: %v\n%s", err, out)
	}
	return u
}

// TestUpdates: a box with posse-probe 1.0 installed and 1.1 in a local
// repository that calls itself Debian's security suite. The template's
// updates key writes unattended-upgrades' configuration, which apt and
// unattended-upgrades read (and a second plan has nothing to do);
// possectl updates list --refresh shows 1.1 pending as a security
// update, updates apply installs it through posse-updates.service, and
// the site's services are healthy afterwards.
func TestUpdates(t *testing.T) {
	tb := harness.Box(t, "updates")
	release := harness.Release()
	if release == "" {
		release = "trixie"
	}
	dir := t.TempDir()
	old := probeDeb(t, dir, "1.0")
	repo := filepath.Join(dir, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	newDeb := probeDeb(t, repo, "1.1")
	securityRepo(t, repo, newDeb, release)

	tb.CopyIn(t, old, "/root/posse-probe_1.0_all.deb", 0o644)
	tb.MustRun(t, "dpkg", "-i", "/root/posse-probe_1.0_all.deb")
	tb.MustRun(t, "install", "-d", "-m", "0755", "/srv/posse-repo")
	for _, f := range []string{filepath.Base(newDeb), "Packages", "Release"} {
		tb.CopyIn(t, filepath.Join(repo, f), "/srv/posse-repo/"+f, 0o644)
	}
	// The box has no route to Debian's mirrors: its only source is the
	// local repository.
	tb.MustRun(t, "sh", "-c", "mkdir -p /root/sources-off && for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do [ -e \"$f\" ] && mv \"$f\" /root/sources-off/; done; true")
	tb.MustRun(t, "sh", "-c", "echo 'deb [trusted=yes] file:/srv/posse-repo ./' > /etc/apt/sources.list.d/posse-test.list")

	template := filepath.Join(dir, "site.yaml")
	raw, err := os.ReadFile("../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, []byte("updates: {automatic: security, reboot: \"Sun 03:00\"}\n")...)
	if err := os.WriteFile(template, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(dir, "secrets.yaml")
	sraw, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, sraw, 0o600); err != nil {
		t.Fatal(err)
	}
	// Sandbox boxes mask apt's timers at boot; a real box has them.
	tb.MustRun(t, "systemctl", "unmask", "--runtime", "apt-daily-upgrade.timer")
	tb.Apply(t, template, secrets)

	t.Run("the template configures unattended-upgrades", func(t *testing.T) {
		dump := tb.MustRun(t, "apt-config", "dump")
		for _, want := range []string{
			`Unattended-Upgrade::Automatic-Reboot "true";`,
			`Unattended-Upgrade::Automatic-Reboot-Time "03:00";`,
			`Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";`,
			`APT::Periodic::Unattended-Upgrade "1";`,
		} {
			if !strings.Contains(dump, want) {
				t.Errorf("apt-config dump lacks %s", want)
			}
		}
		// Debian's own 50unattended-upgrades allows the release itself
		// too; security means the security suites only.
		if strings.Contains(dump, `"origin=Debian,codename=${distro_codename},label=Debian";`) {
			t.Errorf("apt-config dump still allows the release:\n%s", grepLines(dump, "Origins-Pattern"))
		}
		drop := tb.MustRun(t, "cat", "/etc/systemd/system/apt-daily-upgrade.timer.d/50-posse.conf")
		if !strings.Contains(drop, "OnCalendar=\nOnCalendar=Sun *-*-* 02:00:00\n") {
			t.Errorf("the timer's drop-in:\n%s", drop)
		}
		cal := tb.MustRun(t, "systemctl", "show", "apt-daily-upgrade.timer", "-p", "TimersCalendar", "--value")
		if !strings.Contains(cal, "OnCalendar=Sun *-*-* 02:00:00") || strings.Count(cal, "OnCalendar=") != 1 {
			t.Errorf("apt-daily-upgrade.timer: %q, want only Sun 02:00, an hour before the window", cal)
		}
		// unattended-upgrades reads the configuration and would install
		// the probe from the security suite.
		tb.MustRun(t, "apt-get", "update", "-q")
		o, e, code := tb.Output(t, "unattended-upgrade", "--dry-run", "-d")
		if code != 0 || !strings.Contains(o+e, release+"-security") || !strings.Contains(o+e, "posse-probe") {
			t.Errorf("unattended-upgrade --dry-run exited %d:\n%s\n%s", code, o, e)
		}
		if _, _, changes := planUnits(t, tb, template, secrets); changes != 0 {
			t.Errorf("a second plan has %d changes", changes)
		}
	})

	t.Run("list shows the update as security", func(t *testing.T) {
		u := listUpdates(t, tb, "--refresh")
		if !u.Refreshed || u.ListsUpdated == "" || u.ID == "" {
			t.Errorf("list: %+v", u)
		}
		found := false
		for _, p := range u.Pending {
			if p.Package == "posse-probe" {
				found = true
				if p.Installed != "1.0" || p.Candidate != "1.1" || !p.Security || !strings.Contains(p.Origin, release+"-security") {
					t.Errorf("posse-probe: %+v", p)
				}
			}
		}
		if !found || u.Security < 1 || u.Count != len(u.Pending) {
			t.Errorf("posse-probe is not pending as a security update: %+v", u)
		}
		st := tb.MustRun(t, "possectl", "status")
		if !strings.Contains(st, "updates: 1 update pending (1 security)") {
			t.Errorf("status does not count the security update:\n%s", st)
		}
	})

	t.Run("apply installs it and the services stay healthy", func(t *testing.T) {
		o, e, code := tb.Output(t, "possectl", "updates", "apply", "--yes", "--json")
		if code != 0 {
			t.Fatalf("updates apply exited %d:\n%s\n%s", code, o, e)
		}
		var r struct {
			Plan     []struct{ Package, Candidate string } `json:"plan"`
			Upgraded []struct {
				Package   string `json:"package"`
				Installed string `json:"installed"`
			} `json:"upgraded"`
			Pending  int    `json:"pending"`
			Unit     string `json:"unit"`
			Log      string `json:"log"`
			Services []struct {
				Service string `json:"service"`
				OK      bool   `json:"ok"`
			} `json:"services"`
			OK bool `json:"ok"`
		}
		if err := json.Unmarshal([]byte(o), &r); err != nil {
			t.Fatalf("updates apply --json: %v\n%s", err, o)
		}
		if !r.OK || r.Pending != 0 || r.Unit != "posse-updates.service" || len(r.Services) == 0 || !strings.Contains(r.Log, "Setting up posse-probe (1.1)") {
			t.Errorf("apply: %+v\n%s", r, e)
		}
		up := false
		for _, p := range r.Upgraded {
			up = up || p.Package == "posse-probe" && p.Installed == "1.1"
		}
		if !up {
			t.Errorf("posse-probe 1.1 is not among the upgraded: %+v", r.Upgraded)
		}
		for _, s := range r.Services {
			if !s.OK {
				t.Errorf("after the updates %s is not healthy", s.Service)
			}
		}
		if v := strings.TrimSpace(tb.MustRun(t, "dpkg-query", "-W", "-f=${Version}", "posse-probe")); v != "1.1" {
			t.Errorf("posse-probe %s installed, want 1.1", v)
		}
		if !strings.Contains(tb.MustRun(t, "journalctl", "-u", "posse-updates.service", "--no-pager"), "posse-probe") {
			t.Error("posse-updates.service's journal does not mention the package")
		}
		if u := listUpdates(t, tb); u.Count != 0 || u.LastUpgrade == nil || u.LastUpgrade.Result != "success" || u.LastUpgrade.Packages != 1 {
			t.Errorf("after apply: %+v (last upgrade %+v)", u, u.LastUpgrade)
		}
		st := tb.MustRun(t, "possectl", "status")
		if !strings.Contains(st, "updates: none pending") || !strings.Contains(st, "1 package, success") {
			t.Errorf("status after the updates:\n%s", st)
		}
	})
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
