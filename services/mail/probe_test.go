// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name    string
		break_  func(b *fakeBox)
		wantErr string
	}{
		{"healthy", func(*fakeBox) {}, ""},
		{"postfix down", func(b *fakeBox) { b.units.Stop(context.Background(), PostfixUnit) }, "postfix.service is inactive"},
		{"dovecot down", func(b *fakeBox) { b.units.Stop(context.Background(), DovecotUnit) }, "dovecot.service is inactive"},
		{"postfix lookups fail", func(b *fakeBox) { b.smtpRCPT = "451 4.3.0 Temporary lookup failure" }, "Postfix cannot look recipients up"},
		{"dovecot lookups fail", func(b *fakeBox) { b.doveadmExit = 75 }, "dovecot cannot look users up"},
		{"account password refused", func(b *fakeBox) { b.dir.password = "changed" }, "refuses the stored password"},
		{"imaps down", func(b *fakeBox) {
			b.svc.Dial = func(ctx context.Context, n, addr string) (net.Conn, error) {
				if addr == "127.0.0.1:993" {
					return nil, errors.New("connection refused")
				}
				return b.dial(ctx, n, addr)
			}
		}, "IMAPS on 127.0.0.1:993"},
		{"postfix check fails", func(b *fakeBox) {
			b.run.On([]string{"postfix", "check"}, host.Result{ExitCode: 1, Stderr: []byte("fatal: bad")})
		}, "postfix check"},
		{"queue unreadable", func(b *fakeBox) {
			b.run.On([]string{"postqueue", "-j"}, host.Result{Stdout: []byte("not json\n")})
		}, "not a queue entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFakeBox(t)
			if err := b.apply(b.plan()); err != nil {
				t.Fatal(err)
			}
			b.svc.ProbeTimeout = 300 * time.Millisecond
			tc.break_(b)
			spec := ProbeSpec{FQDN: "dc.ad.mueller-partner.example", Domain: "mueller-partner.example", CAFile: "/var/lib/posse/tls/ca.crt",
				BindDN: "CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example"}
			r, err := b.svc.Probe(context.Background(), b.env, spec)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if r.QueueSize != 1 || r.Deferred != 1 {
					t.Errorf("report %+v", r)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want %q", err, tc.wantErr)
			}
			if pw, _ := ReadPassword(b.env); err != nil && strings.Contains(err.Error(), pw) {
				t.Error("the probe error holds the password")
			}
		})
	}
}

func TestParseQueue(t *testing.T) {
	for _, tc := range []struct {
		in       string
		size, df int
		ok       bool
	}{
		{"", 0, 0, true},
		{`{"queue_name": "active", "queue_id": "1"}` + "\n" + `{"queue_name": "deferred", "queue_id": "2"}` + "\n", 2, 1, true},
		{`{"queue_name": "deferred"}` + "\n", 0, 0, false},
		{"Mail queue is empty\n", 0, 0, false},
	} {
		r, err := ParseQueue([]byte(tc.in))
		if (err == nil) != tc.ok || r.QueueSize != tc.size || r.Deferred != tc.df {
			t.Errorf("ParseQueue(%q) = %+v, %v", tc.in, r, err)
		}
	}
}

// TestProbeBookwormInstance: on Debian 12 the probe looks at postfix@-,
// since postfix.service is a oneshot that stays active without it.
func TestProbeBookwormInstance(t *testing.T) {
	b := newFakeBoxOn(t, bookworm)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	b.svc.ProbeTimeout = 300 * time.Millisecond
	b.units.Stop(context.Background(), PostfixInstance)
	spec := ProbeSpec{FQDN: "dc.ad.mueller-partner.example", Domain: "mueller-partner.example", CAFile: "/var/lib/posse/tls/ca.crt",
		BindDN: "CN=posse-mail,OU=Posse,DC=ad,DC=mueller-partner,DC=example"}
	if _, err := b.svc.Probe(context.Background(), b.env, spec); err == nil || !strings.Contains(err.Error(), "postfix@-.service is inactive") {
		t.Errorf("probe with postfix@- down: %v", err)
	}
}
