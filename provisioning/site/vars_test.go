// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"strings"
	"testing"
)

// refsTemplate is a valid template with the references under test put in
// at %s (the site section) and %m (a mail section).
func refsTemplate(siteExtra, mail string) string {
	return `version: 1
site:
  name: "Praxis Dr. Weber"
  domain: praxis-weber.example
  workgroup: PRAXIS
` + siteExtra + `directory:
  admin_password: ${secret:domain_admin}
  password_policy: {min_length: 10}
groups:
  - name: team
    description: "Everybody at ${site.name} (${site.domain})"
users:
  - username: aweber
    given_name: Anna
    surname: Weber
    email: anna.weber@${site.domain}
    password: ${secret:aweber}
` + mail
}

func TestReferencesExpand(t *testing.T) {
	src := strings.Replace(refsTemplate("  realm: AD.${site.workgroup}.EXAMPLE\n",
		"mail:\n  domains: [\"${site.domain}\"]\n  aliases:\n    - address: info@${site.domain}\n      to: [aweber]\n"), "(${site.domain})", "(${site.domain}) in ${site.realm}", 1)
	s, err := Parse("praxis.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		s.Groups[0].Description:           "Everybody at Praxis Dr. Weber (praxis-weber.example) in AD.PRAXIS.EXAMPLE",
		s.Users[0].Email:                  "anna.weber@praxis-weber.example",
		s.Site.Realm:                      "AD.PRAXIS.EXAMPLE",
		string(s.Users[0].Password):       "${secret:aweber}",
		string(s.Directory.AdminPassword): "${secret:domain_admin}",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if s.Mail == nil || len(s.Mail.Domains) != 1 || s.Mail.Domains[0] != "praxis-weber.example" || s.Mail.Aliases[0].Address != "info@praxis-weber.example" {
		t.Errorf("mail = %+v, want the domain in its list and in the alias", s.Mail)
	}
}

func TestReferenceTakesTheTypeOfAWholeValue(t *testing.T) {
	src := strings.Replace(refsTemplate("", ""), "{min_length: 10}", "\n    min_length: 10\n    max_age_days: ${directory.password_policy.min_length}", 1)
	s, err := Parse("praxis.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Directory.PasswordPolicy.MaxAgeDays != 10 {
		t.Errorf("max_age_days = %d, want 10 taken from min_length", s.Directory.PasswordPolicy.MaxAgeDays)
	}
}

func TestLiteralDollarBrace(t *testing.T) {
	src := strings.Replace(refsTemplate("", ""), "Everybody at ${site.name} (${site.domain})", "Costs in $${EUR} at ${site.workgroup}", 1)
	s, err := Parse("praxis.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Groups[0].Description, "Costs in ${EUR} at PRAXIS"; got != want {
		t.Errorf("description = %q, want %q", got, want)
	}
}

func TestBadReferences(t *testing.T) {
	for _, c := range []struct {
		name, from, to, want string
	}{
		{"typo", "anna.weber@${site.domain}", "anna.weber@${site.domian}", `did you mean ${site.domain}?`},
		{"mapping", "anna.weber@${site.domain}", "anna.weber@${site}", `praxis.yaml:16:12: ${site} is a mapping, not a single value`},
		{"not a path", "anna.weber@${site.domain}", "anna.weber@${Site Domain}", `praxis.yaml:16:12: a ${…} here is neither a secret nor a reference`},
		{"unterminated", "anna.weber@${site.domain}", "anna.weber@${site.domain", `praxis.yaml:16:12: unterminated reference`},
		{"loop", "workgroup: PRAXIS", "workgroup: ${site.name}\n  realm: ${site.workgroup}", `references that refer to each other`},
		{"into a list", "anna.weber@${site.domain}", "anna.weber@${users.email}", `${users.email}: users is a list, not a mapping of keys`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := refsTemplate("", "")
			if c.name == "loop" {
				src = strings.Replace(src, `name: "Praxis Dr. Weber"`, `name: "${site.realm}"`, 1)
			}
			src = strings.Replace(src, c.from, c.to, 1)
			_, err := Parse("praxis.yaml", []byte(src))
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Parse = %v, want problems", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("problems:\n%v\nwant one containing %q", err, c.want)
			}
			if c.name != "loop" && len(probs) != 1 {
				t.Errorf("want exactly one problem (the value is not reported again by a rule), got:\n%v", err)
			}
		})
	}
}

func TestReferencesCannotBlowUp(t *testing.T) {
	long := strings.Repeat("x", 3000)
	src := strings.Replace(refsTemplate("", ""), "Everybody at ${site.name} (${site.domain})", long+"${groups}", 1)
	src = strings.Replace(src, `name: "Praxis Dr. Weber"`, `name: "`+long+`"`, 1)
	src = strings.Replace(src, "${groups}", "${site.name}", 1)
	_, err := Parse("praxis.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "grows beyond 4096 characters") {
		t.Fatalf("Parse = %v, want the expansion bounded", err)
	}
}
