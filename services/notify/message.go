// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"time"
)

// Envelope is who a mail is from and to, and the box it is about.
type Envelope struct {
	From     string
	To       []string
	Hostname string
}

// MaxTextLen cuts what a problem says in a mail (a long restic error).
const MaxTextLen = 4000

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)

// SafeHostname returns h when it is a plain host name, else "box".
func SafeHostname(h string) string {
	if hostnameRE.MatchString(h) {
		return h
	}
	return "box"
}

// SubjectOf is a mail's subject: "[posse HOST] PROBLEM: …",
// "[posse HOST] RESOLVED: …" or the test mail's.
func SubjectOf(m Mail, host string) string {
	prefix := "[posse " + SafeHostname(host) + "] "
	switch m.Kind {
	case KindResolved:
		return prefix + "RESOLVED: " + oneLine(m.Problem.Subject, 200)
	case KindTest:
		return prefix + "test mail"
	}
	return prefix + "PROBLEM: " + oneLine(m.Problem.Subject, 200)
}

// Body is a mail's text: what happened, since when, what to do.
func Body(m Mail, host string, now time.Time) string {
	host = SafeHostname(host)
	var b strings.Builder
	p := m.Problem
	switch m.Kind {
	case KindTest:
		fmt.Fprintf(&b, "This is a test mail from Posse on %s, sent with 'possectl notify test'.\n\n", host)
		b.WriteString("Alerts for this box reach you at this address.\n")
	case KindResolved:
		fmt.Fprintf(&b, "Resolved on %s: %s\n\n", host, oneLine(p.Subject, 200))
		fmt.Fprintf(&b, "The problem first seen at %s is gone as of %s. Nothing more to do.\n\n", stamp(m.FirstSeen), stamp(now))
		fmt.Fprintf(&b, "It was:\n%s\n", clip(p.What))
	default:
		fmt.Fprintf(&b, "Problem on %s: %s\n\n", host, oneLine(p.Subject, 200))
		fmt.Fprintf(&b, "What happened:\n%s\n\n", clip(p.What))
		fmt.Fprintf(&b, "What to do:\n%s\n\n", clip(p.Next))
		fmt.Fprintf(&b, "First seen %s", stamp(m.FirstSeen))
		if m.Reminder {
			b.WriteString("; this is a daily reminder: the problem is still there")
		}
		b.WriteString(".\n")
	}
	b.WriteString("\n-- \nPosse checks this box every 15 minutes ('possectl notify status' lists the open problems).\n" +
		"You get one mail per problem and day at most, and one when it is resolved.\n")
	return b.String()
}

// Render returns the whole message for sendmail -t: headers (From, To,
// Subject, Date, Message-ID, MIME) and the body in quoted-printable UTF-8.
func Render(m Mail, env Envelope, now time.Time) ([]byte, error) {
	if len(env.To) == 0 {
		return nil, fmt.Errorf("the alert has no recipients")
	}
	for _, a := range append([]string{env.From}, env.To...) {
		if strings.ContainsAny(a, "\r\n,<>\"() \t") || !strings.Contains(a, "@") || strings.HasPrefix(a, "-") {
			return nil, fmt.Errorf("%q is not a plain mail address", a)
		}
	}
	host := SafeHostname(env.Hostname)
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Posse on %s <%s>\r\n", host, env.From)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(env.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", SubjectOf(m, host)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%d.%s.posse@%s>\r\n", now.Unix(), hex.EncodeToString(id), host)
	fmt.Fprintf(&b, "Auto-Submitted: auto-generated\r\n")
	if m.Problem.Key != "" {
		fmt.Fprintf(&b, "X-Posse-Problem: %s\r\n", oneLine(m.Problem.Key, 200))
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(Body(m, host, now), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// clip cuts s at MaxTextLen characters and drops control characters
// other than line breaks and tabs.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > MaxTextLen {
		s = string(r[:MaxTextLen]) + "…"
	}
	return s
}
