// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMailDKIMRegistered: rotate, activate and retire hang under mail
// dkim, each needs exactly one domain, and activate and retire take
// --force.
func TestMailDKIMRegistered(t *testing.T) {
	dkim := subcommand(subcommand(rootCmd, "mail"), "dkim")
	if dkim == nil {
		t.Fatal("possectl mail dkim is not registered")
	}
	for _, name := range []string{"rotate", "activate", "retire"} {
		c := subcommand(dkim, name)
		if c == nil {
			t.Fatalf("possectl mail dkim %s is not registered", name)
		}
		if c.Flags().Lookup("json") == nil {
			t.Errorf("mail dkim %s has no --json", name)
		}
		if (name != "rotate") != (c.Flags().Lookup("force") != nil) {
			t.Errorf("mail dkim %s: --force is wrong", name)
		}
		if code, _, errOut := possectl(t, "mail", "dkim", name); code == 0 {
			t.Errorf("mail dkim %s without a domain exits 0 (%s)", name, errOut)
		}
	}
}

// TestPrintMailDKIM: each step says what it did and what comes next.
func TestPrintMailDKIM(t *testing.T) {
	var b bytes.Buffer
	printMailDKIM(&b, "rotate", mailDKIMResult{Domain: "a.example", Signing: "posse", Next: "posse20261207", Record: "posse20261207._domainkey.a.example TXT \"v=DKIM1; k=rsa; p=MII\""})
	printMailDKIM(&b, "activate", mailDKIMResult{Domain: "a.example", Signing: "posse20261207", Retiring: []string{"posse"}, RetireAfter: "2026-12-14T10:00:00Z"})
	printMailDKIM(&b, "retire", mailDKIMResult{Domain: "a.example", Signing: "posse20261207", Retired: []string{"posse"}})
	out := b.String()
	for _, want := range []string{
		"posse20261207._domainkey.a.example TXT",
		"then run: possectl mail dkim activate a.example",
		"Rspamd signs with selector posse20261207 now; posse stays published",
		"after 2026-12-14T10:00:00Z run: possectl mail dkim retire a.example",
		"removed the DKIM keys of posse",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
