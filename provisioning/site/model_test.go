// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"reflect"
	"testing"
)

func TestModelHelpers(t *testing.T) {
	s := validSite()
	if got := s.RealmName(); got != "AD.MUELLER-PARTNER.EXAMPLE" {
		t.Errorf("RealmName = %q", got)
	}
	if got := s.DNSDomain(); got != "ad.mueller-partner.example" {
		t.Errorf("DNSDomain = %q", got)
	}
	if got := s.BaseDN(); got != "DC=ad,DC=mueller-partner,DC=example" {
		t.Errorf("BaseDN = %q", got)
	}
	s.Site.Realm = "CORP.EXAMPLE.ORG"
	if s.RealmName() != "CORP.EXAMPLE.ORG" || s.BaseDN() != "DC=corp,DC=example,DC=org" {
		t.Errorf("explicit realm: %q %q", s.RealmName(), s.BaseDN())
	}
	if got := s.UserEmail(s.Users[0]); got != "anna.mueller@mueller-partner.example" {
		t.Errorf("explicit email = %q", got)
	}
	if got := s.UserEmail(s.Users[1]); got != "bschmidt@mueller-partner.example" {
		t.Errorf("default email = %q", got)
	}
	if !s.Users[0].MustChange() || (User{MustChangePassword: ptr(false)}).MustChange() || !(User{MustChangePassword: ptr(true)}).MustChange() {
		t.Error("MustChange defaults to true and honours an explicit value")
	}
	if got := s.SharePath(s.Shares[0]); got != "/srv/posse/shares/akten" {
		t.Errorf("explicit SharePath = %q", got)
	}
	if got := s.SharePath(s.Shares[1]); got != "/srv/posse/shares/austausch" {
		t.Errorf("default SharePath = %q", got)
	}
	if (Share{}).RecycleRetention() != 30 || (Share{RecycleDays: 90}).RecycleRetention() != 90 {
		t.Error("RecycleRetention")
	}
	if u, ok := s.FindUser("bschmidt"); !ok || u != &s.Users[1] {
		t.Error("FindUser must return a pointer into Users")
	}
	if _, ok := s.FindUser("nobody"); ok {
		t.Error("FindUser(nobody)")
	}
	if g, ok := s.FindGroup("staff"); !ok || g.Name != "staff" {
		t.Error("FindGroup")
	}
	if got := s.GroupMembers("staff"); !reflect.DeepEqual(got, []string{"amueller", "bschmidt"}) {
		t.Errorf("GroupMembers(staff) = %v", got)
	}
	if got := s.GroupMembers("partners"); !reflect.DeepEqual(got, []string{"amueller"}) {
		t.Errorf("GroupMembers(partners) = %v", got)
	}
	if got := s.GroupMembers("none"); got != nil {
		t.Errorf("GroupMembers(none) = %v", got)
	}
}

func TestPolicyDefaults(t *testing.T) {
	tests := []struct {
		in, want PasswordPolicy
	}{
		{PasswordPolicy{}, PasswordPolicy{MinLength: 10, Complexity: true}},
		{PasswordPolicy{Complexity: true}, PasswordPolicy{MinLength: 10, Complexity: true}},
		{PasswordPolicy{MaxAgeDays: 90}, PasswordPolicy{MinLength: 10, MaxAgeDays: 90}},
		{PasswordPolicy{MinLength: 14}, PasswordPolicy{MinLength: 14}},
	}
	for _, tt := range tests {
		s := &Site{Directory: Directory{PasswordPolicy: tt.in}}
		if got := s.Policy(); got != tt.want {
			t.Errorf("Policy(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestAliasTargets(t *testing.T) {
	s := validSite()
	s.Mail.Aliases = []Alias{
		{Address: "info@mueller-partner.example", To: []string{"amueller", "team@mueller-partner.example"}},
		{Address: "team@mueller-partner.example", To: []string{"bschmidt", "anna@mueller-partner.example", "Info@mueller-partner.example", "steuer@partner.example"}},
	}
	want := []string{"anna.mueller@mueller-partner.example", "bschmidt@mueller-partner.example", "steuer@partner.example"}
	if got := s.AliasTargets("info@mueller-partner.example"); !reflect.DeepEqual(got, want) {
		t.Errorf("AliasTargets(info) = %v, want %v (loops cut, user aliases resolved, duplicates dropped)", got, want)
	}
	if got := s.AliasTargets("nobody@mueller-partner.example"); got != nil {
		t.Errorf("AliasTargets of a non-alias = %v", got)
	}
	s.Mail = nil
	if got := s.AliasTargets("info@mueller-partner.example"); got != nil {
		t.Errorf("AliasTargets without mail = %v", got)
	}
}

func TestSecretRefs(t *testing.T) {
	got := validSite().SecretRefs()
	want := []NamedRef{
		{"directory.admin_password", "${secret:domain_admin}"},
		{"users[0].password", "${secret:amueller}"},
		{"users[1].password", "${secret:bschmidt}"},
		{"backup.password", "${secret:backup}"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SecretRefs = %v", got)
	}
}
