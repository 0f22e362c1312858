// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const adminsSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
homes: {enabled: true}
users:
  - {username: anna, password: "${secret:anna}"}
  - {username: scanner, kind: service, password: "${secret:scanner}"}
admins: [anna]
mail: {domains: [test.example]}
`

// TestServiceAccountDefaults: a service account has no address and no
// must-change; admins are looked up by username.
func TestServiceAccountDefaults(t *testing.T) {
	s, err := Parse("site.yaml", []byte(adminsSite))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Validate(); len(p) > 0 {
		t.Fatal(p)
	}
	sc, _ := s.FindUser("scanner")
	if s.UserEmail(*sc) != "" || sc.MustChange() || !sc.IsService() || sc.KindName() != KindService {
		t.Errorf("scanner: email %q must-change %v", s.UserEmail(*sc), sc.MustChange())
	}
	anna, _ := s.FindUser("anna")
	if s.UserEmail(*anna) != "anna@test.example" || !anna.MustChange() || anna.KindName() != KindPerson {
		t.Errorf("anna: %+v", anna)
	}
	if !s.IsAdmin("anna") || s.IsAdmin("scanner") || s.IsAdmin("Anna") {
		t.Error("IsAdmin")
	}
	if _, held := s.Addresses().Holder("scanner@test.example"); held {
		t.Error("the service account holds an address")
	}
}

// TestAdminsProblems: each refusal names the line and column of the entry.
func TestAdminsProblems(t *testing.T) {
	for _, tc := range []struct{ admins, want string }{
		{"[ana]", `site.yaml:8:10: admin "ana" is not a user of the template`},
		{"[anna, anna]", `site.yaml:8:16: duplicate admin "anna"`},
		{"[scanner]", `site.yaml:8:10: admin "scanner" is a service account`},
		{"[]", ""},
	} {
		src := strings.Replace(adminsSite, "admins: [anna]", "admins: "+tc.admins, 1)
		_, err := Parse("site.yaml", []byte(src))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("admins %s: %v", tc.admins, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("admins %s: %v", tc.admins, err)
		}
	}
}
