// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	relayUser     = "office-relay"
	relayGoodPW   = "Provider-Relay-Pw-2026"
	relayWrongPW  = "Not-The-Relay-Pw-2026"
	relayMailbox  = "boss"
	relayOutside  = "outside.example"
	relayUsersTbl = "/etc/dovecot/relay-users"
	// collectMailbox is anna's mailbox at the provider, collected over
	// IMAPS into her Posse INBOX with collectPW.
	collectMailbox = "anna-provider"
	collectPW      = "Provider-Collect-Pw-2026"
	collectServer  = "smarthost." + relayOutside
)

// relaySite is the mail test's users with every outgoing message going
// through the smarthost at %s on 587 (STARTTLS), logged in as relayUser.
const relaySite = `version: 1
site:
  name: "Relay Test"
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
mail:
  domains: [mailtest.example]
  dkim: {enabled: false}
  relay:
    host: "%s"
    port: 587
    username: ` + relayUser + `
    password: ${secret:mail_relay}
  collect:
    - user: anna
      server: ` + collectServer + `
      protocol: imap
      username: ` + collectMailbox + `
      password: ${secret:collect_anna}
      keep: false
`

// smarthostMainCf is a provider's submission server: plain Postfix that
// takes mail for outside.example into local Maildirs and relays for
// clients that logged in through Dovecot's SASL, over TLS only.
const smarthostMainCf = `compatibility_level = 3.6
myhostname = smarthost.outside.example
mydomain = outside.example
myorigin = $mydomain
mydestination = outside.example, localhost
mynetworks = 127.0.0.0/8
inet_interfaces = all
inet_protocols = ipv4
alias_maps =
alias_database =
home_mailbox = Maildir/
smtpd_tls_cert_file = /etc/postfix/smarthost.crt
smtpd_tls_key_file = /etc/postfix/smarthost.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
`

// smarthostMasterCf runs every service outside a chroot, with submission
// requiring TLS and a login.
const smarthostMasterCf = `smtp      inet  n       -       n       -       -       smtpd
submission inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// smarthostDovecot23 and smarthostDovecot24 make Dovecot the smarthost's
// SASL server and the provider's IMAPS server (993, the smarthost's
// certificate) for the system users' Maildirs: logins from a passwd-file.
const smarthostDovecot23 = `protocols = imap
listen = *
ssl = yes
ssl_cert = </etc/postfix/smarthost.crt
ssl_key = </etc/postfix/smarthost.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = ` + relayUsersTbl + `
}
userdb {
  driver = passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service imap-login {
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
`

const smarthostDovecot24 = `dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = *
ssl = yes
ssl_server_cert_file = /etc/postfix/smarthost.crt
ssl_server_key_file = /etc/postfix/smarthost.key
auth_allow_cleartext = yes
auth_mechanisms = plain login
mail_driver = maildir
mail_path = ~/Maildir
passdb passwd-file {
  passwd_file_path = ` + relayUsersTbl + `
}
userdb passwd {
}
userdb static {
  fields {
    uid = nobody
    gid = nogroup
    home = /nonexistent
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service imap-login {
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
`

// selfSigned writes a self-signed certificate and key for name and ip.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		// its own CA: the Posse box trusts it as the provider's.
		IsCA:                  true,
		BasicConstraintsValid: true,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "smarthost.crt"), filepath.Join(dir, "smarthost.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// setUpSmarthost turns sh into the provider's mail server: Postfix with
// submission on 587 (TLS and a login required) taking mail for
// outside.example into boss's Maildir, Dovecot checking relayUser's
// password, and Dovecot serving the system users' Maildirs over IMAPS. It
// returns the server's certificate (on the host).
func setUpSmarthost(t *testing.T, sh *harness.TestBox) string {
	t.Helper()
	dir := t.TempDir()
	crt, key := selfSigned(t, dir, "smarthost."+relayOutside)
	sh.CopyIn(t, crt, "/etc/postfix/smarthost.crt", 0o644)
	sh.CopyIn(t, key, "/etc/postfix/smarthost.key", 0o600)
	dovecot := smarthostDovecot24
	if v := sh.MustRun(t, "dovecot", "--version"); strings.HasPrefix(v, "2.3") {
		dovecot = smarthostDovecot23
	}
	for path, content := range map[string]string{
		"/etc/postfix/main.cf":      smarthostMainCf,
		"/etc/postfix/master.cf":    smarthostMasterCf,
		"/etc/dovecot/dovecot.conf": dovecot,
		relayUsersTbl:               relayUser + ":{PLAIN}" + relayGoodPW + "\n" + collectMailbox + ":{PLAIN}" + collectPW + "\n",
	} {
		f := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sh.CopyIn(t, f, path, 0o644)
	}
	sh.MustRun(t, "chmod", "0640", relayUsersTbl)
	sh.MustRun(t, "chgrp", "dovecot", relayUsersTbl)
	sh.MustRun(t, "useradd", "-m", relayMailbox)
	sh.MustRun(t, "useradd", "-m", collectMailbox)
	sh.MustRun(t, "postfix", "check")
	sh.MustRun(t, "systemctl", "restart", "dovecot.service")
	sh.MustRun(t, "systemctl", "restart", sh.PostfixUnit())
	harness.Eventually(t, 30*time.Second, func() error {
		o, e, code := sh.Output(t, "bash", "-c", "timeout 3 bash -c '</dev/tcp/127.0.0.1/587' && test -S /var/spool/postfix/private/auth")
		if code != 0 {
			return fmt.Errorf("the smarthost does not listen on 587 or Dovecot's auth socket is missing: %s%s", o, e)
		}
		return nil
	})
	return crt
}

// relayQueue is one message of postqueue -j on the Posse box.
type relayQueue struct {
	QueueName  string `json:"queue_name"`
	QueueID    string `json:"queue_id"`
	Recipients []struct {
		Address     string `json:"address"`
		DelayReason string `json:"delay_reason"`
	} `json:"recipients"`
}

// TestMailRelay boots a Posse box with mail.relay set and a second box on
// the same lab network as the provider's smarthost (plain Postfix with
// Dovecot SASL, submission on 587 with STARTTLS and AUTH). Mail anna
// submits to an outside address goes through the smarthost, logged in, and
// lands in the outside mailbox; the password is in no readable file, plan
// output or journal; a second apply changes nothing. With a wrong password
// in the secrets, the next message stays in the Posse box's queue and
// possectl status says the relay refused the login; the right password
// again sends it at once.
func TestMailRelay(t *testing.T) {
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Fatal("swaks is not installed on the host: scripts/deps.sh installs it (make deps)")
	}
	network := harness.UniqueName("relay")
	tb := harness.Box(t, "relay", harness.Options{Network: network})
	sh := harness.Box(t, "smarth", harness.Options{Network: network})
	providerCrt := setUpSmarthost(t, sh)

	dir := t.TempDir()
	tmpl, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "secrets.yaml")
	writeSecrets := func(relayPW string) {
		t.Helper()
		if err := os.WriteFile(secrets, []byte(fmt.Sprintf("domain_admin: %q\nanna: %q\nmail_relay: %q\ncollect_anna: %q\n", mailAdminPW, annaPW, relayPW, collectPW)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(tmpl, []byte(fmt.Sprintf(relaySite, sh.IP())), 0o644)
	// The provider's IMAPS certificate is trusted on the Posse box, as a
	// public CA's would be.
	tb.CopyIn(t, providerCrt, "/usr/local/share/ca-certificates/posse-test-provider.crt", 0o644)
	tb.MustRun(t, "update-ca-certificates")
	writeSecrets(relayGoodPW)
	start := time.Now()
	out := tb.Apply(t, tmpl, secrets)
	t.Logf("applied the relay site in %.1fs", time.Since(start).Seconds())
	if strings.Contains(out, relayGoodPW) {
		t.Error("apply's output holds the relay password")
	}

	mainCf := tb.MustRun(t, "postconf", "-n", "relayhost", "smtp_tls_security_level", "smtp_sasl_auth_enable", "smtp_sasl_password_maps")
	for _, want := range []string{"relayhost = [" + sh.IP() + "]:587", "smtp_tls_security_level = encrypt", "smtp_sasl_auth_enable = yes", "smtp_sasl_password_maps = texthash:/etc/postfix/posse-relay-password"} {
		if !strings.Contains(mainCf, want) {
			t.Errorf("postconf -n lacks %q:\n%s", want, mainCf)
		}
	}
	if got := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%a %U:%G", "/etc/postfix/posse-relay-password")); got != "600 root:root" {
		t.Errorf("the relay password table is %q, want 600 root:root", got)
	}
	// Checked on the host: a password in a command line would land in the
	// box's journal with the transient unit's name.
	for _, f := range []string{"/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/postfix/posse-aliases"} {
		local := filepath.Join(dir, filepath.Base(f))
		tb.CopyOut(t, f, local)
		if data, _ := os.ReadFile(local); len(data) == 0 || strings.Contains(string(data), relayGoodPW) {
			t.Errorf("%s is empty or holds the relay password", f)
		}
	}

	ca := filepath.Join(dir, "ca.crt")
	tb.CopyOut(t, "/var/lib/posse/tls/ca.crt", ca)
	m := &mailClient{t: t, ip: tb.IP(), fqdn: tb.Name() + ".ad.mailtest.example", ca: ca}
	submit := func(subject string) {
		t.Helper()
		m.send(t, 587, relayMailbox+"@"+relayOutside, subject, "250 2.0.0", "--tls", "--auth", "PLAIN",
			"--auth-user", "anna@mailtest.example", "--auth-password", annaPW, "--from", "anna@mailtest.example")
	}

	t.Run("mail to the outside goes through the smarthost, logged in", func(t *testing.T) {
		submit("through the relay")
		harness.Eventually(t, 60*time.Second, func() error {
			o, _, _ := sh.Output(t, "sh", "-c", "grep -l 'Subject: through the relay' /home/"+relayMailbox+"/Maildir/new/* 2>/dev/null")
			if strings.TrimSpace(o) == "" {
				q, _, _ := tb.Output(t, "postqueue", "-j")
				return fmt.Errorf("the message is not in %s's Maildir on the smarthost; Posse's queue: %s", relayMailbox, q)
			}
			return nil
		})
		msg := sh.MustRun(t, "sh", "-c", "cat $(grep -l 'Subject: through the relay' /home/"+relayMailbox+"/Maildir/new/*)")
		if !strings.Contains(msg, "From: anna@mailtest.example") && !strings.Contains(msg, "anna@mailtest.example") {
			t.Errorf("the delivered message is not anna's:\n%s", msg)
		}
		j := sh.MustRun(t, "journalctl", "--no-pager", "-o", "cat", "-t", "postfix/submission/smtpd")
		if !strings.Contains(j, "sasl_method=PLAIN, sasl_username="+relayUser) {
			t.Errorf("the smarthost's log shows no login as %s:\n%s", relayUser, lastLines(j, 20))
		}
		if !strings.Contains(j, "client="+strings.ToLower(tb.Name())) && !strings.Contains(j, "["+tb.IP()+"]") {
			t.Errorf("the smarthost's log shows no connection from the Posse box %s:\n%s", tb.IP(), lastLines(j, 20))
		}
	})

	t.Run("fetchmail collects the provider mailbox into the INBOX", func(t *testing.T) {
		testCollect(t, tb, sh, m)
	})

	t.Run("a second apply changes nothing", func(t *testing.T) {
		pid := func() string { return tb.MustRun(t, "systemctl", "show", "-p", "MainPID", "--value", tb.PostfixUnit()) }
		before := pid()
		if out := tb.Apply(t, tmpl, secrets); !strings.Contains(out, "No changes") {
			t.Errorf("second apply changed something:\n%s", out)
		}
		if after := pid(); after != before {
			t.Errorf("Postfix's main PID changed from %q to %q", before, after)
		}
	})

	t.Run("a refused login keeps mail queued and status says why", func(t *testing.T) {
		writeSecrets(relayWrongPW)
		out := tb.Apply(t, tmpl, secrets)
		if !strings.Contains(out, "posse-relay-password") || strings.Contains(out, relayWrongPW) {
			t.Errorf("apply with the new password does not rewrite the table, or shows the password:\n%s", out)
		}
		submit("refused by the relay")
		var reason string
		harness.Eventually(t, 60*time.Second, func() error {
			o := tb.MustRun(t, "postqueue", "-j")
			for _, l := range strings.Split(strings.TrimSpace(o), "\n") {
				var q relayQueue
				if json.Unmarshal([]byte(l), &q) != nil || q.QueueName != "deferred" || len(q.Recipients) == 0 {
					continue
				}
				reason = q.Recipients[0].DelayReason
				return nil
			}
			return fmt.Errorf("no deferred message in Posse's queue: %s", o)
		})
		if !strings.Contains(reason, "SASL authentication failed") || !strings.Contains(reason, "535") {
			t.Errorf("the deferred reason does not say the login failed: %q", reason)
		}
		if o, _, _ := sh.Output(t, "sh", "-c", "grep -l 'Subject: refused by the relay' /home/"+relayMailbox+"/Maildir/new/* 2>/dev/null"); strings.TrimSpace(o) != "" {
			t.Error("the message arrived although the login was refused")
		}
		st, errOut, code := tb.Possectl(t, "", "status")
		if !strings.Contains(st, "relay refused login: SASL authentication failed") || !strings.Contains(st, "relay ["+sh.IP()+"]:587") {
			t.Errorf("possectl status: exit %d\n%s%s", code, st, errOut)
		}
		if strings.Contains(st, relayWrongPW) {
			t.Error("status shows the password")
		}
	})

	t.Run("the right password again sends the queued mail at once", func(t *testing.T) {
		writeSecrets(relayGoodPW)
		if out := tb.Apply(t, tmpl, secrets); !strings.Contains(out, "postqueue") && !strings.Contains(out, "flush-queue") {
			t.Errorf("apply with the right password does not retry the queue:\n%s", out)
		}
		// Postfix's own retry would come minutes later at the earliest.
		harness.Eventually(t, 30*time.Second, func() error {
			o, _, _ := sh.Output(t, "sh", "-c", "grep -l 'Subject: refused by the relay' /home/"+relayMailbox+"/Maildir/new/* 2>/dev/null")
			if strings.TrimSpace(o) == "" {
				q, _, _ := tb.Output(t, "postqueue", "-j")
				return fmt.Errorf("the queued message has not arrived; Posse's queue: %s", q)
			}
			return nil
		})
		if q := strings.TrimSpace(tb.MustRun(t, "postqueue", "-j")); q != "" {
			t.Errorf("Posse's queue is not empty: %s", q)
		}
	})

	for _, pw := range []string{relayGoodPW, relayWrongPW} {
		if j := tb.MustRun(t, "journalctl", "--no-pager", "-o", "cat"); strings.Contains(j, pw) {
			t.Error("a relay password is in the Posse box's journal")
		}
	}
}

// testCollect: a message delivered to anna's mailbox at the provider
// arrives in her Posse INBOX (read over IMAPS) once posse-collect.service
// ran, and is gone at the provider (keep: false). fetchmailrc is 0600
// fetchmail and the password is in no unit, command line or journal.
func testCollect(t *testing.T, tb, sh *harness.TestBox, m *mailClient) {
	if got := strings.TrimSpace(tb.MustRun(t, "stat", "-c", "%a %U", "/etc/posse/fetchmailrc")); got != "600 fetchmail" {
		t.Errorf("fetchmailrc is %q, want 600 fetchmail", got)
	}
	if !strings.Contains(tb.MustRun(t, "systemctl", "is-enabled", "posse-collect.timer"), "enabled") {
		t.Error("posse-collect.timer is not enabled")
	}
	// The Posse box finds the provider by the name on its certificate.
	tb.MustRun(t, "sh", "-c", "grep -q ' "+collectServer+"$' /etc/hosts || echo '"+sh.IP()+" "+collectServer+"' >> /etc/hosts")
	providerBox := "/home/" + collectMailbox + "/Maildir"
	sh.MustRun(t, "sh", "-c", "printf 'From: friend@"+relayOutside+"\\nTo: "+collectMailbox+"@"+relayOutside+"\\nSubject: collected from the provider\\n\\nHello Anna.\\n' | /usr/sbin/sendmail -f friend@"+relayOutside+" "+collectMailbox+"@"+relayOutside)
	harness.Eventually(t, 30*time.Second, func() error {
		o, _, _ := sh.Output(t, "sh", "-c", "grep -rl 'Subject: collected from the provider' "+providerBox+" 2>/dev/null")
		if strings.TrimSpace(o) == "" {
			return fmt.Errorf("the message is not in %s at the provider yet", providerBox)
		}
		return nil
	})
	start := time.Now()
	if o, e, code := tb.Output(t, "systemctl", "start", "posse-collect.service"); code != 0 {
		j, _, _ := tb.Output(t, "journalctl", "--no-pager", "-o", "cat", "-u", "posse-collect.service")
		t.Fatalf("posse-collect.service failed: %s%s\n%s", o, e, lastLines(j, 30))
	}
	t.Logf("fetchmail ran in %.1fs", time.Since(start).Seconds())
	m.eventuallySubjects(t, "anna@mailtest.example", annaPW, "collected from the provider")
	if o, _, _ := sh.Output(t, "sh", "-c", "grep -rl 'Subject: collected from the provider' "+providerBox+" 2>/dev/null"); strings.TrimSpace(o) != "" {
		t.Errorf("the collected message is still at the provider (keep: false): %s", o)
	}
	if j := tb.MustRun(t, "journalctl", "--no-pager", "-o", "cat"); strings.Contains(j, collectPW) {
		t.Error("the collect password is in the Posse box's journal")
	}
	for _, f := range []string{"/etc/systemd/system/posse-collect.service", "/etc/systemd/system/posse-collect.timer"} {
		if strings.Contains(tb.MustRun(t, "cat", f), collectPW) {
			t.Errorf("%s holds the collect password", f)
		}
	}
}
