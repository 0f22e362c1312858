// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/sandbox"
)

// The domain of examples/minimal.yaml and the admin password from
// examples/minimal.secrets.yaml.
const (
	joinRealm     = "AD.BEISPIEL.EXAMPLE"
	joinDNSDomain = "ad.beispiel.example"
	joinWorkgroup = "BEISPIEL"
	joinAdminPW   = "Example-Admin-Pw-2026!"
	joinJdoePW    = "Jane-Joined-Domain-7" // set by the test, no change at next logon
)

// memberFiles are the files that make a fresh box a domain member: DNS from
// the DC, the member's FQDN in the AD domain, a minimal member smb.conf
// (rid idmap for the domain, tdb for the rest) and krb5.conf finding the KDC
// through DNS.
func memberFiles(member, memberIP, dcIP string) map[string]string {
	return map[string]string{
		"/etc/resolv.conf": fmt.Sprintf("search %s\nnameserver %s\n", joinDNSDomain, dcIP),
		"/etc/hosts": fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s.%s %s\n",
			memberIP, member, joinDNSDomain, member),
		"/etc/samba/smb.conf": fmt.Sprintf(`[global]
	security = ADS
	realm = %s
	workgroup = %s
	idmap config * : backend = tdb
	idmap config * : range = 3000-7999
	idmap config %s : backend = rid
	idmap config %s : range = 10000-999999
	winbind use default domain = yes
	template shell = /bin/bash
	template homedir = /home/%%U
`, joinRealm, joinWorkgroup, joinWorkgroup, joinWorkgroup),
		"/etc/krb5.conf": fmt.Sprintf(`[libdefaults]
	default_realm = %s
	dns_lookup_kdc = true
	dns_lookup_realm = false
	rdns = false
`, joinRealm),
	}
}

// TestDomainJoin boots a domain controller (examples/minimal.yaml) and a
// second box on the same lab network that joins the domain as a member
// with net ads join and resolves and authenticates a domain user through
// winbind: what a Windows PC joining the domain looks like from the
// server's side.
func TestDomainJoin(t *testing.T) {
	network := harness.UniqueName("join")
	start := time.Now()
	dc := harness.Box(t, "dc", harness.Options{Network: network})
	member := harness.Box(t, "member", harness.Options{Network: network})
	t.Logf("network %s with two boxes up in %.1fs: DC %s at %s, member %s at %s",
		network, time.Since(start).Seconds(), dc.Name(), dc.IP(), member.Name(), member.IP())
	if dc.Sandbox().Network() != network || member.Sandbox().Network() != network {
		t.Fatalf("boxes are on networks %q and %q, want %q", dc.Sandbox().Network(), member.Sandbox().Network(), network)
	}

	// The member reaches the DC directly (the same segment, no routing).
	if o, e, code := member.Exec(t, "", "bash", "-c", "timeout 5 bash -c '</dev/tcp/"+dc.IP()+"/22'"); code != 0 {
		t.Fatalf("member cannot reach the DC at %s: %s%s", dc.IP(), o, e)
	}

	start = time.Now()
	dc.Apply(t, "../examples/minimal.yaml", "../examples/minimal.secrets.yaml")
	t.Logf("DC provisioned in %.1fs", time.Since(start).Seconds())
	if o, e, code := dc.Possectl(t, joinJdoePW+"\n", "users", "set-password", "jdoe", "--password-stdin", "--no-must-change"); code != 0 {
		t.Fatalf("possectl users set-password jdoe: %d\n%s%s", code, o, e)
	}

	dir := t.TempDir()
	for path, content := range memberFiles(member.Name(), member.IP(), dc.IP()) {
		src := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		member.CopyIn(t, src, path, 0o644)
	}
	member.MustRun(t, "sed", "-i", "-E", `s/^(passwd|group):.*/\1: files winbind/`, "/etc/nsswitch.conf")
	srv := "_ldap._tcp." + joinDNSDomain
	harness.Eventually(t, 30*time.Second, func() error {
		o, e, code := member.Exec(t, "", "host", "-t", "SRV", srv)
		if code != 0 || !strings.Contains(o, strings.ToLower(dc.Name())+"."+joinDNSDomain) {
			return fmt.Errorf("the DC's DNS does not answer %s for the member: %s%s", srv, o, e)
		}
		return nil
	})

	start = time.Now()
	o, e, code := member.Exec(t, joinAdminPW+"\n", "net", "ads", "join", "-U", "Administrator")
	joinTime := time.Since(start)
	if code != 0 || !strings.Contains(o+e, "Joined '"+strings.ToUpper(member.Name())+"'") {
		t.Fatalf("net ads join exited with %d:\n%s%s", code, o, e)
	}
	if strings.Contains(o+e, "DNS update failed") || strings.Contains(o+e, "DNS Update for") {
		t.Errorf("the member's DNS registration failed:\n%s%s", o, e)
	}
	t.Logf("net ads join took %.1fs", joinTime.Seconds())

	t.Run("DC sees the member", func(t *testing.T) {
		out := dc.MustRun(t, "samba-tool", "computer", "list")
		if !strings.Contains(strings.ToUpper(out), strings.ToUpper(member.Name())+"$") {
			t.Errorf("samba-tool computer list on the DC lacks %s$:\n%s", strings.ToUpper(member.Name()), out)
		}
		fqdn := member.Name() + "." + joinDNSDomain
		out = dc.MustRun(t, "host", "-t", "A", fqdn, "127.0.0.1")
		if !strings.Contains(out, fqdn+" has address "+member.IP()) {
			t.Errorf("the DC's DNS lacks the member's A record %s -> %s:\n%s", fqdn, member.IP(), out)
		}
	})

	start = time.Now()
	member.MustRun(t, "systemctl", "unmask", "--runtime", "winbind.service")
	member.MustRun(t, "systemctl", "start", "winbind.service")
	harness.Eventually(t, 60*time.Second, func() error {
		if o, e, code := member.Exec(t, "", "wbinfo", "-t"); code != 0 {
			return fmt.Errorf("wbinfo -t: %s%s", o, e)
		}
		return nil
	})
	t.Logf("winbind up and trusting the DC in %.1fs", time.Since(start).Seconds())

	t.Run("wbinfo -u lists jdoe", func(t *testing.T) {
		out := member.MustRun(t, "wbinfo", "-u")
		if !hasLine(out, "jdoe") || !hasLine(out, "mmustermann") {
			t.Errorf("wbinfo -u lacks jdoe or mmustermann:\n%s", out)
		}
	})

	t.Run("getent passwd jdoe", func(t *testing.T) {
		out := strings.TrimSpace(member.MustRun(t, "getent", "passwd", "jdoe"))
		f := strings.Split(out, ":")
		if len(f) != 7 || f[0] != "jdoe" {
			t.Fatalf("getent passwd jdoe: %q", out)
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil || uid < 10000 || uid > 999999 {
			t.Errorf("jdoe's uid %q is not in the domain's rid range 10000-999999", f[2])
		}
		if f[5] != "/home/jdoe" || f[6] != "/bin/bash" {
			t.Errorf("jdoe's home and shell: %q", out)
		}
		if id := member.MustRun(t, "id", "jdoe"); !strings.Contains(id, "(office)") {
			t.Errorf("id jdoe lacks the domain group office: %s", id)
		}
	})

	t.Run("wbinfo authenticates jdoe", func(t *testing.T) {
		// wbinfo asks twice: for the plaintext and the challenge/response logon.
		pw := joinJdoePW + "\n" + joinJdoePW + "\n"
		if o, e, code := member.Exec(t, pw, "wbinfo", "--authenticate=jdoe"); code != 0 ||
			!strings.Contains(o, "plaintext password authentication succeeded") ||
			!strings.Contains(o, "challenge/response password authentication succeeded") {
			t.Errorf("wbinfo --authenticate=jdoe with the right password: %d\n%s%s", code, o, e)
		}
		if o, e, code := member.Exec(t, strings.ReplaceAll(pw, "Jane", "June"), "wbinfo", "--authenticate=jdoe"); code == 0 {
			t.Errorf("wbinfo --authenticate=jdoe with a wrong password succeeded:\n%s%s", o, e)
		}
		if o, e, code := member.Exec(t, joinJdoePW+"\n", "wbinfo", "--krb5auth=jdoe"); code != 0 || !strings.Contains(o, "succeeded") {
			t.Errorf("wbinfo --krb5auth=jdoe: %d\n%s%s", code, o, e)
		}
	})
}

// TestSandboxLabNetwork checks lab networks: two boxes on one network (one
// brought up with possectl sandbox up --network) share a /24 and reach
// each other and the host, a box outside it stays unreachable for them, the
// network outlives its first box and goes with its last.
func TestSandboxLabNetwork(t *testing.T) {
	if ok, why := harness.Enabled(); !ok {
		t.Skip(why)
	}
	network := harness.UniqueName("lab")
	start := time.Now()
	a := harness.Box(t, "laba", harness.Options{Network: network})

	possectl := filepath.Join(os.Getenv("POSSE_BIN"), "possectl")
	bName := harness.UniqueName("labb")
	cli := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(possectl, args...)
		cmd.Env = append(os.Environ(), harness.OwnerEnv+"="+strconv.Itoa(os.Getpid()))
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	t.Cleanup(func() { cli("sandbox", "down", bName) })
	if out, code := cli("sandbox", "up", bName, "--network", network); code != 0 {
		t.Fatalf("sandbox up %s --network %s: exit %d\n%s", bName, network, code, out)
	}
	t.Logf("two boxes on network %s up in %.1fs", network, time.Since(start).Seconds())
	b, err := sandbox.Get(bName)
	if err != nil {
		t.Fatal(err)
	}
	solo := harness.Box(t, "solo")

	if b.Network() != network || a.HostIP() != b.HostIP() || a.IP() == b.IP() {
		t.Fatalf("a at %s (host %s), b at %s (host %s) on %q: want one segment", a.IP(), a.HostIP(), b.IP(), b.HostIP(), b.Network())
	}
	if _, n, _ := net.ParseCIDR(a.HostIP() + "/24"); !n.Contains(net.ParseIP(b.IP())) || n.Contains(net.ParseIP(solo.IP())) {
		t.Errorf("a %s, b %s, solo %s: a and b should share a /24 and solo not", a.IP(), b.IP(), solo.IP())
	}
	if out, _ := cli("sandbox", "up", "x"+bName[1:], "--network", "Bad_Net"); !strings.Contains(out, "invalid network name") {
		t.Errorf("a bad network name: %q", out)
	}

	// sshd listens in every box; a connection refused would also count as
	// reached, a timeout not.
	reach := func(from *harness.TestBox, ip string) bool {
		t.Helper()
		_, _, code := from.Exec(t, "", "timeout", "3", "bash", "-c", "</dev/tcp/"+ip+"/22")
		return code == 0
	}
	fromHost := func(ip string) bool {
		c, err := net.DialTimeout("tcp", ip+":22", 3*time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	bt := &labBox{b}
	if !reach(a, b.IP()) {
		t.Errorf("box a cannot reach box b at %s", b.IP())
	}
	if o, e, code := bt.run(t, "timeout", "3", "bash", "-c", "</dev/tcp/"+a.IP()+"/22"); code != 0 {
		t.Errorf("box b cannot reach box a at %s: %s%s", a.IP(), o, e)
	}
	for _, ip := range []string{a.IP(), b.IP(), solo.IP()} {
		if !fromHost(ip) {
			t.Errorf("the host cannot reach %s", ip)
		}
	}
	if reach(a, solo.IP()) || reach(solo, a.IP()) {
		t.Errorf("box a (%s) and the box outside the network (%s) reach each other", a.IP(), solo.IP())
	}

	if out, code := cli("sandbox", "down", bName); code != 0 {
		t.Fatalf("sandbox down %s: exit %d\n%s", bName, code, out)
	}
	if len(sandbox.NetworkTraces(network)) == 0 || !fromHost(a.IP()) {
		t.Errorf("network %s went with its first box: traces %q", network, sandbox.NetworkTraces(network))
	}
	if err := a.Sandbox().Down(context.Background(), sandbox.DownOptions{Purge: true}); err != nil {
		t.Fatal(err)
	}
	if tr := sandbox.NetworkTraces(network); len(tr) > 0 {
		t.Errorf("network %s left traces after its last box went down:\n%s", network, strings.Join(tr, "\n"))
	}
}

// labBox runs commands in a box brought up outside the harness.
type labBox struct{ b *sandbox.Box }

func (l *labBox) run(t *testing.T, argv ...string) (string, string, int) {
	t.Helper()
	var o, e bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, err := l.b.Run(ctx, sandbox.RunOptions{Stdout: &o, Stderr: &e}, argv...)
	if err != nil {
		t.Fatalf("run %q in box %s: %v", argv, l.b.Name(), err)
	}
	return o.String(), e.String(), code
}

func hasLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
