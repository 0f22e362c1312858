package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
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

// runIn runs argv inside box tb with stdin and returns stdout, stderr and
// the exit code. Passwords go in on stdin, never in argv.
func runIn(t *testing.T, tb *harness.TestBox, stdin string, argv ...string) (string, string, int) {
	t.Helper()
	var o, e bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code, err := tb.Run(ctx, sandbox.RunOptions{Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e}, argv...)
	if err != nil {
		t.Fatalf("run %q in box %s: %v", argv, tb.Name(), err)
	}
	return o.String(), e.String(), code
}

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
	if o, e, code := runIn(t, member, "", "bash", "-c", "timeout 5 bash -c '</dev/tcp/"+dc.IP()+"/22'"); code != 0 {
		t.Fatalf("member cannot reach the DC at %s: %s%s", dc.IP(), o, e)
	}

	start = time.Now()
	dc.Apply(t, "../examples/minimal.yaml", "../examples/minimal.secrets.yaml")
	t.Logf("DC provisioned in %.1fs", time.Since(start).Seconds())
	if o, e, code := possectlIn(t, dc, joinJdoePW+"\n", "users", "set-password", "jdoe", "--password-stdin", "--no-must-change"); code != 0 {
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
		o, e, code := runIn(t, member, "", "host", "-t", "SRV", srv)
		if code != 0 || !strings.Contains(o, strings.ToLower(dc.Name())+"."+joinDNSDomain) {
			return fmt.Errorf("the DC's DNS does not answer %s for the member: %s%s", srv, o, e)
		}
		return nil
	})

	start = time.Now()
	o, e, code := runIn(t, member, joinAdminPW+"\n", "net", "ads", "join", "-U", "Administrator")
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
		if o, e, code := runIn(t, member, "", "wbinfo", "-t"); code != 0 {
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
		if o, e, code := runIn(t, member, pw, "wbinfo", "--authenticate=jdoe"); code != 0 ||
			!strings.Contains(o, "plaintext password authentication succeeded") ||
			!strings.Contains(o, "challenge/response password authentication succeeded") {
			t.Errorf("wbinfo --authenticate=jdoe with the right password: %d\n%s%s", code, o, e)
		}
		if o, e, code := runIn(t, member, strings.ReplaceAll(pw, "Jane", "June"), "wbinfo", "--authenticate=jdoe"); code == 0 {
			t.Errorf("wbinfo --authenticate=jdoe with a wrong password succeeded:\n%s%s", o, e)
		}
		if o, e, code := runIn(t, member, joinJdoePW+"\n", "wbinfo", "--krb5auth=jdoe"); code != 0 || !strings.Contains(o, "succeeded") {
			t.Errorf("wbinfo --krb5auth=jdoe: %d\n%s%s", code, o, e)
		}
	})
}

func hasLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
