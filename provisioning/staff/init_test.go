// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

var update = flag.Bool("update", false, "write the golden files in testdata/ again")

// TestInitFromFiftyRows makes a template of a 50-row staff list as Excel
// in Germany saves it (UTF-8 with BOM, ';', CRLF, German headers, a phone
// column), loads it with the site package as possectl does, and checks
// the secrets file against it. The template is compared with a golden
// file (go test -update writes it again).
func TestInitFromFiftyRows(t *testing.T) {
	data, err := os.ReadFile("testdata/staff50.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Init("staff50.csv", data, Options{Domain: "praxis-sonnenschein.example", Name: "Praxis Sonnenschein", Timezone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "site.yaml")
	secrets := filepath.Join(dir, "site.secrets.yaml")
	if err := os.WriteFile(tmpl, r.Template, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secrets, r.Secrets, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := site.Load(tmpl)
	if err != nil {
		t.Fatalf("the template does not load:\n%v", err)
	}
	store, err := site.LoadSecrets(secrets)
	if err != nil {
		t.Fatal(err)
	}
	if ps := site.CheckSecrets(s, store); len(ps) > 0 {
		t.Errorf("the secrets fail CheckSecrets:\n%v", ps)
	}
	if ps, unused := site.CheckSecretsFile(s, store, secrets, r.Secrets); len(ps)+len(unused) > 0 {
		t.Errorf("CheckSecretsFile: %v %v", ps, unused)
	}
	if store.Len() != 52 || len(r.SecretNames) != 52 {
		t.Errorf("%d secrets (%d names), want 50 users, the admin and the backup", store.Len(), len(r.SecretNames))
	}

	if len(s.Users) != 50 || s.Site.Workgroup != "PRAXIS" || s.Site.Timezone != "Europe/Berlin" {
		t.Errorf("%d users, workgroup %s, zone %s", len(s.Users), s.Site.Workgroup, s.Site.Timezone)
	}
	if r.List.Separator != ';' || r.List.Encoding != "UTF-8 with BOM" || strings.Join(r.List.Ignored, ",") != "Telefon" {
		t.Errorf("read as %q, %s, ignoring %q", r.List.Separator, r.List.Encoding, r.List.Ignored)
	}
	for _, u := range s.Users {
		if len(u.Groups) == 0 || u.Groups[0] != "staff" {
			t.Errorf("%s is not in staff: %v", u.Username, u.Groups)
		}
		if !u.MustChange() {
			t.Errorf("%s need not change the initial password", u.Username)
		}
	}
	if got := len(s.GroupMembers("staff")); got != 50 {
		t.Errorf("staff has %d members", got)
	}
	for _, want := range []string{
		"username: juergen.gross", "email: guel.oeztuerk@", "username: ismail.sahin", "username: cagla.dogan",
		"username: pawel.zolkiewski", "username: francoise.lefevre", "email: zoe.duboeuf@",
		"username: anna.mueller2", "username: anna.mueller3", "username: sean.obrien",
		"email: karl-heinz.mueller-luedenscheidt@", "groups: [staff, labor, empfang]",
		"email: scanner@praxis-sonnenschein.example", "- name: buchhaltung-lohn",
	} {
		if !strings.Contains(string(r.Template), want) {
			t.Errorf("the template lacks %q", want)
		}
	}
	// No password in the template; every one in the secrets file.
	for _, name := range r.SecretNames {
		v, _ := store.Lookup(name)
		if strings.Contains(string(r.Template), v) {
			t.Errorf("the template contains the value of %s", name)
		}
	}

	golden := "testdata/staff50.golden.yaml"
	if *update {
		if err := os.WriteFile(golden, r.Template, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(r.Template) {
		t.Errorf("the template differs from %s (go test -update writes it again):\n%s", golden, r.Template)
	}
}

// Init reports every problem of the list at once, as site.Problems.
func TestInitProblems(t *testing.T) {
	csv := "Vorname;Nachname;Benutzername\nAnna;Müller;\n;Schmidt;\nBernd;Weber;root\n"
	_, err := Init("team.csv", []byte(csv), Options{Domain: "praxis.example"})
	var ps site.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v (%T), want site.Problems", err, err)
	}
	got := err.Error()
	for _, want := range []string{"team.csv:3: first name is missing", `team.csv:4: username "root" is reserved`} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Domain: "Praxis.example"}, "not a valid DNS name"},
		{Options{Domain: "praxis"}, "not a valid DNS name"},
		{Options{Domain: "praxis.example", Timezone: "Europe/Bielefeld"}, "unknown time zone"},
		{Options{Domain: "praxis.example", Timezone: "../etc/passwd"}, "unknown time zone"},
		{Options{Domain: "praxis.example", Everyone: "Domain Admins"}, "the everyone group"},
		{Options{Domain: "praxis.example", Name: "Praxis\nEvil"}, "control characters"},
	} {
		if _, err := Init("team.csv", []byte("Vorname;Nachname\nAnna;Müller\n"), c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
}

// TestDocsExample runs the example of docs/staff-list.md: its CSV gives
// the users its template excerpt shows.
func TestDocsExample(t *testing.T) {
	raw, err := os.ReadFile("../../docs/staff-list.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	csv := regexp.MustCompile("(?s)```csv\n(.*?)```").FindStringSubmatch(doc)
	excerpt := regexp.MustCompile("(?s)```yaml\n(# Site template.*?)```").FindStringSubmatch(doc)
	if csv == nil || excerpt == nil {
		t.Fatal("docs/staff-list.md has no ```csv example or no ```yaml excerpt starting with # Site template")
	}
	r, err := Init("mitarbeiter.csv", []byte(csv[1]), Options{Domain: "praxis-sonnenschein.example", Name: "Praxis Sonnenschein"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(excerpt[1], "\n") {
		if strings.TrimSpace(l) == "" || strings.TrimSpace(l) == "..." || strings.HasPrefix(strings.TrimSpace(l), "# …") {
			continue
		}
		if !strings.Contains(string(r.Template), l+"\n") {
			t.Errorf("the docs show a line init does not write: %q", l)
		}
	}
}

// FuzzInit: no staff list makes Init panic or write a template that the
// site package refuses.
func FuzzInit(f *testing.F) {
	for _, file := range []string{"testdata/staff50.csv"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Vorname;Nachname;Abteilung;E-Mail;Benutzername\nAnna;Müller;Empfang;;\nAnna;Müller;\"Labor;Empfang\";anna.mueller@x.example;am\n"))
	f.Add([]byte("sep=,\nfirst,last,department\nJean-Luc,O'Brien,IT / EDV\n"))
	f.Add(utf16LE("First\tLast\nZoë\tDubœuf\n"))
	f.Add([]byte("\xef\xbb\xbfName;Vorname\n\"M\"\"x\";A\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		r, err := Init("f.csv", data, Options{Domain: "x.example"})
		if err != nil {
			var ps site.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("not a list of problems: %v", err)
			}
			for _, p := range ps {
				if p.File != "f.csv" || p.Line < 1 {
					t.Fatalf("a problem without file:line: %+v", p)
				}
			}
			return
		}
		if _, err := site.Parse("site.yaml", r.Template); err != nil {
			t.Fatalf("Init returned a template the site package refuses: %v", err)
		}
	})
}
