// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

// groupMailSite is testSite with a reception group that has an address
// and an alias to the built-in everyone group.
func groupMailSite() *site.Site {
	s := testSite()
	s.Groups = []site.Group{{Name: "reception", Mail: "empfang@mueller-partner.example"}}
	s.Users[0].Groups = []string{"reception"}
	s.Users[1].Groups = []string{"reception"}
	s.Users = append(s.Users, site.User{Username: "scanner", Kind: site.KindService, Groups: []string{"reception"}})
	s.Mail.Aliases = append(s.Mail.Aliases, site.Alias{Address: "alle@mueller-partner.example", To: []string{"everyone"}})
	return s
}

// TestGroupMail: a group's address goes into the alias table with its
// members who have a mailbox, the plan shows it, a second apply changes
// nothing, and the export gives the address back to the group.
func TestGroupMail(t *testing.T) {
	b := newFakeBox(t)
	s := groupMailSite()
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("problems:\n%v", ps)
	}
	if err := b.apply(planFor(t, b, testSite())); err != nil {
		t.Fatal(err)
	}
	steps := planFor(t, b, s)
	if got := stepLines(steps); len(got) == 0 || got[0] != "update file "+AliasesPath || strings.Count(strings.Join(got, "\n"), "update file") != 1 {
		t.Errorf("plan for a group address = %v", got)
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	table, _ := os.ReadFile(b.env.Path(AliasesPath))
	for _, want := range []string{
		"alle@mueller-partner.example anna.mueller@mueller-partner.example, bschmidt@mueller-partner.example\n",
		"# group reception\nempfang@mueller-partner.example anna.mueller@mueller-partner.example, bschmidt@mueller-partner.example\n",
	} {
		if !strings.Contains(string(table), want) {
			t.Errorf("alias table lacks %q:\n%s", want, table)
		}
	}
	if again := planFor(t, b, s); len(again) != 0 {
		t.Errorf("second plan = %v", stepLines(again))
	}
	m, err := Export(b.env)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range m.Aliases {
		if a.Address == "empfang@mueller-partner.example" {
			t.Errorf("a group's address exported as a site alias: %+v", a)
		}
	}
	gm, err := ExportGroupMail(b.env)
	if err != nil || !reflect.DeepEqual(gm, map[string]string{"reception": "empfang@mueller-partner.example"}) {
		t.Errorf("ExportGroupMail = %v, %v", gm, err)
	}
	// A damaged group line is refused, not exported.
	os.WriteFile(b.env.Path(AliasesPath), []byte(header+"# group Bad Name\nx@mueller-partner.example a@mueller-partner.example\n"), 0o644)
	if _, err := ExportGroupMail(b.env); err == nil {
		t.Error("a damaged group line exported")
	}
}
