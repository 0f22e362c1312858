// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// fleetStatus is the part of `possectl fleet status --json` the test reads
// (docs/fleet.md describes all of it).
type fleetStatus struct {
	Version        int `json:"version"`
	Boxes          int `json:"boxes"`
	NeedsAttention int `json:"needs_attention"`
	Reports        []struct {
		Name      string `json:"name"`
		Reachable bool   `json:"reachable"`
		Problem   string `json:"problem"`
		Detail    string `json:"detail"`
		Site      string `json:"site"`
		Healthy   bool   `json:"healthy"`
		Services  []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"services"`
		Backup *struct {
			Configured bool `json:"configured"`
			Copies     []struct {
				Name        string  `json:"name"`
				LastResult  string  `json:"last_result"`
				LastSuccess string  `json:"last_success"`
				AgeHours    float64 `json:"age_hours"`
			} `json:"copies"`
			CopyAgeHours *float64 `json:"copy_age_hours"`
			Drill        *struct {
				LastRun  string  `json:"last_run"`
				Result   string  `json:"result"`
				AgeHours float64 `json:"age_hours"`
			} `json:"drill"`
		} `json:"backup"`
		Certificates *struct {
			DaysLeft *int `json:"days_left"`
			Certs    []struct {
				Name     string `json:"name"`
				NotAfter string `json:"not_after"`
				DaysLeft int    `json:"days_left"`
			} `json:"certs"`
			Error string `json:"error"`
		} `json:"certificates"`
		Drift *struct {
			Empty bool   `json:"empty"`
			Steps int    `json:"steps"`
			Error string `json:"error"`
		} `json:"drift"`
		Updates *struct {
			Pending  int    `json:"pending"`
			Security int    `json:"security"`
			Error    string `json:"error"`
		} `json:"updates"`
		NeedsAttention bool     `json:"needs_attention"`
		Attention      []string `json:"attention"`
		Seconds        float64  `json:"seconds"`
	} `json:"reports"`
}

// TestFleet boots two boxes and applies the minimal site to one. The fleet
// lists that box with its template, the other box (whose host key is not
// known), an address in the first box's network where nothing answers and
// a port of the second box that accepts connections and never speaks,
// and the first box for a user our key does not open.
// fleet status --json must report the first healthy and matching its
// template, the second refused for its unknown key (and the key not
// written), the third unreachable, the fourth timed out, both within the
// timeout and a few seconds, the fifth refused our key; after a membership
// is removed by hand on the first box, it reports drift. Both runs exit 1.
func TestFleet(t *testing.T) {
	healthy := harness.Box(t, "fleeta")
	unknown := harness.Box(t, "fleetb")
	dir := t.TempDir()
	key := sshKeyInto(t, dir, healthy, unknown)
	template, _ := filepath.Abs("../examples/minimal.yaml")
	secrets := filepath.Join(dir, "minimal.secrets.yaml")
	b, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(secrets, b, 0o600)
	healthy.Apply(t, template, secrets)

	// The person's own configuration and keys: a HOME of the test's own.
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "SSH_AUTH_SOCK="}
	known := filepath.Join(dir, "known_hosts")
	keys := []string{"--identity", key, "--known-hosts", known}

	// The first box's key is accepted once, as a person would.
	acceptHostKey(t, env, keys, "root@"+healthy.IP())
	knownBefore, _ := os.ReadFile(known)

	ip := net.ParseIP(healthy.IP()).To4()
	silent := net.IPv4(ip[0], ip[1], ip[2], 200).String()
	// A port on the second box that accepts connections and never
	// says a word: SSH hangs there until the timeout.
	unknown.MustRun(t, "systemd-run", "--unit", "fleet-tarpit", "python3", "-c",
		"import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',2222))\ns.listen()\nc=[]\nwhile True: c.append(s.accept())")
	harness.Eventually(t, 20*time.Second, func() error {
		if o, _, _ := unknown.Output(t, "ss", "-Hltn", "sport = :2222"); !strings.Contains(o, "2222") {
			return fmt.Errorf("nothing listens on port 2222 yet")
		}
		return nil
	})
	for _, add := range [][]string{
		{"shop", "root@" + healthy.IP(), "--template", template, "--secrets", secrets},
		{"newbox", "root@" + unknown.IP()},
		{"gone", "root@" + silent},
		{"tarpit", "root@" + unknown.IP() + ":2222"},
		{"stranger", "nobody@" + healthy.IP()},
	} {
		if o, e, code := harness.HostPossectl(t, env, append([]string{"fleet", "add"}, add...)...); code != 0 {
			t.Fatalf("fleet add %v: exit %d\n%s\n%s", add, code, o, e)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "config", "posse", "fleet.yaml")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("fleet file: %v %v", fi, err)
	}

	const timeout = 10 * time.Second
	status := func(t *testing.T) fleetStatus {
		t.Helper()
		start := time.Now()
		o, e, code := harness.HostPossectl(t, env, append(keys, "fleet", "status", "--json", "--timeout", timeout.String())...)
		took := time.Since(start)
		if code != 1 || !strings.Contains(e, "need attention") {
			t.Errorf("fleet status: exit %d, want 1\n%s", code, e)
		}
		if took > timeout+10*time.Second {
			t.Errorf("fleet status took %s with a timeout of %s", took.Round(time.Second), timeout)
		}
		var s fleetStatus
		if err := json.Unmarshal([]byte(o), &s); err != nil {
			t.Fatalf("fleet status --json: %v\n%s", err, o)
		}
		t.Logf("fleet status in %.1fs:\n%s", took.Seconds(), o)
		if s.Version != 1 || s.Boxes != 5 || len(s.Reports) != 5 {
			t.Fatalf("fleet status: %+v", s)
		}
		if b, _ := os.ReadFile(known); string(b) != string(knownBefore) {
			t.Errorf("fleet status changed known_hosts:\nbefore %q\nafter %q", knownBefore, b)
		}
		// Worst first: the two unreachable boxes, then the box that
		// answered.
		if s.Reports[4].Name != "shop" {
			t.Errorf("shop is not last: %+v", s.Reports)
		}
		for _, r := range s.Reports {
			switch r.Name {
			case "newbox":
				if r.Reachable || r.Problem != "host-key-unknown" || !strings.Contains(r.Detail, "SHA256:") || !r.NeedsAttention {
					t.Errorf("newbox (key not known): %+v", r)
				}
			case "gone":
				if r.Reachable || (r.Problem != "timeout" && r.Problem != "no-route") || !r.NeedsAttention {
					t.Errorf("gone (nothing answers): %+v", r)
				}
				if r.Seconds > (timeout + 3*time.Second).Seconds() {
					t.Errorf("gone took %.1fs with a timeout of %s", r.Seconds, timeout)
				}
			case "stranger":
				if r.Reachable || r.Problem != "auth-failed" || !r.NeedsAttention {
					t.Errorf("stranger (our key not authorised): %+v", r)
				}
			case "tarpit":
				if r.Reachable || r.Problem != "timeout" || !r.NeedsAttention {
					t.Errorf("tarpit (never answers): %+v", r)
				}
				if r.Seconds < timeout.Seconds()-1 || r.Seconds > (timeout+3*time.Second).Seconds() {
					t.Errorf("tarpit took %.1fs with a timeout of %s", r.Seconds, timeout)
				}
			}
		}
		return s
	}
	shop := func(s fleetStatus) (i int) {
		for i = range s.Reports {
			if s.Reports[i].Name == "shop" {
				return i
			}
		}
		t.Fatalf("no report for shop")
		return 0
	}

	t.Run("healthy box matches its template", func(t *testing.T) {
		s := status(t)
		r := s.Reports[shop(s)]
		if !r.Reachable || !r.Healthy || r.Site != "Beispiel GmbH" || len(r.Services) == 0 || r.NeedsAttention || s.NeedsAttention != 4 {
			t.Errorf("shop: %+v", r)
		}
		if r.Drift == nil || !r.Drift.Empty || r.Drift.Steps != 0 || r.Drift.Error != "" {
			t.Errorf("shop's drift: %+v", r.Drift)
		}
		if r.Backup == nil || r.Backup.Configured || len(r.Backup.Copies) != 0 || r.Backup.CopyAgeHours != nil || r.Backup.Drill != nil {
			t.Errorf("shop's backup (none in the site): %+v", r.Backup)
		}
		// The site CA and the LDAPS certificate Samba serves, with the
		// days they have left: a new box's are far from ending.
		c := r.Certificates
		if c == nil || c.Error != "" || c.DaysLeft == nil || *c.DaysLeft <= 14 {
			t.Fatalf("shop's certificates: %+v", c)
		}
		ldaps := false
		for _, x := range c.Certs {
			end, err := time.Parse(time.RFC3339, x.NotAfter)
			if err != nil || x.DaysLeft < *c.DaysLeft || x.DaysLeft != int(time.Until(end).Hours()/24) {
				t.Errorf("certificate %+v (soonest %d days)", x, *c.DaysLeft)
			}
			ldaps = ldaps || x.Name == "directory (LDAPS)"
		}
		if !ldaps {
			t.Errorf("no LDAPS certificate: %+v", c.Certs)
		}
		// possed read the pending updates (apt's simulation); the box
		// has none from a security suite, or it would need attention.
		if r.Updates == nil || r.Updates.Error != "" || r.Updates.Security != 0 {
			t.Errorf("shop's updates: %+v", r.Updates)
		}
	})

	t.Run("a membership removed by hand is drift", func(t *testing.T) {
		healthy.MustRun(t, "samba-tool", "group", "removemembers", "office", "jdoe")
		s := status(t)
		r := s.Reports[shop(s)]
		if r.Drift == nil || r.Drift.Empty || r.Drift.Steps < 1 || !r.NeedsAttention || !r.Healthy || s.NeedsAttention != 5 {
			t.Errorf("shop after the change: %+v %+v", r, r.Drift)
		}
		// The text form: one line per box, worst first.
		o, e, code := harness.HostPossectl(t, env, append(keys, "fleet", "status", "--timeout", timeout.String())...)
		t.Logf("fleet status:\n%s%s", o, e)
		lines := strings.Split(strings.TrimSpace(o), "\n")
		if code != 1 || len(lines) != 6 || !strings.HasPrefix(lines[0], "BOX") || !strings.Contains(lines[5], "shop") ||
			!strings.Contains(lines[5], "ATTENTION") || !strings.Contains(o, "host-key-unknown") || !strings.Contains(e, "5 of 5 boxes need attention") {
			t.Errorf("fleet status (text): exit %d\n%s", code, o)
		}
	})
	t.Run("a share ACL changed by hand and a failed backup need attention", func(t *testing.T) {
		// The shop grows a share and a backup; the fleet follows the new
		// template.
		grown := filepath.Join(dir, "shop.yaml")
		base, _ := os.ReadFile(template)
		// Its off-site copy goes over sftp to the box itself.
		selfCopyTarget(t, healthy)
		os.WriteFile(grown, append(base, []byte("shares:\n  - name: Akten\n    write: [office]\nbackup:\n  repository: /srv/posse/backup\n  password: ${secret:backup}\n  schedule: \"*-*-* 03:00\"\n  keep: {daily: 7}\n  include: [directory, shares]\n"+
			"  copies:\n    - name: nas\n      repository: sftp:root@"+healthy.IP()+":/srv/copy\n      schedule: \"*-*-* 04:00\"\n")...), 0o600)
		sec, _ := os.ReadFile(secrets)
		grownSecrets := filepath.Join(dir, "shop.secrets.yaml")
		os.WriteFile(grownSecrets, append(sec, []byte("backup: \"Fleet-Backup-Pw-2026!\"\n")...), 0o600)
		healthy.Apply(t, grown, grownSecrets)
		for _, args := range [][]string{{"fleet", "remove", "shop"}, {"fleet", "add", "shop", "root@" + healthy.IP(), "--template", grown, "--secrets", grownSecrets}} {
			if o, e, code := harness.HostPossectl(t, env, args...); code != 0 {
				t.Fatalf("%v: exit %d\n%s%s", args, code, o, e)
			}
		}
		healthy.MustRun(t, "possectl", "backup", "run")
		healthy.MustRun(t, "possectl", "backup", "copy", "nas")
		healthy.MustRun(t, "possectl", "backup", "drill")
		// The repository goes away: the next backup fails, as on a dead
		// disk, and so does the next restore drill.
		healthy.MustRun(t, "mv", "/srv/posse/backup", "/srv/posse/backup.gone")
		if _, _, code := healthy.Output(t, "possectl", "backup", "run"); code == 0 {
			t.Fatal("a backup without its repository succeeded")
		}
		if _, _, code := healthy.Output(t, "possectl", "backup", "drill"); code == 0 {
			t.Fatal("a restore drill without its repository succeeded")
		}
		// A permission changed by hand on the share (Samba then ignores its
		// stored Windows ACL).
		healthy.MustRun(t, "setfacl", "-m", "o::rx", "/srv/posse/shares/akten")
		s := status(t)
		r := s.Reports[shop(s)]
		if r.Drift == nil || r.Drift.Steps < 1 || !r.NeedsAttention {
			t.Errorf("shop's drift after the hand change: %+v", r.Drift)
		}
		var backupFailed, drillFailed bool
		for _, a := range r.Attention {
			backupFailed = backupFailed || a == "the last backup failed"
			drillFailed = drillFailed || a == "the last restore drill failed"
		}
		if r.Backup == nil || !r.Backup.Configured || !backupFailed {
			t.Fatalf("shop's backup after a failed run: %+v, attention %q", r.Backup, r.Attention)
		}
		// The copy made minutes ago is young; the drill that failed is
		// reported with its age.
		b := r.Backup
		if len(b.Copies) != 1 || b.Copies[0].Name != "nas" || b.Copies[0].LastResult != "success" || b.Copies[0].LastSuccess == "" ||
			b.Copies[0].AgeHours < 0 || b.Copies[0].AgeHours > 1 || b.CopyAgeHours == nil || *b.CopyAgeHours != b.Copies[0].AgeHours {
			t.Errorf("shop's copies: %+v (oldest %v)", b.Copies, b.CopyAgeHours)
		}
		if b.Drill == nil || b.Drill.Result != "failed" || b.Drill.AgeHours < 0 || b.Drill.AgeHours > 1 || !drillFailed {
			t.Errorf("shop's drill: %+v, attention %q", b.Drill, r.Attention)
		}
		if c := r.Certificates; c == nil || c.DaysLeft == nil || *c.DaysLeft <= 14 {
			t.Errorf("shop's certificates: %+v", c)
		}
	})
}

// selfCopyTarget lets box's root reach itself over SSH with a key of its
// own (added to root's authorized_keys, next to the test's key), for an
// sftp backup copy to the box itself.
func selfCopyTarget(t *testing.T, box *harness.TestBox) {
	t.Helper()
	box.AuthorizeKey(t, "root", box.RootKey(t))
	box.TrustHost(t, box.IP())
	box.CheckSSH(t, "root@"+box.IP())
}
