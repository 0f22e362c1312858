// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/daemon/daemontest"
)

// unusualUsage is a box whose usage holds text from outside and a queue
// that cannot be read.
type unusualUsage struct{ *parityFake }

func (unusualUsage) Usage(context.Context) (api.Usage, error) {
	return api.Usage{
		Shares: []api.ShareUsage{{Name: evil, Path: "/srv/" + evil, Error: "cannot read /srv/" + evil}},
		Mail:   api.MailQueue{Configured: true, Error: "postqueue failed:\n" + evil},
	}, nil
}

// TestParityEscapesControls: names, descriptions, paths and messages from
// the box reach the terminal with their control characters escaped, in
// every table of the new commands.
func TestParityEscapesControls(t *testing.T) {
	pf := newParityFake()
	pf.shares = []api.Share{{Name: evil, Path: "/srv/" + evil, Description: evil, Read: []string{evil}}}
	pf.aliases = []api.Alias{{Address: evil, To: []string{evil}}}
	r := &rig{addr: daemontest.StartBus(t), box: pf.fakeBox}
	daemontest.StartPolkit(t, r.addr)
	conn := daemontest.Connect(t, r.addr)
	srv := daemon.New(conn, daemon.Config{
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Backend:    unusualUsage{pf},
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return true }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	runParity(t, r, []parityCase{
		{name: "groups list", args: []string{"groups", "list"}, stdout: []string{evilEscaped, `st\naff`}},
		{name: "groups show", args: []string{"groups", "show", "odd"}, stdout: []string{"description:  " + evilEscaped, `members:      st\naff`}},
		{name: "shares list", args: []string{"shares", "list"}, stdout: []string{evilEscaped + "  /srv/" + evilEscaped}},
		{name: "shares usage", args: []string{"shares", "usage"}, stdout: []string{evilEscaped, "(cannot read /srv/" + evilEscaped + ")"}},
		{name: "mail aliases", args: []string{"mail", "aliases"}, stdout: []string{evilEscaped + "  " + evilEscaped}},
		{name: "mail queue", args: []string{"mail", "queue"}, code: 1, stderr: []string{"cannot read the mail queue on this box: postqueue failed:\n" + evilEscaped}},
	})
}

// TestPrintSafeJSON: --json escapes what a terminal would act on and still
// decodes to the same text.
func TestPrintSafeJSON(t *testing.T) {
	in := groupJSON{Name: "a\u009b2Jb", Description: evil + "\u2066ü\xff", Members: []string{}}
	var b strings.Builder
	if err := printSafeJSON(&b, in); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, r := range out {
		if r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0x2066 || (r < 0x20 && r != '\n') {
			t.Errorf("%U is printed as it is: %q", r, out)
		}
	}
	if !strings.Contains(out, `a\u009b2Jb`) || !strings.Contains(out, "ü") {
		t.Errorf("got %s", out)
	}
	var back groupJSON
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != in.Name || back.Description != evil+"\u2066ü\ufffd" {
		t.Errorf("decodes to %+v", back)
	}
}
