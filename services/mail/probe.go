// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
)

// Report is what the probe found out besides health.
type Report struct {
	// QueueSize is the number of messages in Postfix's queue.
	QueueSize int `json:"queue_size"`
	// Deferred counts the queued messages in the deferred queue.
	Deferred int `json:"deferred"`
	// Oldest is the arrival time of the oldest queued message (zero when
	// the queue is empty or postqueue gave no times).
	Oldest time.Time `json:"oldest,omitzero"`
	// DeferReason is why Postfix last deferred a message still queued
	// (its delay_reason, such as the relay refusing the login); "" when
	// none is deferred.
	DeferReason string `json:"defer_reason,omitempty"`
}

// Probe checks the mail services: postfix@- and dovecot are active, the
// SMTP banner answers on 127.0.0.1:25, IMAPS on 993 presents the site
// certificate for spec.FQDN, the service account binds to the directory
// with the stored password, Dovecot can list mailbox owners from the
// directory (doveadm user '*'), postfix check and doveconf -n are clean,
// and it reports the queue size (postqueue -j). It retries while the
// services start, up to s.ProbeTimeout.
func (s *Service) Probe(ctx context.Context, env *host.Env, spec ProbeSpec) (Report, error) {
	timeout := s.ProbeTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if spec.Rspamd {
		// Rspamd's first start on a box compiles its databases: give it
		// longer than the rest.
		if err := s.waitRspamd(ctx, env, 3*timeout); err != nil {
			return Report{}, fmt.Errorf("mail health probe: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		r, err := s.probeOnce(ctx, env, spec)
		if err == nil {
			s.Forget()
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("mail health probe: %w", err)
		case <-time.After(time.Second):
		}
	}
}

func (s *Service) probeOnce(ctx context.Context, env *host.Env, spec ProbeSpec) (Report, error) {
	var r Report
	if env.Units == nil || env.Runner == nil {
		return r, errors.New("the probe needs systemd and a command runner")
	}
	for _, u := range []string{postfixInstance(env), DovecotUnit} {
		st, err := env.Units.Status(ctx, u)
		if err != nil {
			return r, fmt.Errorf("reading the state of %s: %w", u, err)
		}
		if st.ActiveState != "active" {
			return r, fmt.Errorf("%s is %s: see journalctl -u %s", u, st.ActiveState, u)
		}
	}
	if spec.Rspamd {
		if err := s.rspamdProbe(ctx, env); err != nil {
			return r, err
		}
	}
	if err := s.smtpProbe(ctx, spec); err != nil {
		return r, err
	}
	if err := s.imapsGreeting(ctx, env, spec); err != nil {
		return r, err
	}
	pw, err := ReadPassword(env)
	if err != nil {
		return r, err
	}
	if s.Bind != nil {
		if err := s.Bind(ctx, env, spec.FQDN, spec.CAFile, spec.BindDN, pw); err != nil {
			return r, fmt.Errorf("mail service account: %w", err)
		}
	}
	for _, argv := range [][]string{postfixCheck, doveconfN} {
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: argv}); err != nil {
			return r, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
	}
	// Dovecot's auth process (unprivileged) looks a user up: 0 found,
	// 67 (EX_NOUSER) not found; anything else means lookups fail.
	if res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"doveadm", "user", probeAddress(spec)}}); err != nil && res.ExitCode != 67 {
		return r, fmt.Errorf("dovecot cannot look users up in the directory: doveadm user: %w", err)
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"postqueue", "-j"}})
	if err != nil {
		return r, fmt.Errorf("postqueue -j: %w", err)
	}
	return ParseQueue(res.Stdout)
}

// ParseQueue counts the messages in postqueue -j output: one JSON object
// per line, each with a queue_name; the newest deferred message's first
// delay_reason becomes DeferReason.
func ParseQueue(out []byte) (Report, error) {
	var r Report
	var newest int64
	for i, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var m struct {
			QueueName   string `json:"queue_name"`
			QueueID     string `json:"queue_id"`
			ArrivalTime int64  `json:"arrival_time"` // Unix seconds
			Recipients  []struct {
				DelayReason string `json:"delay_reason"`
			} `json:"recipients"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil || m.QueueID == "" {
			return Report{}, fmt.Errorf("postqueue -j line %d is not a queue entry", i+1)
		}
		r.QueueSize++
		if m.QueueName == "deferred" {
			r.Deferred++
			for _, rc := range m.Recipients {
				// The newest deferred message says best what goes wrong now.
				if rc.DelayReason != "" && (r.DeferReason == "" || m.ArrivalTime >= newest) {
					r.DeferReason, newest = printableReason(rc.DelayReason), m.ArrivalTime
				}
			}
		}
		if t := time.Unix(m.ArrivalTime, 0).UTC(); m.ArrivalTime > 0 && (r.Oldest.IsZero() || t.Before(r.Oldest)) {
			r.Oldest = t
		}
	}
	return r, nil
}

// probeLocalPart is a recipient no template can define (usernames and
// addresses Posse accepts are shorter), used to exercise lookups.
const probeLocalPart = "posse-health-probe-no-such-mailbox"

func probeAddress(spec ProbeSpec) string { return probeLocalPart + "@" + spec.Domain }

// smtpProbe talks to Postfix on 127.0.0.1:25: a 220 banner, then RCPT TO
// an address that does not exist must be refused permanently (5xx: the
// directory lookup worked); a 4xx means Postfix cannot look recipients up.
func (s *Service) smtpProbe(ctx context.Context, spec ProbeSpec) error {
	c, err := s.dial(ctx, "127.0.0.1:25")
	if err != nil {
		return fmt.Errorf("SMTP on 127.0.0.1:25: %w", err)
	}
	defer c.Close()
	rd := bufio.NewReader(c)
	reply := func() (string, error) {
		var last string
		for {
			l, err := rd.ReadString('\n')
			if err != nil {
				return strings.TrimSpace(last + l), err
			}
			last = l
			if len(l) < 4 || l[3] != '-' {
				return strings.TrimSpace(l), nil
			}
		}
	}
	if l, err := reply(); err != nil || !strings.HasPrefix(l, "220 ") {
		return fmt.Errorf("SMTP on 127.0.0.1:25 sent no 220 banner (got %q, %v)", l, err)
	}
	for _, cmd := range []struct{ line, want string }{
		{"EHLO localhost", "250"},
		{"MAIL FROM:<>", "250"},
		{"RCPT TO:<" + probeAddress(spec) + ">", "5"},
	} {
		fmt.Fprintf(c, "%s\r\n", cmd.line)
		l, err := reply()
		if err != nil {
			return fmt.Errorf("SMTP on 127.0.0.1:25: %s: %w", cmd.line, err)
		}
		if !strings.HasPrefix(l, cmd.want) && !(cmd.want == "5" && strings.HasPrefix(l, "2")) {
			return fmt.Errorf("SMTP on 127.0.0.1:25: %s got %q: Postfix cannot look recipients up in the directory (see journalctl -u %s)", cmd.line, l, PostfixUnit)
		}
	}
	fmt.Fprint(c, "QUIT\r\n")
	return nil
}

// imapsGreeting expects "* OK" over TLS on 127.0.0.1:993 with a
// certificate for spec.FQDN signed by the site CA.
func (s *Service) imapsGreeting(ctx context.Context, env *host.Env, spec ProbeSpec) error {
	pool, err := ad.CAPool(env.Path(spec.CAFile))
	if err != nil {
		return err
	}
	raw, err := s.dial(ctx, "127.0.0.1:993")
	if err != nil {
		return fmt.Errorf("IMAPS on 127.0.0.1:993: %w", err)
	}
	c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: spec.FQDN, MinVersion: tls.VersionTLS12})
	defer c.Close()
	if err := c.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("IMAPS on 127.0.0.1:993: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "* OK") {
		return fmt.Errorf("IMAPS on 127.0.0.1:993 sent no greeting (got %q, %v)", strings.TrimSpace(line), err)
	}
	fmt.Fprint(c, "a LOGOUT\r\n")
	return nil
}

// rspamdProbe expects rspamd.service active and its milter (the proxy
// worker) accepting connections on RspamdMilterAddr.
func (s *Service) rspamdProbe(ctx context.Context, env *host.Env) error {
	if env.Units == nil {
		return errors.New("the probe needs systemd")
	}
	st, err := env.Units.Status(ctx, RspamdUnit)
	if err != nil {
		return fmt.Errorf("reading the state of %s: %w", RspamdUnit, err)
	}
	if st.ActiveState != "active" {
		return fmt.Errorf("%s is %s: outgoing mail is not signed (see journalctl -u %s)", RspamdUnit, st.ActiveState, RspamdUnit)
	}
	c, err := s.dial(ctx, RspamdMilterAddr)
	if err != nil {
		return fmt.Errorf("rspamd's milter on %s: %w: outgoing mail is not signed (see journalctl -u %s)", RspamdMilterAddr, err, RspamdUnit)
	}
	return c.Close()
}

// waitRspamd retries rspamdProbe for up to timeout.
func (s *Service) waitRspamd(ctx context.Context, env *host.Env, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := s.rspamdProbe(ctx, env)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

func (s *Service) dial(ctx context.Context, addr string) (net.Conn, error) {
	dial := s.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	}
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, nil
}

// maxReasonLen cuts a deferral reason for one status line.
const maxReasonLen = 300

// printableReason is a delay_reason on one line of printable characters,
// cut to maxReasonLen.
func printableReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > maxReasonLen {
		s = strings.ToValidUTF8(s[:maxReasonLen], "") + "…"
	}
	return s
}
