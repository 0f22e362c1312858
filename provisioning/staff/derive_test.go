// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"reflect"
	"strings"
	"testing"
)

const domain = "praxis.example"

// build parses csv and builds it; problems fail the test.
func build(t *testing.T, csv string) *Staff {
	t.Helper()
	l, probs := Parse("staff.csv", []byte(csv))
	if len(probs) > 0 {
		t.Fatalf("parse problems:\n%v", probs)
	}
	st, probs := Build("staff.csv", l.People, domain, "")
	if len(probs) > 0 {
		t.Fatalf("build problems:\n%v", probs)
	}
	return st
}

// names lists each user as "username <email>".
func names(st *Staff) []string {
	var out []string
	for _, u := range st.Users {
		out = append(out, u.Username+" <"+strings.TrimSuffix(u.Email, "@"+domain)+">")
	}
	return out
}

func TestCollisions(t *testing.T) {
	for _, c := range []struct {
		name, csv string
		want      []string
	}{
		{"the same name numbered", "Vorname;Nachname\nAnna;Müller\nAnna;Müller\nAnna;Mueller\nANNA;MÜLLER\n",
			[]string{"anna.mueller <anna.mueller>", "anna.mueller2 <anna.mueller2>", "anna.mueller3 <anna.mueller3>", "anna.mueller4 <anna.mueller4>"}},
		{"a username further down is kept free", "Vorname;Nachname;Benutzername\nAnna;Müller;\nAnna;Müller;\nAnna;Schmidt;anna.mueller2\n",
			[]string{"anna.mueller <anna.mueller>", "anna.mueller3 <anna.mueller3>", "anna.mueller2 <anna.schmidt>"}},
		{"an address further down is kept free", "Vorname;Nachname;E-Mail\nAnna;Müller;\nAnna;Müller;anna.mueller@praxis.example\n",
			[]string{"anna.mueller2 <anna.mueller2>", "anna.mueller <anna.mueller>"}},
		{"one number frees both", "Vorname;Nachname;Benutzername;E-Mail\nAnna;Schmidt;anna.mueller;\nBerta;Braun;;anna.mueller2@praxis.example\nAnna;Müller;;\n",
			[]string{"anna.mueller <anna.schmidt>", "berta.braun <anna.mueller2>", "anna.mueller3 <anna.mueller3>"}},
		{"long names are cut, then numbered", "Vorname;Nachname\nMałgorzata;Grzegorzewska-Brzęczyszczykiewicz\nMałgorzata;Grzegorzewska-Brzęczyszczykiewicz\n",
			[]string{"malgorzata.grzegorze <malgorzata.grzegorzewska-brzeczyszczykiewicz>", "malgorzata.grzegorz2 <malgorzata.grzegorzewska-brzeczyszczykiewicz2>"}},
		{"a cut name ends in a letter", "Vorname;Nachname\nKarl-Heinz-Otto;Meier-Schulz\n",
			[]string{"karl-heinz-otto.meie <karl-heinz-otto.meier-schulz>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := build(t, c.csv)
			if got := names(st); !reflect.DeepEqual(got, c.want) {
				t.Errorf("users\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestBuildProblems(t *testing.T) {
	csv := "Vorname;Nachname;Abteilung;Benutzername;E-Mail\n" +
		"Anna;Müller;;Anna Müller;\n" + // 2: not a username
		"Bernd;Weber;;bweber;\n" + // 3
		"Berta;Weber;;BWeber;\n" + // 4: the same username
		"Claudia;Schmidt;;;claudia@other.example\n" + // 5: another domain
		"Dieter;Koch;;;postmaster@praxis.example\n" + // 6: a service address
		"Elif;Şahin;;;e.sahin@praxis.example\n" + // 7
		"Emre;Şahin;;;E.Sahin@praxis.example\n" + // 8: the same address
		"Дмитрий;Иванов;;;\n" + // 9: no ASCII letters
		"Frank;Meyer;Domain Admins;;\n" + // 10: a reserved group
		"Gabi;Roth;;empfang;\n" + // 11: a username that is a group
		"Hans;Lang;Empfang;;\n" + // 12
		"Ida;Roth;;posse-ida;\n" + // 13: Posse's own accounts
		"Jan;Dvořák;Labor;;\n" // 14: fine
	l, probs := Parse("staff.csv", []byte(csv))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	st, probs := Build("staff.csv", l.People, domain, "")
	want := []string{
		`staff.csv:2: username "anna müller" is not valid`,
		`staff.csv:4: username "bweber" is also given at staff.csv:3`,
		`staff.csv:5: email "claudia@other.example" is not in the domain praxis.example`,
		`staff.csv:6: email "postmaster@praxis.example" is a service address`,
		`staff.csv:8: email "e.sahin@praxis.example" is also given at staff.csv:7`,
		`staff.csv:9: neither the first name "Дмитрий" nor the last name "Иванов" has letters that can be written in ASCII`,
		`staff.csv:10: department "Domain Admins" cannot be a group: group name "domain-admins" looks like the built-in group "domain admins"`,
		`staff.csv:11: username "empfang" is also a group (a department at staff.csv:12)`,
		`staff.csv:13: username "posse-ida" starts with posse-`,
	}
	got := problemLines(probs)
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
	if got := names(st); !reflect.DeepEqual(got, []string{"bweber <bernd.weber>", "elif.sahin <e.sahin>", "hans.lang <hans.lang>", "jan.dvorak <jan.dvorak>"}) {
		t.Errorf("users without problems: %q", got)
	}
	for _, p := range probs {
		if p.Hint == "" && !strings.Contains(p.Message, "is not valid") && !strings.Contains(p.Message, "service address") {
			t.Errorf("problem without a hint: %v", p)
		}
	}
}

func TestGroupsAndShares(t *testing.T) {
	st := build(t, "First name,Last name,Department\n"+
		"Anna,Müller,Empfang\n"+
		"Bernd,Weber,\"Empfang;Buchhaltung & Lohn\"\n"+
		"Claudia,Schmidt,staff\n"+ // the everyone group's name: one group
		"Dieter,Koch,EMPFANG\n"+ // the same group
		"Elif,Yilmaz,IT / EDV\n"+
		"Frank,Homes,Homes\n"+ // a share name Samba keeps for itself
		"Gül,Shared,Shared\n") // the everyone share's name
	type g struct {
		name, desc string
		members    int
	}
	var groups []g
	for _, x := range st.Groups {
		groups = append(groups, g{x.Name, x.Description, x.Members})
	}
	wantGroups := []g{
		{"staff", "Everybody on the staff list", 7},
		{"empfang", "Empfang", 3},
		{"buchhaltung-lohn", "Buchhaltung & Lohn", 1},
		{"it-edv", "IT / EDV", 1},
		{"homes", "Homes", 1},
		{"shared", "Shared", 1},
	}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("groups\n%+v\nwant\n%+v", groups, wantGroups)
	}
	for _, u := range st.Users {
		if u.Groups[0] != "staff" {
			t.Errorf("%s is not in staff first: %v", u.Username, u.Groups)
		}
	}
	if u := st.Users[1]; !reflect.DeepEqual(u.Groups, []string{"staff", "empfang", "buchhaltung-lohn"}) {
		t.Errorf("bernd's groups: %v", u.Groups)
	}
	if u := st.Users[2]; !reflect.DeepEqual(u.Groups, []string{"staff"}) {
		t.Errorf("claudia's groups: %v", u.Groups)
	}
	var shares []string
	for _, sh := range st.Shares {
		shares = append(shares, sh.Name+" "+sh.Path+" "+sh.Group)
	}
	wantShares := []string{
		"Shared /srv/posse/shares/staff staff",
		"Empfang /srv/posse/shares/empfang empfang",
		"Buchhaltung & Lohn /srv/posse/shares/buchhaltung-lohn buchhaltung-lohn",
		"it-edv /srv/posse/shares/it-edv it-edv",
		"homes-files /srv/posse/shares/homes homes",
		"Shared 2 /srv/posse/shares/shared shared",
	}
	if !reflect.DeepEqual(shares, wantShares) {
		t.Errorf("shares\n%q\nwant\n%q", shares, wantShares)
	}
}

func TestEveryoneGroupName(t *testing.T) {
	l, _ := Parse("staff.csv", []byte("Vorname;Nachname;Abteilung\nAnna;Müller;Alle\n"))
	st, probs := Build("staff.csv", l.People, domain, "alle")
	if len(probs) > 0 || len(st.Groups) != 1 || st.Groups[0].Name != "alle" || !reflect.DeepEqual(st.Users[0].Groups, []string{"alle"}) {
		t.Errorf("groups %+v, users %+v, problems %v", st.Groups, st.Users, probs)
	}
}

func TestSecretNames(t *testing.T) {
	st := build(t, "Vorname;Nachname;Benutzername\nAnna;Müller;domain_admin\nJean-Luc;Bézier;\nX;Y;jean_luc.bezier\nB;C;backup_\n")
	var got []string
	for _, u := range st.Users {
		got = append(got, u.Secret)
	}
	if want := []string{"domain_admin_2", "jean_luc_bezier", "jean_luc_bezier_2", "backup_"}; !reflect.DeepEqual(got, want) {
		t.Errorf("secret names %q, want %q", got, want)
	}
}
