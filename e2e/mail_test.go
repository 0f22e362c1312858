// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// mailSite is a small site for the mail tests: two users who need not
// change their password (so they can log in at once), a user alias, a site
// alias to both, and a 1 MB quota so over-quota is quick to reach.
const mailSite = `version: 1
site:
  name: "Mail Test"
  domain: mailtest.example
  workgroup: MAILTEST
directory:
  admin_password: ${secret:domain_admin}
users:
  - username: anna
    given_name: Anna
    surname: Alpha
    email: anna@mailtest.example
    password: ${secret:anna}
    must_change_password: false
    aliases: [a@mailtest.example]
  - username: bob
    given_name: Bob
    surname: Beta
    password: ${secret:bob}
    must_change_password: false
mail:
  domains: [mailtest.example]
  mailbox_quota_mb: 1
  aliases:
    - {address: info@mailtest.example, to: [anna, bob]}
`

// mailGroupFragment is a fragment the integrator keeps for every site: a
// reception group with an address and an alias to everyone. mailGroupSite
// (mailSite with anna and bob in reception) includes it.
const mailGroupFragment = `groups:
  - name: reception
    description: Front desk
    mail: empfang@${site.domain}
mail:
  aliases:
    - address: alle@${site.domain}
      to: [everyone]
`

var mailGroupSite = strings.NewReplacer(
	"directory:", "include: [common/groups.yaml]\ndirectory:",
	"    must_change_password: false\n", "    must_change_password: false\n    groups: [reception]\n",
).Replace(mailSite)

const (
	mailAdminPW = "Mail-Admin-Pw-2026!"
	annaPW      = "Sunny-Meadow-2026!"
	bobPW       = "Quiet-River-2026!"
	carolPW     = "Green-Forest-2026!"
)

// TestMail applies a site with mail to a fresh box and checks it from the
// host with real clients: swaks for SMTP and submission, curl for IMAPS and
// IMAP with STARTTLS, and a raw SMTP dialog for SIZE (over quota).
func TestMail(t *testing.T) {
	for _, tool := range []string{"swaks", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed on the host (scripts/deps.sh installs it for CI: apt-get install swaks curl libnet-ssleay-perl libauthen-sasl-perl)", tool)
		}
	}
	tb := harness.Box(t, "mail")
	ip := tb.IP()
	dir := t.TempDir()
	tmpl, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "secrets.yaml")
	os.WriteFile(tmpl, []byte(mailSite), 0o644)
	os.WriteFile(secrets, []byte(fmt.Sprintf("domain_admin: %q\nanna: %q\nbob: %q\n", mailAdminPW, annaPW, bobPW)), 0o600)
	start := time.Now()
	tb.Apply(t, tmpl, secrets)
	t.Logf("applied the mail site in %.1fs", time.Since(start).Seconds())

	ca := filepath.Join(dir, "ca.crt")
	tb.CopyOut(t, "/var/lib/posse/tls/ca.crt", ca)
	fqdn := tb.Name() + ".ad.mailtest.example"
	m := &mailClient{t: t, ip: ip, fqdn: fqdn, ca: ca}

	t.Run("mail from outside arrives in the INBOX", func(t *testing.T) {
		m.send(t, 25, "anna@mailtest.example", "hello anna", "250 2.0.0")
		m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "hello anna")
	})
	t.Run("login by username reaches the same mailbox", func(t *testing.T) {
		m.eventuallySubjects(t, "anna", annaPW, "hello anna")
	})
	t.Run("site alias delivers to all targets", func(t *testing.T) {
		m.send(t, 25, "info@mailtest.example", "to info", "250 2.0.0")
		m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "to info")
		m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "to info")
	})
	t.Run("user alias from proxyAddresses", func(t *testing.T) {
		m.send(t, 25, "a@mailtest.example", "to a", "250 2.0.0")
		m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "to a")
	})
	t.Run("unknown recipient rejected at RCPT", func(t *testing.T) {
		m.send(t, 25, "nobody@mailtest.example", "x", "550 5.1.1")
	})
	t.Run("no relaying without authentication", func(t *testing.T) {
		m.send(t, 25, "victim@elsewhere.example", "x", "554 5.7.1")
	})
	t.Run("submission needs STARTTLS and authentication", func(t *testing.T) {
		m.send(t, 587, "someone@elsewhere.example", "x", "Client host rejected", "--tls")
		m.send(t, 587, "someone@elsewhere.example", "submitted", "250 2.0.0", "--tls", "--auth", "PLAIN",
			"--auth-user", "anna@mailtest.example", "--auth-password", annaPW, "--from", "anna@mailtest.example")
		m.send(t, 587, "someone@elsewhere.example", "x", "535 5.7.8", "--tls", "--auth", "PLAIN",
			"--auth-user", "anna@mailtest.example", "--auth-password", "Wrong-Pass-2026!")
		m.send(t, 587, "someone@elsewhere.example", "x", "not advertise", "--auth", "PLAIN",
			"--auth-user", "anna@mailtest.example", "--auth-password", annaPW)
	})
	t.Run("submission senders: own addresses and aliases only", func(t *testing.T) {
		auth := []string{"--tls", "--auth", "PLAIN", "--auth-user", "anna", "--auth-password", annaPW}
		for from, want := range map[string]string{
			"a@mailtest.example":    "250 2.0.0", // her proxy address
			"info@mailtest.example": "250 2.0.0", // a site alias she receives
			"bob@mailtest.example":  "553 5.7.1",
		} {
			m.send(t, 587, "bob@mailtest.example", "as "+from, want, append(auth, "--from", from)...)
		}
	})
	t.Run("no plaintext IMAP login", func(t *testing.T) {
		if out, err := harness.Host("curl", "-sS", "imap://"+ip+"/INBOX", "-u", "anna@mailtest.example:"+annaPW, "-X", "SEARCH ALL"); err == nil {
			t.Errorf("plaintext IMAP login worked: %s", out)
		}
		if out, err := harness.Host("curl", "-sS", "--ssl-reqd", "--cacert", ca, "--resolve", fqdn+":143:"+ip,
			"imap://"+fqdn+"/INBOX", "-u", "anna@mailtest.example:"+annaPW, "-X", "SEARCH ALL"); err != nil {
			t.Errorf("IMAP with STARTTLS: %v %s", err, out)
		}
	})
	t.Run("a user added later receives mail right away", func(t *testing.T) {
		tb.MustRun(t, "install", "-d", "-m", "0700", "/root/mail")
		tb.CopyIn(t, secrets, "/root/mail/secrets.yaml", 0o600)
		if out, errOut, code := tb.Possectl(t, carolPW+"\n", "users", "add", "carol", "--email", "carol@mailtest.example",
			"--password-stdin", "--no-must-change", "--secrets", "/root/mail/secrets.yaml"); code != 0 {
			t.Fatalf("users add: %d %s %s", code, out, errOut)
		}
		m.send(t, 25, "carol@mailtest.example", "welcome carol", "250 2.0.0")
		m.eventuallySubjects(t, "carol@mailtest.example", carolPW, "welcome carol")
	})
	t.Run("over quota is refused", func(t *testing.T) {
		big := filepath.Join(dir, "big.txt")
		line := strings.Repeat("x", 76) + "\n"
		os.WriteFile(big, []byte(strings.Repeat(line, 700_000/len(line))), 0o644)
		m.send(t, 25, "bob@mailtest.example", "big", "250 2.0.0", "--body", "@"+big)
		m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "big")
		// A sender announcing the size is refused at RCPT time.
		if got := rawRCPT(t, ip, "SIZE=400000", "bob@mailtest.example"); !strings.HasPrefix(got, "552 5.2.2") {
			t.Errorf("RCPT over quota: %q, want 552 5.2.2", got)
		}
		if got := rawRCPT(t, ip, "SIZE=400000", "anna@mailtest.example"); !strings.HasPrefix(got, "250") {
			t.Errorf("RCPT under quota: %q, want 250", got)
		}
	})
	t.Run("old mail imported from an mbox and a Maildir, once", func(t *testing.T) {
		testMailImport(t, tb, dir, m)
	})
	t.Run("re-apply restarts nothing", func(t *testing.T) {
		pids := func() string {
			return tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", tb.PostfixUnit(), "dovecot.service")
		}
		before := pids()
		out := tb.Apply(t, tmpl, secrets)
		if !strings.Contains(out, "No changes") {
			t.Errorf("second apply changed something:\n%s", out)
		}
		if after := pids(); after != before {
			t.Errorf("main PIDs changed from %q to %q", before, after)
		}
	})
	t.Run("a group address from an included fragment reaches every member", func(t *testing.T) {
		// possectl on the box reads the fragment next to the template.
		site, frag := filepath.Join(dir, "group-site.yaml"), filepath.Join(dir, "groups.yaml")
		os.WriteFile(site, []byte(mailGroupSite), 0o644)
		os.WriteFile(frag, []byte(mailGroupFragment), 0o644)
		tb.MustRun(t, "install", "-d", "-m", "0700", "/root/mail/common")
		tb.CopyIn(t, site, "/root/mail/site.yaml", 0o600)
		tb.CopyIn(t, frag, "/root/mail/common/groups.yaml", 0o600)
		tb.CopyIn(t, secrets, "/root/mail/secrets.yaml", 0o600)
		apply := func() string {
			t.Helper()
			start := time.Now()
			out, errOut, code := tb.Possectl(t, "", "apply", "/root/mail/site.yaml", "--secrets", "/root/mail/secrets.yaml", "--yes")
			if code != 0 {
				t.Fatalf("apply with include: %d\n%s\n%s", code, out, errOut)
			}
			t.Logf("applied the site with include in %.1fs", time.Since(start).Seconds())
			return out
		}
		if out := apply(); !strings.Contains(out, "posse-aliases") {
			t.Errorf("the plan does not show the alias table changing:\n%s", out)
		}
		m.send(t, 25, "empfang@mailtest.example", "to reception", "250 2.0.0")
		m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "to reception")
		m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "to reception")
		m.send(t, 25, "alle@mailtest.example", "to everyone", "250 2.0.0")
		m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "to everyone")
		m.eventuallySubjects(t, "bob@mailtest.example", bobPW, "to everyone")
		if out := apply(); !strings.Contains(out, "No changes") {
			t.Errorf("second apply with include changed something:\n%s", out)
		}
		exported, errOut, code := tb.Possectl(t, "", "export")
		if code != 0 || !strings.Contains(strings.ReplaceAll(exported, `"`, ""), "mail: empfang@mailtest.example") {
			t.Errorf("export does not give the group its address (%d):\n%s\n%s", code, exported, errOut)
		}
	})
}

type mailClient struct {
	t            *testing.T
	ip, fqdn, ca string
}

// send runs swaks against the box and expects want in its output.
func (m *mailClient) send(t *testing.T, port int, to, subject, want string, extra ...string) {
	t.Helper()
	argv := []string{"swaks", "--server", m.ip, "--port", fmt.Sprint(port), "--to", to, "--from", "ext@outside.example",
		"--header", "Subject: " + subject, "--tls-verify", "--tls-ca-path", m.ca}
	out, _ := harness.Host(append(argv, extra...)...)
	if !strings.Contains(out, want) {
		t.Errorf("swaks to %s on %d: want %q in:\n%s", to, port, want, out)
	}
}

// eventuallySubjects waits until user's INBOX holds a message with subject.
func (m *mailClient) eventuallySubjects(t *testing.T, user, pw, subject string) {
	t.Helper()
	harness.Eventually(t, 20*time.Second, func() error {
		out, err := harness.Host("curl", "-sS", "--cacert", m.ca, "--resolve", m.fqdn+":993:"+m.ip,
			"imaps://"+m.fqdn+"/INBOX", "-u", user+":"+pw, "-X", `SEARCH SUBJECT "`+subject+`"`)
		if err != nil {
			return fmt.Errorf("curl imaps as %s: %v %s", user, err, out)
		}
		if strings.TrimSpace(out) == "* SEARCH" {
			return fmt.Errorf("no message %q in the INBOX of %s", subject, user)
		}
		return nil
	})
}

// rawRCPT talks SMTP to port 25 and returns the answer to RCPT TO after a
// MAIL FROM with params (swaks cannot send SIZE).
func rawRCPT(t *testing.T, ip, params, to string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", ip+":25", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	rd := bufio.NewReader(c)
	reply := func() string {
		for {
			l, err := rd.ReadString('\n')
			if err != nil || len(l) < 4 || l[3] != '-' {
				return strings.TrimSpace(l)
			}
		}
	}
	reply()
	for _, l := range []string{"EHLO outside.example", "MAIL FROM:<ext@outside.example> " + params} {
		fmt.Fprintf(c, "%s\r\n", l)
		if r := reply(); !strings.HasPrefix(r, "250") {
			t.Fatalf("%s: %s", l, r)
		}
	}
	fmt.Fprintf(c, "RCPT TO:<%s>\r\n", to)
	r := reply()
	fmt.Fprint(c, "QUIT\r\n")
	return r
}
