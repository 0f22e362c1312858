// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMailDNSRegistered: mail dns hangs under the mail command.
func TestMailDNSRegistered(t *testing.T) {
	mail := subcommand(rootCmd, "mail")
	if mail == nil || subcommand(mail, "dns") == nil {
		t.Fatal("possectl mail dns is not registered")
	}
	if subcommand(rootCmd, "no-such-command") != nil {
		t.Error("subcommand finds a command that does not exist")
	}
	code, _, errOut := possectl(t, "mail", "dns", "extra")
	if code == 0 {
		t.Errorf("mail dns with an argument exits 0 (%s)", errOut)
	}
}

// TestPrintMailDNS: one table per domain; TXT values quoted, found values
// and lookup errors under their record, control characters escaped.
func TestPrintMailDNS(t *testing.T) {
	recs := []mailDNSRecord{
		{Domain: "a.example", Purpose: "mx", Name: "a.example", Type: "MX", Value: "10 dc.ad.a.example.", Status: "ok"},
		{Domain: "a.example", Purpose: "spf", Name: "a.example", Type: "TXT", Value: "v=spf1 mx -all", Status: "different", Found: []string{"v=spf1 a -all\x1b[2J"}},
		{Domain: "b.example", Purpose: "dmarc", Name: "_dmarc.b.example", Type: "TXT", Value: "v=DMARC1; p=quarantine", Status: "missing", Error: "i/o timeout"},
	}
	var b bytes.Buffer
	if err := printMailDNS(&b, recs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"a.example\nSTATUS",
		"ok         a.example.  MX    10 dc.ad.a.example.",
		`different  a.example.  TXT   "v=spf1 mx -all"`,
		"found: v=spf1 a -all",
		"\nb.example\n",
		`missing  _dmarc.b.example.  TXT   "v=DMARC1; p=quarantine"`,
		"lookup failed: i/o timeout",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("output holds an escape character:\n%q", out)
	}
}
