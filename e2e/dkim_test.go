// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
	"github.com/posse-project/posse/sandbox"
)

// dkimSite is the mail test's users with a DKIM selector of their own.
const dkimSite = `version: 1
site:
  name: "DKIM Test"
  domain: mailtest.example
  workgroup: MAILTEST
directory:
  admin_password: ${secret:domain_admin}
users:
  - username: anna
    given_name: Anna
    surname: Alpha
    password: ${secret:anna}
    must_change_password: false
  - username: bob
    given_name: Bob
    surname: Beta
    password: ${secret:bob}
    must_change_password: false
mail:
  domains: [mailtest.example]
  dkim: {selector: "posse2026"}
`

// dkimVerify is a DKIM verifier with Debian's python3-dkim (dkimpy), an
// implementation independent of Rspamd's: argv[1] is the message,
// argv[2] the JSON of possectl mail dns, whose DKIM records are the only
// TXT records its DNS knows. It prints pass or fail and exits 0 or 1.
const dkimVerify = `import json, sys, dkim
recs = json.load(open(sys.argv[2]))
txt = {r["name"] + ".": r["value"] for r in recs if r["purpose"] == "dkim"}
def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    v = txt.get(n)
    return v.encode() if v is not None else None
ok = dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=dnsfunc)
print("pass" if ok else "fail")
sys.exit(0 if ok else 1)
`

// dkimRecord is one record of possectl mail dns --json.
type dkimRecord struct {
	Domain, Purpose, Name, Type, Value, Status string
}

// TestDKIM applies a site with mail and a DKIM selector, submits a
// message as anna (authenticated, port 587), reads it from bob's INBOX
// over IMAPS and verifies its DKIM-Signature with python3-dkim against
// the record possectl mail dns prints; the same message with a changed
// body must fail. The key is 0600 _rspamd, and a second apply changes
// nothing.
func TestDKIM(t *testing.T) {
	for _, tool := range []string{"swaks", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed on the host: scripts/deps.sh installs it (make deps)", tool)
		}
	}
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import dkim").CombinedOutput(); err != nil {
		t.Fatalf("python3-dkim is not installed on the host (scripts/deps.sh installs it): %v %s", err, out)
	}
	tb := harness.Box(t, "dkim")
	ip, dir := tb.IP(), t.TempDir()
	tmpl, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "secrets.yaml")
	os.WriteFile(tmpl, []byte(dkimSite), 0o644)
	os.WriteFile(secrets, []byte(fmt.Sprintf("domain_admin: %q\nanna: %q\nbob: %q\n", mailAdminPW, annaPW, bobPW)), 0o600)
	start := time.Now()
	tb.Apply(t, tmpl, secrets)
	t.Logf("applied the site in %.1fs", time.Since(start).Seconds())

	ca := filepath.Join(dir, "ca.crt")
	tb.CopyOut(t, "/var/lib/posse/tls/ca.crt", ca)
	fqdn := tb.Name() + ".ad.mailtest.example"
	m := &mailClient{t: t, ip: ip, fqdn: fqdn, ca: ca}

	key := "/var/lib/rspamd/dkim/mailtest.example.posse2026.key"
	if got := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%a %U:%G", key)); got != "600 _rspamd:_rspamd" {
		t.Errorf("%s is %q, want 600 _rspamd:_rspamd", key, got)
	}
	keyBefore := tb.MustRun(t, "sha256sum", key)

	dnsJSON, errOut, code := tb.Possectl(t, "", "mail", "dns", "--json")
	if code != 0 {
		t.Fatalf("possectl mail dns --json: exit %d: %s", code, errOut)
	}
	var recs []dkimRecord
	if err := json.Unmarshal([]byte(dnsJSON), &recs); err != nil {
		t.Fatalf("mail dns --json: %v\n%s", err, dnsJSON)
	}
	purposes := map[string]dkimRecord{}
	for _, r := range recs {
		purposes[r.Purpose] = r
	}
	dk := purposes["dkim"]
	if len(recs) != 4 || dk.Name != "posse2026._domainkey.mailtest.example" || !strings.HasPrefix(dk.Value, "v=DKIM1; k=rsa; p=MII") ||
		purposes["spf"].Value != "v=spf1 mx -all" || !strings.HasPrefix(purposes["dmarc"].Value, "v=DMARC1; p=quarantine") ||
		purposes["mx"].Value != "10 "+fqdn+"." {
		t.Fatalf("mail dns records:\n%s", dnsJSON)
	}
	for _, r := range recs {
		// Nothing is published for mailtest.example.
		if r.Status != "missing" {
			t.Errorf("%s record %s is %q, want missing", r.Purpose, r.Name, r.Status)
		}
	}
	dnsFile, script := filepath.Join(dir, "dns.json"), filepath.Join(dir, "verify.py")
	os.WriteFile(dnsFile, []byte(dnsJSON), 0o644)
	os.WriteFile(script, []byte(dkimVerify), 0o644)

	m.send(t, 587, "bob@mailtest.example", "signed by rspamd", "250 2.0.0", "--tls", "--auth", "PLAIN",
		"--auth-user", "anna@mailtest.example", "--auth-password", annaPW, "--from", "anna@mailtest.example",
		"--body", "Dear Bob,\nthe contract is attached.\n")
	m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "signed by rspamd")
	raw, err := harness.Host("curl", "-sS", "--cacert", ca, "--resolve", fqdn+":993:"+ip,
		"imaps://"+fqdn+"/INBOX;UID=1", "-u", "bob@mailtest.example:"+bobPW)
	if err != nil {
		t.Fatalf("fetching the message: %v\n%s", err, raw)
	}
	if !strings.Contains(raw, "DKIM-Signature:") || !strings.Contains(raw, "d=mailtest.example") || !strings.Contains(raw, "s=posse2026") {
		t.Fatalf("the delivered message has no DKIM-Signature of d=mailtest.example, s=posse2026:\n%s", raw)
	}
	verify := func(name, msg string) (string, error) {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(msg), 0o644)
		out, err := exec.Command(py, script, p, dnsFile).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := verify("signed.eml", raw); err != nil || out != "pass" {
		t.Errorf("python3-dkim does not verify the signature: %v %s\n%s", err, out, raw)
	}
	tampered := strings.Replace(raw, "the contract is attached", "the contract is attachеd", 1)
	if tampered == raw {
		t.Fatal("the body to tamper with is not in the message")
	}
	if out, err := verify("tampered.eml", tampered); err == nil || out != "fail" {
		t.Errorf("a message with a changed body verifies: %v %s", err, out)
	}

	out := tb.Apply(t, tmpl, secrets)
	if !strings.Contains(out, "No changes") {
		t.Errorf("second apply changed something:\n%s", out)
	}
	if after := tb.MustRun(t, "sha256sum", key); after != keyBefore {
		t.Error("the DKIM key changed on the second apply")
	}
	testDKIMRotation(t, tb, m, dir, tmpl, secrets, verify)
}

// dkimRotated is possectl mail dkim rotate, activate and retire --json.
type dkimRotated struct {
	Domain, Signing, Next, Record string
	Retiring, Retired             []string
}

// testDKIMRotation rotates mailtest.example's key: the new selector is
// listed by mail dns beside the signing one; activate is refused while
// DNS lacks the record, then (--force) a new message carries s=NEW and
// verifies with python3-dkim; the old record stays listed across an
// apply that changes nothing until retire (--force within the grace)
// removes its key.
func testDKIMRotation(t *testing.T, tb *harness.TestBox, m *mailClient, dir, tmpl, secrets string, verify func(name, msg string) (string, error)) {
	dkimCmd := func(args ...string) dkimRotated {
		t.Helper()
		out, errOut, code := tb.Possectl(t, "", append([]string{"mail", "dkim"}, append(args, "--json")...)...)
		if code != 0 {
			t.Fatalf("possectl mail dkim %v: exit %d: %s", args, code, errOut)
		}
		var r dkimRotated
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("mail dkim %v --json: %v\n%s", args, err, out)
		}
		return r
	}
	dkimRoles := func() (map[string]string, string) {
		t.Helper()
		out, errOut, code := tb.Possectl(t, "", "mail", "dns", "--json")
		if code != 0 {
			t.Fatalf("possectl mail dns --json: exit %d: %s", code, errOut)
		}
		var recs []struct{ Purpose, Selector, Role string }
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatalf("mail dns --json: %v\n%s", err, out)
		}
		roles := map[string]string{}
		for _, r := range recs {
			if r.Purpose == "dkim" {
				roles[r.Selector] = r.Role
			}
		}
		return roles, out
	}
	d := "mailtest.example"
	rot := dkimCmd("rotate", d)
	next := rot.Next
	if !strings.HasPrefix(next, "posse20") || rot.Signing != "posse2026" || !strings.Contains(rot.Record, next+"._domainkey."+d) {
		t.Fatalf("rotate: %+v", rot)
	}
	newKey := "/var/lib/rspamd/dkim/" + d + "." + next + ".key"
	if got := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%a %U:%G", newKey)); got != "600 _rspamd:_rspamd" {
		t.Errorf("%s is %q, want 600 _rspamd:_rspamd", newKey, got)
	}
	if roles, out := dkimRoles(); len(roles) != 2 || roles["posse2026"] != "signing" || roles[next] != "next" {
		t.Errorf("mail dns after rotate:\n%s", out)
	}
	if _, errOut, code := tb.Possectl(t, "", "mail", "dkim", "activate", d); code == 0 || !strings.Contains(errOut, "missing") {
		t.Errorf("activate without the record in DNS: exit %d: %s", code, errOut)
	}
	start := time.Now()
	act := dkimCmd("activate", d, "--force")
	t.Logf("activated selector %s in %.1fs", next, time.Since(start).Seconds())
	if act.Signing != next || len(act.Retiring) != 1 || act.Retiring[0] != "posse2026" {
		t.Fatalf("activate: %+v", act)
	}
	roles, dnsJSON := dkimRoles()
	if len(roles) != 2 || roles[next] != "signing" || roles["posse2026"] != "retiring" {
		t.Errorf("mail dns after activate:\n%s", dnsJSON)
	}
	os.WriteFile(filepath.Join(dir, "dns.json"), []byte(dnsJSON), 0o644)
	// Rspamd's reload replaces its workers after systemctl returns.
	time.Sleep(5 * time.Second)

	m.send(t, 587, "bob@mailtest.example", "signed with the new key", "250 2.0.0", "--tls", "--auth", "PLAIN",
		"--auth-user", "anna@mailtest.example", "--auth-password", annaPW, "--from", "anna@mailtest.example",
		"--body", "Dear Bob,\nthe key was rotated.\n")
	m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "signed with the new key")
	raw, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
		"imaps://"+m.fqdn+"/INBOX;UID=2", "-u", "bob@mailtest.example:"+bobPW)
	if err != nil {
		t.Fatalf("fetching the message: %v\n%s", err, raw)
	}
	if !strings.Contains(raw, "s="+next) {
		t.Fatalf("the message after activation is not signed with s=%s:\n%s", next, raw)
	}
	if out, err := verify("rotated.eml", raw); err != nil || out != "pass" {
		t.Errorf("python3-dkim does not verify the signature of the new key: %v %s\n%s", err, out, raw)
	}

	if out := tb.Apply(t, tmpl, secrets); !strings.Contains(out, "No changes") {
		t.Errorf("apply after the rotation changed something:\n%s", out)
	}
	if conf := tb.MustRun(t, "cat", "/etc/rspamd/local.d/dkim_signing.conf"); !strings.Contains(conf, `selector = "`+next+`";`) {
		t.Errorf("dkim_signing.conf after an apply:\n%s", conf)
	}
	if _, errOut, code := tb.Possectl(t, "", "mail", "dkim", "retire", d); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("retire within the grace period: exit %d: %s", code, errOut)
	}
	ret := dkimCmd("retire", d, "--force")
	if len(ret.Retired) != 1 || ret.Retired[0] != "posse2026" || ret.Signing != next {
		t.Errorf("retire: %+v", ret)
	}
	if code, err := tb.Run(context.Background(), sandbox.RunOptions{}, "test", "-e", "/var/lib/rspamd/dkim/"+d+".posse2026.key"); err != nil || code == 0 {
		t.Errorf("the retired key is still on the box (%v)", err)
	}
	if roles, out := dkimRoles(); len(roles) != 1 || roles[next] != "signing" {
		t.Errorf("mail dns after retire:\n%s", out)
	}
}
