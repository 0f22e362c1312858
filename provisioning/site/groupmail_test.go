// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"reflect"
	"strings"
	"testing"
)

// groupMailSite is validSite with a reception group that has an address,
// a scanner (service account) and a disabled user in it.
func groupMailSite() *Site {
	s := validSite()
	s.Groups = append(s.Groups, Group{Name: "reception", Mail: "empfang@mueller-partner.example"})
	s.Users[0].Groups = append(s.Users[0].Groups, "reception")
	s.Users = append(s.Users,
		User{Username: "scanner", Kind: KindService, Groups: []string{"reception"}, Password: "${secret:scanner}"},
		User{Username: "cold", Disabled: true, Groups: []string{"reception"}},
		User{Username: "dora", Email: "dora@mueller-partner.example", Groups: []string{"reception"}, Password: "${secret:dora}"},
	)
	return s
}

func TestGroupMailTargets(t *testing.T) {
	s := groupMailSite()
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("problems:\n%v", ps)
	}
	want := []string{"anna.mueller@mueller-partner.example", "dora@mueller-partner.example"}
	if got := s.GroupMailTargets("reception"); !reflect.DeepEqual(got, want) {
		t.Errorf("GroupMailTargets(reception) = %v, want %v (service accounts and disabled users skipped)", got, want)
	}
	every := []string{"anna.mueller@mueller-partner.example", "bschmidt@mueller-partner.example", "dora@mueller-partner.example"}
	if got := s.GroupMailTargets("everyone"); !reflect.DeepEqual(got, every) {
		t.Errorf("GroupMailTargets(everyone) = %v, want %v", got, every)
	}
	if got := s.GroupMailTargets("nobody"); got != nil {
		t.Errorf("GroupMailTargets of an unknown group = %v", got)
	}
	// Aliases may name a group, everyone, or a group's address.
	s.Mail.Aliases = append(s.Mail.Aliases,
		Alias{Address: "praxis@mueller-partner.example", To: []string{"reception", "bschmidt"}},
		Alias{Address: "alle@mueller-partner.example", To: []string{"everyone"}},
		Alias{Address: "front@mueller-partner.example", To: []string{"empfang@mueller-partner.example"}},
	)
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("problems:\n%v", ps)
	}
	if got := s.AliasTargets("praxis@mueller-partner.example"); !reflect.DeepEqual(got, append(want, "bschmidt@mueller-partner.example")) {
		t.Errorf("alias to a group = %v", got)
	}
	if got := s.AliasTargets("alle@mueller-partner.example"); !reflect.DeepEqual(got, every) {
		t.Errorf("alias to everyone = %v", got)
	}
	if got := s.AliasTargets("front@mueller-partner.example"); !reflect.DeepEqual(got, want) {
		t.Errorf("alias to a group's address = %v", got)
	}
	if h, ok := s.Addresses().Holder("EMPFANG@mueller-partner.example"); !ok || h != "group reception" {
		t.Errorf("holder of the group address = %q, %v", h, ok)
	}
}

func TestGroupMailRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(s *Site)
		path string
		msg  string
	}{
		{"upper case", func(s *Site) { s.Groups[2].Mail = "Empfang@mueller-partner.example" }, "groups[2].mail", "not a valid mail address"},
		{"umlaut", func(s *Site) { s.Groups[2].Mail = "büro@mueller-partner.example" }, "groups[2].mail", "not a valid mail address"},
		{"outside the mail domains", func(s *Site) { s.Groups[2].Mail = "empfang@other.example" }, "groups[2].mail", "not in a mail domain"},
		{"service address", func(s *Site) { s.Groups[2].Mail = "postmaster@mueller-partner.example" }, "groups[2].mail", "service address"},
		{"without mail", func(s *Site) { s.Mail = nil; s.Users[0].Aliases = nil }, "groups[2].mail", "need a mail section"},
		{"taken by a user", func(s *Site) { s.Groups[2].Mail = "dora@mueller-partner.example" }, "groups[2].mail", "duplicate address"},
		{"taken by an alias", func(s *Site) { s.Groups[2].Mail = "info@mueller-partner.example" }, "groups[2].mail", "duplicate address"},
		{"taken by another group", func(s *Site) { s.Groups[1].Mail = "empfang@mueller-partner.example" }, "groups[2].mail", "duplicate address"},
		{"nobody to deliver to", func(s *Site) { s.Users[0].Groups = s.Users[0].Groups[:2]; s.Users = s.Users[:4] }, "groups[2].mail", `group "reception" has an address but no member who receives mail`},
		{"alias to a group without receivers", func(s *Site) {
			s.Groups[2].Mail = ""
			s.Users[0].Groups, s.Users = s.Users[0].Groups[:2], s.Users[:4]
			s.Mail.Aliases[0].To = []string{"reception"}
		}, "mail.aliases[0].to", "delivers to nobody"},
		{"alias to a mistyped group", func(s *Site) { s.Mail.Aliases[0].To = []string{"recepton"} }, "mail.aliases[0].to[0]", "neither a user nor a group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := groupMailSite()
			tc.mut(s)
			ps := s.Validate()
			for _, p := range ps {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got:\n%v", tc.path, tc.msg, ps)
		})
	}
	s := groupMailSite()
	s.Mail.Aliases[0].To = []string{"recepton"}
	for _, p := range s.Validate() {
		if p.Path == "mail.aliases[0].to[0]" && p.Hint != `did you mean "reception"?` {
			t.Errorf("hint = %q", p.Hint)
		}
	}
}
