// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/posse-project/posse/rules"
)

// secretsSite references domain_admin, a secret of each of three users
// (two of them share one) and the backup password. Line numbers: the
// references are on lines 8, 13, 16, 19 and 23.
const secretsSite = `version: 1
site:
  name: Beispiel
  domain: beispiel.example
  workgroup: BEISPIEL
directory:
  password_policy: {min_length: 12}
  admin_password: ${secret:domain_admin}
groups:
  - name: office
users:
  - username: anna
    password: ${secret:anna}
    groups: [office]
  - username: bernd
    password: ${secret:shared}
    groups: [office]
  - username: claudia
    password: ${secret:shared}
backup:
  repository: /srv/posse/backup
  password: ${secret:backup}
  schedule: daily
  keep: {daily: 7}
  include: [directory]
`

func parseSecretsSite(t *testing.T) *Site {
	t.Helper()
	s, err := Parse("site.yaml", []byte(secretsSite))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecretUses(t *testing.T) {
	s := parseSecretsSite(t)
	uses := s.SecretUses()
	type use struct {
		name  string
		paths []string
	}
	var got []use
	for _, u := range uses {
		got = append(got, use{u.Name, u.Paths})
	}
	want := []use{
		{"domain_admin", []string{"directory.admin_password"}},
		{"anna", []string{"users[0].password"}},
		{"shared", []string{"users[1].password", "users[2].password"}},
		{"backup", []string{"backup.password"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("uses %+v\nwant %+v", got, want)
	}
	for _, c := range []struct {
		use   int
		value string
		ok    bool
	}{
		{0, "Admin-Passw0rd!", true},
		{0, "Short-Pw1!", false},                  // the site's min_length is 12
		{0, "Xadministrator-1", false},            // the administrator's name
		{1, "Anna-2026-Start!", false},            // anna's name
		{1, "Bernd-2026-Start!", true},            // another's name is fine for anna
		{2, "Bernd-2026-Start!", false},           // shared by bernd and claudia
		{2, "Claudia-2026-Start!", false},         //
		{2, "Zeltlager-2026-Start!", true},        //
		{3, "twelve chars", true},                 // the backup needs length only
		{3, "eleven char", false},                 //
		{3, "administrator-backup-key", true},     // and no name rule
		{1, "anna\n2026-Start-Passwort!!", false}, // control characters never
	} {
		if err := uses[c.use].Check(c.value); (err == nil) != c.ok {
			t.Errorf("%s.Check(%q) = %v, want ok %v", uses[c.use].Name, c.value, err, c.ok)
		}
	}
}

func TestGenerateMissingSecrets(t *testing.T) {
	s := parseSecretsSite(t)
	for range 20 { // random values: a few rounds
		gen, err := GenerateMissingSecrets(s, func(name string) bool { return name == "anna" })
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		st := NewStore()
		st.Set("anna", "Hat-ein-gutes-Pw-1")
		for _, g := range gen {
			names = append(names, g.Name)
			st.Set(g.Name, g.Value)
			if strings.Contains(fmt.Sprint(g), g.Value) || strings.Contains(fmt.Sprintf("%#v %+v", g, g), g.Value) {
				t.Fatalf("a generated secret prints its value: %v", g)
			}
		}
		if !reflect.DeepEqual(names, []string{"domain_admin", "shared", "backup"}) {
			t.Fatalf("generated %q", names)
		}
		if ps := CheckSecrets(s, st); len(ps) > 0 {
			t.Fatalf("generated values fail CheckSecrets:\n%v", ps)
		}
		if b, _ := st.Lookup("backup"); len(b) != BackupGeneratedLength {
			t.Errorf("backup password of %d characters, want %d", len(b), BackupGeneratedLength)
		}
		if a, _ := st.Lookup("domain_admin"); len(a) < rules.GeneratedPasswordLength {
			t.Errorf("admin password of %d characters", len(a))
		}
	}
	gen, err := GenerateMissingSecrets(s, func(string) bool { return true })
	if err != nil || len(gen) != 0 {
		t.Errorf("with every secret present: %v, %v", gen, err)
	}
}

func TestFormatSecretsReadsBack(t *testing.T) {
	gen := []GeneratedSecret{
		{"a", "Ab3!#%+-=?@_"},
		{"b", `quote " backslash \ hash # colon: x`},
		{"c", "Grüße-ẞ-ı-€"},
		{"d", "-starts with a dash"},
		{"e", "@at"},
	}
	st, ps := ParseSecrets("s.yaml", FormatSecrets(gen))
	if len(ps) > 0 {
		t.Fatalf("FormatSecrets output does not parse:\n%s\n%v", FormatSecrets(gen), ps)
	}
	for _, g := range gen {
		if v, _ := st.Lookup(g.Name); v != g.Value {
			t.Errorf("%s reads back as %q, want %q", g.Name, v, g.Value)
		}
	}
}

func TestCheckSecretsFile(t *testing.T) {
	s := parseSecretsSite(t)
	file := `# secrets
domain_admin: "Admin-Passw0rd!"
ana: "Hat-ein-gutes-Pw-1"
shared: "Kz-9"
backup: "a long repository key"
old_user: "Old-User-Passw0rd"
`
	st, ps := ParseSecrets("s.yaml", []byte(file))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	problems, unused := CheckSecretsFile(s, st, "s.yaml", []byte(file))
	got := func(ps Problems) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Error())
		}
		return out
	}
	wantProblems := []string{
		"site.yaml:13:15: secret \"anna\" is not set\n  hint: did you mean \"ana\" (s.yaml:3:1)? rename the secret in the template or in the secrets file so that they match",
		"site.yaml:16:15: secret \"shared\" (initial password of bernd): password is too short: the policy needs at least 12 characters, it has 4\n  hint: change the value in the secrets file",
		"site.yaml:19:15: secret \"shared\" (initial password of claudia): password is too short: the policy needs at least 12 characters, it has 4\n  hint: change the value in the secrets file",
	}
	if g := got(problems); !reflect.DeepEqual(g, wantProblems) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(wantProblems, "\n"))
	}
	wantUnused := []string{
		"s.yaml:3:1: secret \"ana\" is not used by the template\n  hint: the template references \"anna\", which the secrets file lacks: is one of them misspelt?",
		"s.yaml:6:1: secret \"old_user\" is not used by the template\n  hint: remove it from the secrets file, or reference it as ${secret:old_user}",
	}
	if g := got(unused); !reflect.DeepEqual(g, wantUnused) {
		t.Errorf("unused\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(wantUnused, "\n"))
	}
	for _, p := range problems {
		if IsSecretMissing(p) != strings.Contains(p.Message, `"anna" is not set`) {
			t.Errorf("IsSecretMissing(%q) = %v", p.Message, IsSecretMissing(p))
		}
		for _, v := range []string{"Kz-9", "Hat-ein-gutes-Pw-1"} {
			if strings.Contains(p.Error(), v) {
				t.Errorf("a problem shows a value: %v", p)
			}
		}
	}
}

// A secret in the environment is set; a name in the file the template
// does not reference is unused even when the environment has it too.
func TestCheckSecretsFileEnvironment(t *testing.T) {
	t.Setenv("POSSE_SECRET_ANNA", "Aus-der-Umgebung-1")
	s := parseSecretsSite(t)
	file := "domain_admin: \"Admin-Passw0rd!\"\nshared: \"Gemeinsames-Passw0rt\"\nbackup: \"a long repository key\"\n"
	st, _ := ParseSecrets("s.yaml", []byte(file))
	env := EnvSecrets()
	for _, n := range []string{"domain_admin", "shared", "backup"} {
		v, _ := st.Lookup(n)
		env.Set(n, v)
	}
	if problems, unused := CheckSecretsFile(s, env, "s.yaml", []byte(file)); len(problems)+len(unused) > 0 {
		t.Errorf("problems %v, unused %v", problems, unused)
	}
}

func TestClosestSecret(t *testing.T) {
	names := []SecretName{{Name: "amueller"}, {Name: "bweber"}, {Name: "db"}, {Name: "amueler"}}
	referenced := map[string]bool{"amueller": true}
	for _, c := range []struct{ missing, want string }{
		{"amuller", "amueler"},    // distance 1 to both: the unreferenced one
		{"amueller2", "amueller"}, // only one close
		{"bwber", "bweber"},
		{"cweber", "bweber"},
		{"xy", ""}, // two edits from "db", but it has only two characters
		{"xyz", ""},
		{"domain_admin", ""},
	} {
		n, ok := closestSecret(c.missing, names, referenced)
		if (ok && n.Name != c.want) || (!ok && c.want != "") {
			t.Errorf("closestSecret(%q) = %q, %v; want %q", c.missing, n.Name, ok, c.want)
		}
	}
}

func TestIsSecretMissing(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want bool
	}{
		{msgSecretMissing("anna"), true},
		{`secret "anna" (initial password of anna): password is too short: the policy needs at least 10 characters, it has 4`, false},
		{`secret "a is not set`, false},
		{"unknown key \"x\"", false},
	} {
		if got := IsSecretMissing(Problem{Message: c.msg}); got != c.want {
			t.Errorf("IsSecretMissing(%q) = %v", c.msg, got)
		}
	}
}

func TestSecretsFileNames(t *testing.T) {
	got := SecretsFileNames([]byte("# c\na: \"1\"\n\nb_2: x\n"))
	want := []SecretName{{"a", Pos{Line: 2, Col: 1}}, {"b_2", Pos{Line: 4, Col: 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("names %+v, want %+v", got, want)
	}
	if got := SecretsFileNames([]byte("[a, b]")); got != nil {
		t.Errorf("names of a list: %+v", got)
	}
}
