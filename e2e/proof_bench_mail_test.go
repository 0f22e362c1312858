// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// TestProofBenchMail measures mail throughput from outside the box:
// messages per second from the first SMTP connection until the last
// message is in the mailbox, through Postfix, Rspamd (scoring and the
// milter) and Dovecot's LMTP; and possectl mail import of an mbox of a
// few thousand messages, first (all new) and again (all there).
func TestProofBenchMail(t *testing.T) {
	benchEnabled(t)
	const (
		messages = 500
		conns    = 4
		imported = 3000
	)
	tb := harness.Box(t, "pbmail")
	ip := tb.IP()
	dir := t.TempDir()
	tmpl, secrets := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "secrets.yaml")
	os.WriteFile(tmpl, []byte(strings.Replace(mailSite, "mailbox_quota_mb: 1\n", "mailbox_quota_mb: 2000\n", 1)), 0o644)
	os.WriteFile(secrets, []byte(fmt.Sprintf("domain_admin: %q\nanna: %q\nbob: %q\n", mailAdminPW, annaPW, bobPW)), 0o600)
	tb.Apply(t, tmpl, secrets)

	// Dovecot's userdb knows mailboxes by address.
	inbox := func(user string) int {
		o, e, code := tb.Output(t, "doveadm", "-f", "flow", "mailbox", "status", "-u", user, "messages", "INBOX")
		// flow prints "INBOX messages=N" (2.4) or "messages=N".
		_, v, _ := strings.Cut(o, "messages=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if code != 0 || err != nil {
			t.Fatalf("doveadm mailbox status: %d %s %s", code, o, e)
		}
		return n
	}
	body := strings.Repeat("Sehr geehrte Damen und Herren, anbei die Unterlagen.\r\n", 20)
	round := func(name string) {
		before := inbox("bob@mailtest.example")
		start := time.Now()
		sendBench(t, ip, name, messages, conns, body)
		accepted := time.Since(start)
		harness.Eventually(t, 10*time.Minute, func() error {
			if n := inbox("bob@mailtest.example") - before; n < messages {
				return fmt.Errorf("%d of %d messages delivered", n, messages)
			}
			return nil
		})
		delivered := time.Since(start)
		benchLine(t, fmt.Sprintf("%s: %d messages accepted over SMTP from the host, %d connections", name, messages, conns), fmt.Sprintf("%.1f s, %.1f msg/s", accepted.Seconds(), messages/accepted.Seconds()))
		benchLine(t, fmt.Sprintf("%s: %d messages from the first connection until all are in the mailbox", name, messages), fmt.Sprintf("%.1f s, %.1f msg/s", delivered.Seconds(), messages/delivered.Seconds()))
	}
	round("Postfix + Rspamd milter (scoring) + Dovecot LMTP")
	// The same without the milter: Postfix alone in front of LMTP.
	tb.MustRun(t, "postconf", "-e", "smtpd_milters=", "non_smtpd_milters=")
	tb.MustRun(t, "postfix", "reload")
	time.Sleep(2 * time.Second)
	round("Postfix alone (no milter) + Dovecot LMTP")

	// possectl mail import of an mbox, all new, then again.
	mbox := filepath.Join(dir, "Archiv.mbox")
	var b strings.Builder
	for i := 0; i < imported; i++ {
		fmt.Fprintf(&b, "From sender@old.example Mon Mar  4 10:%02d:00 2019\nMessage-ID: <imp-%d@old.example>\nFrom: sender@old.example\nSubject: archived %d\nStatus: RO\n\n%s\n", i%60, i, i, strings.ReplaceAll(body, "\r\n", "\n"))
	}
	os.WriteFile(mbox, []byte(b.String()), 0o600)
	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/mail")
	tb.CopyIn(t, mbox, "/root/mail/Archiv.mbox", 0o600)
	for _, round := range []string{"new", "again"} {
		s := time.Now()
		out, errOut, code := tb.Possectl(t, "", "mail", "import", "anna", "/root/mail/Archiv.mbox", "--json")
		wall := time.Since(s)
		if code != 0 {
			t.Fatalf("mail import: %d %s %s", code, out, errOut)
		}
		var r struct {
			New, Existing int
			Seconds       float64
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.New+r.Existing != imported {
			t.Fatalf("mail import counted %d new and %d there, want %d in all", r.New, r.Existing, imported)
		}
		benchLine(t, fmt.Sprintf("possectl mail import of an mbox of %d messages (%s: %d new, %d already there)", imported, round, r.New, r.Existing),
			fmt.Sprintf("%.1f s (wall %.1f s), %.0f msg/s", r.Seconds, wall.Seconds(), float64(imported)/r.Seconds))
	}
}

// sendBench sends n messages to bob over conns SMTP connections to port
// 25 at once, each connection one session of many messages.
func sendBench(t *testing.T, ip, name string, n, conns int, body string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			errs <- sendSession(ip, id, c, n, conns, body)
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("%s: sending: %v", name, err)
		}
	}
}

// sendSession sends messages c, c+conns, ... below n in one SMTP session.
func sendSession(ip, id string, c, n, conns int, body string) error {
	cl, err := smtp.Dial(ip + ":25")
	if err != nil {
		return err
	}
	defer cl.Quit()
	if err := cl.Hello("outside.example"); err != nil {
		return err
	}
	for i := c; i < n; i += conns {
		if err := cl.Mail("ext@outside.example"); err != nil {
			return fmt.Errorf("message %d: MAIL: %w", i, err)
		}
		if err := cl.Rcpt("bob@mailtest.example"); err != nil {
			return fmt.Errorf("message %d: RCPT: %w", i, err)
		}
		w, err := cl.Data()
		if err != nil {
			return fmt.Errorf("message %d: DATA: %w", i, err)
		}
		fmt.Fprintf(w, "From: ext@outside.example\r\nTo: bob@mailtest.example\r\nSubject: bench %d\r\nMessage-ID: <bench-%s-%d@outside.example>\r\nDate: %s\r\n\r\n%s",
			i, id, i, time.Now().Format(time.RFC1123Z), body)
		if err := w.Close(); err != nil {
			return fmt.Errorf("message %d: end of DATA: %w", i, err)
		}
	}
	return nil
}
