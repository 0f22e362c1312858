// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/e2e/harness"
	"gopkg.in/yaml.v3"
)

// installDaemon puts possed and its packaging files where the Debian
// package will, and makes dbus, systemd and polkit read them.
func installDaemon(t *testing.T, tb *harness.TestBox) {
	t.Helper()
	bin := os.Getenv("POSSE_BIN")
	for _, f := range []struct {
		src, dst string
		mode     os.FileMode
	}{
		{filepath.Join(bin, "possed"), "/usr/sbin/possed", 0o755},
		{"../packaging/dbus/org.posse.Posse1.conf", "/usr/share/dbus-1/system.d/org.posse.Posse1.conf", 0o644},
		{"../packaging/dbus/org.posse.Posse1.service", "/usr/share/dbus-1/system-services/org.posse.Posse1.service", 0o644},
		{"../packaging/systemd/possed.service", "/usr/lib/systemd/system/possed.service", 0o644},
		{"../packaging/polkit/org.posse.Posse1.policy", "/usr/share/polkit-1/actions/org.posse.Posse1.policy", 0o644},
		{"../packaging/polkit/50-posse.rules", "/usr/share/polkit-1/rules.d/50-posse.rules", 0o644},
	} {
		tb.CopyIn(t, f.src, f.dst, f.mode)
	}
	tb.MustRun(t, "systemctl", "daemon-reload")
	tb.MustRun(t, "busctl", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ReloadConfig")
	tb.MustRun(t, "systemctl", "restart", "polkit")
}

// busctlAs calls possed inside the box with busctl as user ("root" runs it
// directly), without interactive authentication; it returns the output and
// the exit code.
func busctlAs(t *testing.T, tb *harness.TestBox, user, iface, method string, args ...string) (string, int) {
	t.Helper()
	argv := append([]string{"busctl", "--system", "--allow-interactive-authorization=no", "call", api.BusName, api.ObjectPath, iface, method}, args...)
	if user != "root" {
		argv = append([]string{"runuser", "-u", user, "--"}, argv...)
	}
	o, e, code := tb.Output(t, argv...)
	return o + e, code
}

// probe is one call per polkit action for the matrix.
type probe struct {
	action string
	iface  string
	method string
	args   []string
}

var matrixProbes = []probe{
	{"status", api.Interface, "Status", nil},
	{"health", api.Interface, "Usage", nil},
	{"users", api.UsersInterface, api.MethodUsersList, []string{"s", ""}},
	{"site", api.Interface, "Export", nil},
}

// checkMatrix calls every probe as every user; allowed lists the actions
// each user must pass. A refused call must say "not authorized"; an
// allowed one must not (it may fail for other reasons, e.g. no site yet).
func checkMatrix(t *testing.T, tb *harness.TestBox, allowed map[string][]string) {
	t.Helper()
	for user, acts := range allowed {
		for _, p := range matrixProbes {
			out, _ := busctlAs(t, tb, user, p.iface, p.method, p.args...)
			refused := strings.Contains(out, "not authorized")
			want := contains(acts, p.action)
			if want && refused {
				t.Errorf("%s was refused %s: %s", user, p.action, out)
			}
			if !want && !refused {
				t.Errorf("%s was allowed %s: %s", user, p.action, out)
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p float64) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[int(float64(len(ds)-1)*p)]
}

// TestDaemon installs possed in a box and checks D-Bus activation, the
// polkit matrix (root, posse-admin, posse-office, a plain user), the
// refusal without polkit, 100 concurrent user creations, and remote use
// over SSH with host key checking.
func TestDaemon(t *testing.T) {
	tb := harness.Box(t, "daemon")
	installDaemon(t, tb)
	for _, g := range []string{"posse-office", "posse-admin"} {
		tb.MustRun(t, "groupadd", "--system", g)
	}
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-admin", "admin1")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "-G", "posse-office", "office1")
	tb.MustRun(t, "useradd", "-m", "-s", "/bin/bash", "plain1")

	t.Run("activation", func(t *testing.T) {
		if out, code := busctlAs(t, tb, "root", api.Interface, "Status"); code != 0 {
			t.Fatalf("Status as root: %s", out)
		}
		if out := tb.MustRun(t, "systemctl", "is-active", "possed.service"); strings.TrimSpace(out) != "active" {
			t.Errorf("possed.service is %q after activation", out)
		}
		time.Sleep(time.Second)
		pid := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", "possed.service"))
		t.Logf("possed idle after activation and one call: %s", strings.TrimSpace(tb.MustRun(t, "grep", "VmRSS", "/proc/"+pid+"/status")))
	})

	t.Run("matrix before a site", func(t *testing.T) {
		checkMatrix(t, tb, map[string][]string{
			"root":    {"status", "health", "users", "site"},
			"admin1":  {"status", "health", "users", "site"},
			"office1": {"status", "health", "users"},
			"plain1":  {"status"},
		})
	})

	t.Run("polkit not running", func(t *testing.T) {
		tb.MustRun(t, "systemctl", "mask", "--runtime", "--now", "polkit.service")
		defer func() {
			tb.MustRun(t, "systemctl", "unmask", "--runtime", "polkit.service")
			tb.MustRun(t, "systemctl", "start", "polkit.service")
		}()
		out, _ := busctlAs(t, tb, "office1", api.Interface, "Status")
		if !strings.Contains(out, "polkit is not running on this box: start polkit.service") {
			t.Errorf("office1 without polkit: %s", out)
		}
		if out, code := busctlAs(t, tb, "root", api.Interface, "Status"); code != 0 {
			t.Errorf("root without polkit: %s", out)
		}
	})

	start := time.Now()
	tb.Apply(t, "../examples/minimal.yaml", "../examples/minimal.secrets.yaml")
	t.Logf("applied the example site in %.1fs", time.Since(start).Seconds())

	t.Run("office manager manages users, nothing else", func(t *testing.T) {
		user := `(sssssasasbbsb)`
		out, code := busctlAs(t, tb, "office1", api.UsersInterface, "Create", user+"sb", "newhire", "New", "Hire", "", "", "0", "0", "false", "false", "", "false", "Welcome-2026-Hire", "true")
		if code != 0 {
			t.Fatalf("office1 could not create a user: %s", out)
		}
		if out, code := busctlAs(t, tb, "office1", api.UsersInterface, "SetPassword", "ssb", "newhire", "Another-2026-Pass", "false"); code != 0 {
			t.Errorf("office1 could not reset a password: %s", out)
		}
		for _, c := range []struct{ iface, method, sig string }{
			{api.SharesInterface, "Set", "(sssasasb)"},
			{api.MailInterface, "DeleteAlias", "s"},
			{api.BackupInterface, "Run", ""},
			{api.Interface, "Plan", "aya{ss}"},
		} {
			args := map[string][]string{
				"(sssasasb)": {"(sssasasb)", "Data", "", "", "0", "0", "false"},
				"s":          {"s", "info@mueller-partner.example"},
				"":           nil,
				"aya{ss}":    {"aya{ss}", "1", "97", "0"},
			}[c.sig]
			out, _ := busctlAs(t, tb, "office1", c.iface, c.method, args...)
			if !strings.Contains(out, "not authorized") {
				t.Errorf("office1 %s.%s: %s", c.iface, c.method, out)
			}
		}
		if out, _ := busctlAs(t, tb, "plain1", api.UsersInterface, "SetPassword", "ssb", "newhire", "Another-2026-Pass", "false"); !strings.Contains(out, "not authorized") {
			t.Errorf("plain1 reset a password: %s", out)
		}
		checkMatrix(t, tb, map[string][]string{"office1": {"status", "health", "users"}, "plain1": {"status"}})
	})

	c, err := client.Dial(context.Background(), client.Options{BusAddress: tb.BusAddress()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("refusals carry their keys", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var ce *client.Error
		err := c.CreateUser(ctx, api.User{Username: "newhire", GivenName: "New", Surname: "Hire"}, "Welcome-2026-Hire", true)
		if !client.IsInvalidInput(err) || !errors.As(err, &ce) || ce.Key != api.KeyUserExists || ce.Args["user"] != "newhire" {
			t.Errorf("creating newhire again: %#v", err)
		}
		err = c.SetPassword(ctx, "newhire", "short", false)
		if !client.IsInvalidInput(err) || !errors.As(err, &ce) || ce.Key != api.KeyPasswordShort || ce.Args["min"] == "" {
			t.Errorf("a short password: %#v", err)
		}
		_, err = c.User(ctx, "nosuchuser")
		if !client.IsNotFound(err) || !errors.As(err, &ce) || ce.Key != api.KeyUserNotFound {
			t.Errorf("a missing user: %#v", err)
		}
	})

	t.Run("health of the real directory", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		h, err := c.Health(ctx, "directory")
		if err != nil || len(h) != 1 || !h[0].Healthy || h[0].State != "active" {
			t.Errorf("Health(directory) = %+v, %v", h, err)
		}
		st, err := c.Status(ctx)
		if err != nil || st.Site == "" || len(st.Services) == 0 || st.Services[0].Unit != "samba-ad-dc.service" || !st.Services[0].Healthy {
			t.Errorf("Status() = %+v, %v", st, err)
		}
		// The app shows every time in the box's zone.
		if z, err := c.TimeZone(ctx); err != nil || z == "" {
			t.Errorf("TimeZone() = %q, %v", z, err)
		} else if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("TimeZone() = %q, which is no zone: %v", z, err)
		}
	})

	t.Run("shares through possed", func(t *testing.T) {
		testShares(t, tb, c)
	})

	t.Run("100 concurrent user creations", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		const n = 100
		var wg sync.WaitGroup
		var mu sync.Mutex
		var lat []time.Duration
		errs := make(chan error, n)
		t0 := time.Now()
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := time.Now()
				err := c.CreateUser(ctx, api.User{Username: fmt.Sprintf("load%03d", i), GivenName: "Load", Surname: fmt.Sprint(i)}, "Load-Test-2026-pw", true)
				mu.Lock()
				lat = append(lat, time.Since(s))
				mu.Unlock()
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		total := time.Since(t0)
		users, err := c.Users(ctx, "load")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, u := range users {
			seen[u.Username]++
		}
		for i := range n {
			if name := fmt.Sprintf("load%03d", i); seen[name] != 1 {
				t.Errorf("%s exists %d times", name, seen[name])
			}
		}
		got := 0
		for _, name := range strings.Fields(tb.MustRun(t, "samba-tool", "user", "list")) {
			if strings.HasPrefix(name, "load") {
				got++
			}
		}
		if got != n {
			t.Errorf("samba-tool lists %d load users, want %d", got, n)
		}
		t.Logf("100 concurrent creations: %.1fs in all; per call p50 %s p99 %s (queued behind each other)", total.Seconds(), percentile(lat, 0.5), percentile(lat, 0.99))

		var seq []time.Duration
		for i := range 20 {
			s := time.Now()
			if err := c.CreateUser(ctx, api.User{Username: fmt.Sprintf("seq%03d", i)}, "Load-Test-2026-pw", true); err != nil {
				t.Fatal(err)
			}
			seq = append(seq, time.Since(s))
		}
		t.Logf("sequential user creation over D-Bus: p50 %s p99 %s", percentile(seq, 0.5), percentile(seq, 0.99))
	})

	t.Run("prune spares users made through possed", func(t *testing.T) {
		testPruneSparesAPIUsers(t, tb, c)
	})

	t.Run("status latency and idle RSS", func(t *testing.T) {
		var ds []time.Duration
		for range 300 {
			s := time.Now()
			if _, err := c.Status(context.Background()); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(s))
		}
		t.Logf("Status over D-Bus as root (no polkit): p50 %s p99 %s", percentile(ds, 0.5), percentile(ds, 0.99))
		ds = ds[:0]
		for range 100 {
			s := time.Now()
			out, code := busctlAs(t, tb, "plain1", api.Interface, "Status")
			if code != 0 {
				t.Fatal(out)
			}
			ds = append(ds, time.Since(s))
		}
		t.Logf("busctl Status as a plain user inside the box (polkit checked, includes runuser and busctl start): p50 %s p99 %s", percentile(ds, 0.5), percentile(ds, 0.99))
		pid := strings.TrimSpace(tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", "possed.service"))
		t.Logf("possed after the load: %s", strings.TrimSpace(tb.MustRun(t, "grep", "VmRSS", "/proc/"+pid+"/status")))
	})

	t.Run("remote over SSH", func(t *testing.T) {
		testRemote(t, tb)
	})

	t.Run("usage: share size and mail queue", func(t *testing.T) {
		testUsage(t, tb, c)
	})

	t.Run("idle exit and activation again", func(t *testing.T) {
		dropIn := filepath.Join(t.TempDir(), "idle.conf")
		os.WriteFile(dropIn, []byte("[Service]\nExecStart=\nExecStart=/usr/sbin/possed --idle-timeout=2s\n"), 0o644)
		tb.MustRun(t, "mkdir", "-p", "/etc/systemd/system/possed.service.d")
		tb.CopyIn(t, dropIn, "/etc/systemd/system/possed.service.d/idle.conf", 0o644)
		tb.MustRun(t, "systemctl", "daemon-reload")
		tb.MustRun(t, "systemctl", "stop", "possed.service")
		for round := range 2 {
			if out, code := busctlAs(t, tb, "plain1", api.Interface, "Status"); code != 0 {
				t.Fatalf("round %d: Status did not activate possed: %s", round, out)
			}
			if out, _, _ := tb.Output(t, "systemctl", "is-active", "possed.service"); strings.TrimSpace(out) != "active" {
				t.Fatalf("round %d: possed is %q right after a call", round, out)
			}
			harness.Eventually(t, 30*time.Second, func() error {
				if out, _, _ := tb.Output(t, "systemctl", "is-active", "possed.service"); strings.TrimSpace(out) != "inactive" {
					return fmt.Errorf("possed is %q, want inactive after 2s idle", strings.TrimSpace(out))
				}
				return nil
			})
		}
	})
}

// testRemote logs in over SSH as office1 and admin1 with the client
// package: an unknown host key is refused, an accepted one works, polkit on
// the box decides by the SSH user's groups, and admin1 applies the site.
func testRemote(t *testing.T, tb *harness.TestBox) {
	dir := t.TempDir()
	idFile, pub := harness.HostKey(t, dir)
	for _, u := range []string{"office1", "admin1"} {
		tb.AuthorizeKey(t, u, pub)
	}
	tb.MustRun(t, "systemctl", "start", "ssh.service")
	var fps []string
	for _, k := range []string{"ed25519", "ecdsa"} {
		fps = append(fps, strings.Fields(tb.MustRun(t, "ssh-keygen", "-lf", "/etc/ssh/ssh_host_"+k+"_key.pub"))[1])
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	opts := client.Options{Host: "office1@" + tb.IP(), KnownHostsFile: filepath.Join(dir, "known_hosts"), IdentityFiles: []string{idFile}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	var hke *client.HostKeyError
	harness.Eventually(t, 20*time.Second, func() error {
		_, err := client.Dial(ctx, opts)
		if errors.As(err, &hke) {
			return nil
		}
		return fmt.Errorf("want a host key error, got %v", err)
	})
	if !strings.Contains(hke.Error(), "--accept-host-key") {
		t.Errorf("host key error does not say how to accept: %v", hke)
	}
	if !contains(fps, hke.Fingerprint) {
		t.Errorf("fingerprint %s is not one of the box's host keys %v", hke.Fingerprint, fps)
	}
	opts.AcceptHostKey = hke.Fingerprint
	c, err := client.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("with the accepted key: %v", err)
	}
	defer c.Close()
	var ds []time.Duration
	for range 100 {
		s := time.Now()
		if _, err := c.Status(ctx); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(s))
	}
	t.Logf("Status over SSH as office1 (polkit checked): p50 %s p99 %s", percentile(ds, 0.5), percentile(ds, 0.99))
	if err := c.CreateUser(ctx, api.User{Username: "remotehire"}, "Remote-2026-Hire", true); err != nil {
		t.Errorf("office1 over SSH could not create a user: %v", err)
	}
	if _, err := c.Apply(ctx, []byte("version: 1\n"), nil, nil); !client.IsNotAuthorized(err) {
		t.Errorf("office1 over SSH applied a site: %v", err)
	}

	opts.Host, opts.AcceptHostKey = "admin1@"+tb.IP(), ""
	admin, err := client.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("admin1 with the key now in known_hosts: %v", err)
	}
	defer admin.Close()
	tmpl, err := os.ReadFile("../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// One change, so the apply has steps to report.
	changed := strings.Replace(string(tmpl), "\ngroups:\n", "\ngroups:\n  - name: remoteadded\n    description: \"added over SSH\"\n", 1)
	if changed == string(tmpl) {
		t.Fatal("cannot add a group to the example template")
	}
	tmpl = []byte(changed)
	raw, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	if err := yaml.Unmarshal(raw, &secrets); err != nil {
		t.Fatal(err)
	}
	steps := 0
	res, err := admin.Apply(ctx, tmpl, secrets, func(e client.Event) {
		if !e.Started {
			steps++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Outcome != "applied" || steps == 0 {
		t.Errorf("apply over SSH: %+v after %d steps", res, steps)
	}
	if out := tb.MustRun(t, "samba-tool", "group", "list"); !strings.Contains(out, "remoteadded") {
		t.Errorf("the group added over SSH is not in the directory:\n%s", out)
	}
	exported, err := admin.Export(ctx)
	if err != nil || !strings.Contains(string(exported), "remoteadded") {
		t.Errorf("Export after the remote apply: %v\n%s", err, exported)
	}
	t.Logf("apply over SSH as admin1: %s, %d steps reported", res.Outcome, steps)
}

// testShares adds, changes and deletes a share through possed as root: the
// applied template keeps the consultant's comments, testparm in the box
// shows the share, an invalid share is refused and changes nothing. The
// example site has no mail, so aliases are covered by the unit tests.
func testShares(t *testing.T, tb *harness.TestBox, c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	shares := func() string { return tb.MustRun(t, "testparm", "-s", "--suppress-prompt") }
	start := time.Now()
	if err := c.SetShare(ctx, api.Share{Name: "Projekte", Description: "added through possed", Read: []string{"office"}}); err != nil {
		t.Fatalf("SetShare: %v", err)
	}
	t.Logf("share added through possed (plan and apply of the site) in %.1fs", time.Since(start).Seconds())
	if out := shares(); !strings.Contains(out, "[Projekte]") || !strings.Contains(out, "added through possed") {
		t.Errorf("testparm does not show the new share:\n%s", out)
	}
	applied := tb.MustRun(t, "cat", "/var/lib/posse/site.yaml")
	for _, want := range []string{"# The smallest useful site", "- name: Projekte", "read: [office]", "password: ${secret:jdoe}"} {
		if !strings.Contains(applied, want) {
			t.Errorf("the applied template lacks %q:\n%s", want, applied)
		}
	}
	if l, err := c.Shares(ctx); err != nil || len(l) != 1 || l[0].Name != "Projekte" {
		t.Errorf("Shares() = %+v, %v", l, err)
	}
	if err := c.SetShare(ctx, api.Share{Name: "Projekte", Read: []string{"ghosts"}}); !client.IsInvalidInput(err) || !strings.Contains(err.Error(), "ghosts") {
		t.Errorf("a share for a group the site lacks: %v", err)
	}
	if again := tb.MustRun(t, "cat", "/var/lib/posse/site.yaml"); again != applied {
		t.Errorf("a refused change altered the applied template:\n%s", again)
	}
	if err := c.SetAlias(ctx, api.Alias{Address: "info@beispiel.example", To: []string{"jdoe"}}); !client.IsNotAvailable(err) {
		t.Errorf("an alias on a site without mail: %v", err)
	}
	if err := c.DeleteShare(ctx, "Projekte"); err != nil {
		t.Fatalf("DeleteShare: %v", err)
	}
	if out := shares(); strings.Contains(out, "[Projekte]") {
		t.Errorf("testparm still shows the deleted share:\n%s", out)
	}
	if err := c.DeleteShare(ctx, "Projekte"); !client.IsNotFound(err) {
		t.Errorf("deleting it again: %v", err)
	}
}

// testPruneSparesAPIUsers applies the example site without mmustermann and
// with directory.prune through possed: mmustermann, a template user, is
// deleted; the users created through possed (marked posse:api in
// adminDescription) stay; the template's users carry posse:template.
func testPruneSparesAPIUsers(t *testing.T, tb *harness.TestBox, c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmpl, err := os.ReadFile("../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pruned := strings.Replace(string(tmpl), "  admin_password: ${secret:domain_admin}\n", "  admin_password: ${secret:domain_admin}\n  prune: true\n", 1)
	// The template drops one of its own users: prune deletes that one.
	i := strings.Index(pruned, "  - username: mmustermann\n")
	if pruned == string(tmpl) || i < 0 {
		t.Fatal("cannot turn on prune in the example template")
	}
	pruned = pruned[:i]
	raw, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	if err := yaml.Unmarshal(raw, &secrets); err != nil {
		t.Fatal(err)
	}
	res, err := c.Apply(ctx, []byte(pruned), secrets, nil)
	if err != nil || !res.OK {
		t.Fatalf("apply with prune: %+v, %v", res, err)
	}
	got := 0
	for _, name := range strings.Fields(tb.MustRun(t, "samba-tool", "user", "list")) {
		if strings.HasPrefix(name, "load") {
			got++
		}
	}
	if got != 100 {
		t.Errorf("%d of the 100 users created through possed are left after an apply with prune", got)
	}
	if out, _, code := tb.Output(t, "samba-tool", "user", "show", "mmustermann"); code == 0 {
		t.Errorf("the template user the template dropped was not pruned: %s", out)
	}
	for user, mark := range map[string]string{"load000": "posse:api", "newhire": "posse:api", "jdoe": "posse:template"} {
		out, _, code := tb.Output(t, "samba-tool", "user", "show", user, "--attributes=adminDescription")
		if code != 0 || !strings.Contains(out, "adminDescription: "+mark) {
			t.Errorf("%s after the apply with prune (want mark %s): %s", user, mark, out)
		}
	}
}

// testUsage applies the example site with a share and mail through possed
// (the plan shown, then ApplyPlan; the same plan again is refused), puts 2 MiB in the share and holds one message in Postfix's queue (a
// header check), and checks that Usage reports both.
func testUsage(t *testing.T, tb *harness.TestBox, c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmpl, err := os.ReadFile("../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	if err := yaml.Unmarshal(raw, &secrets); err != nil {
		t.Fatal(err)
	}
	site := string(tmpl) + "shares:\n  - name: Daten\n    write: [office]\nmail:\n  domains: [beispiel.example]\n"
	// Applied as the app does: the plan shown, then exactly that plan. A
	// plan of the real services must come out the same twice.
	start := time.Now()
	shown, err := c.Plan(ctx, []byte(site), secrets)
	if err != nil {
		t.Fatalf("plan with a share and mail: %v", err)
	}
	if res, err := c.ApplyPlan(ctx, []byte(site), secrets, shown, nil); err != nil || !res.OK {
		t.Fatalf("apply of the plan shown, with a share and mail: %+v, %v", res, err)
	}
	t.Logf("share and mail planned and applied in %.1fs", time.Since(start).Seconds())
	// The box changed (the apply): the old plan is refused, nothing runs.
	if res, err := c.ApplyPlan(ctx, []byte(site), secrets, shown, nil); err != nil || !client.PlanChanged(res) {
		t.Errorf("apply of the plan shown before the last apply: %+v, %v", res, err)
	}
	tb.MustRun(t, "dd", "if=/dev/urandom", "of=/srv/posse/shares/daten/two-mib", "bs=1M", "count=2", "status=none")
	tb.MustRun(t, "sh", "-c", `echo '/^Subject: posse-e2e-hold/ HOLD' >/etc/postfix/e2e_hold && postconf -e header_checks=regexp:/etc/postfix/e2e_hold && postfix reload`)
	tb.MustRun(t, "sh", "-c", `printf 'Subject: posse-e2e-hold\n\nheld for the queue count\n' | sendmail jdoe@beispiel.example`)
	harness.Eventually(t, time.Minute, func() error {
		if out := tb.MustRun(t, "postqueue", "-j"); !strings.Contains(out, `"hold"`) {
			return fmt.Errorf("the message is not held yet: %q", out)
		}
		return nil
	})
	var u api.Usage
	harness.Eventually(t, time.Minute, func() error { // the first call starts the walk
		if u, err = c.Usage(ctx); err != nil {
			return err
		}
		for _, s := range u.Shares {
			if s.Name == "Daten" && s.MeasuredAt == "" {
				return errors.New("the share is being measured")
			}
		}
		return nil
	})
	t.Logf("Usage: %+v", u)
	found := false
	for _, s := range u.Shares {
		if s.Name == "Daten" {
			found = true
			if s.UsedBytes < 2<<20 || s.Files != 1 || !s.Complete || s.FreeBytes == 0 || s.SizeBytes < s.FreeBytes || s.Error != "" {
				t.Errorf("share Daten: %+v", s)
			}
		}
	}
	if !found {
		t.Errorf("Usage lacks the share: %+v", u.Shares)
	}
	if q := u.Mail; !q.Configured || q.Messages < 1 || q.Oldest == "" || q.Error != "" {
		t.Errorf("mail queue: %+v", q)
	}
	if out, _ := busctlAs(t, tb, "plain1", api.Interface, "Usage"); !strings.Contains(out, "not authorized") {
		t.Errorf("Usage as a plain user (health action, office managers and admins only): %s", out)
	}
	if out, code := busctlAs(t, tb, "office1", api.Interface, "Usage"); code != 0 {
		t.Errorf("Usage as an office manager: %s", out)
	}
}
