// SPDX-License-Identifier: GPL-3.0-or-later

package sheet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/posse-project/posse/rules"
)

func TestBuildText(t *testing.T) {
	pol := rules.PasswordPolicy{MinLength: 10, Complexity: true}
	in := Input{Name: "Şükrü Öztürk", Logon: `PRAXIS\soeztuerk`, Password: "Tokam-Rubel-47", MustChange: true, Server: "dc1",
		Policy: &pol, Folders: []Folder{{Path: `\\dc1\Akten`, Write: true}, {Path: `\\dc1\Vorlagen`}}, Home: `\\dc1\soeztuerk`,
		Email: "suekrue.oeztuerk@praxis.example", MailHost: "dc1.ad.praxis.example"}
	got := Build(in, English).Text()
	for _, want := range []string{
		"Your account, Şükrü Öztürk\n",
		"  Initial password:      Tokam-Rubel-47\n",
		"  1. Press Ctrl+Alt+Del and log on as PRAXIS\\soeztuerk with the password\n     above.\n",
		"characters with three of capitals",
		"  \\\\dc1\\Akten            read and write\n",
		"  \\\\dc1\\Vorlagen         read only\n",
		"  H:                     your own folder (\\\\dc1\\soeztuerk)\n",
		"  Incoming (IMAP):       dc1.ad.praxis.example, port 993, SSL/TLS\n",
		"  Set up mail after the first logon",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the sheet lacks %q:\n%s", want, got)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if len([]rune(l)) > Width {
			t.Errorf("line longer than %d: %q", Width, l)
		}
	}

	// A password that stays (a scanner): no steps, no mail section.
	got = Build(Input{Name: "Scanner", Logon: `PRAXIS\scanner`, Password: "x", AskAdmin: true}, English).Text()
	if strings.Contains(got, "1. ") || strings.Contains(got, "Mail") || !strings.Contains(got, "  Password:") ||
		!strings.Contains(got, "Ask the administrator") {
		t.Errorf("scanner sheet:\n%s", got)
	}
}

func TestPDFHasOnePagePerSheet(t *testing.T) {
	var sheets []Sheet
	for _, n := range []string{"Anna Müller", "Łucja Wąsowska", "İsmail Şahin"} {
		sheets = append(sheets, Build(Input{Name: n, Logon: `X\y`, Password: "Il1O0-Il1O0", MustChange: true}, English))
	}
	data, err := PDF(sheets, "Posse: test")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", data[:min(16, len(data))])
	}
	if n := bytes.Count(data, []byte("/Type /Page\n")) + bytes.Count(data, []byte("/Type /Page ")); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}
