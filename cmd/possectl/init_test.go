// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

// staffCSV is a small staff list as Excel in Germany saves it.
const staffCSV = "\ufeffVorname;Nachname;Abteilung;Telefon\r\n" +
	"Anna;Müller;Empfang;-10\r\n" +
	"Jürgen;Groß;Buchhaltung;-11\r\n" +
	"Gül;Öztürk;Empfang;-12\r\n" +
	"Anna;Müller;Labor;-13\r\n"

func writeStaff(t *testing.T, dir, csv string) string {
	t.Helper()
	p := filepath.Join(dir, "staff.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// secretValues are the values of a secrets file, to look for in output.
func secretValues(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(yamlToJSON(t, raw), &m); err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

// yamlToJSON turns the "name: "value"" lines of a secrets file into a
// JSON object (FormatSecrets writes JSON-compatible strings).
func yamlToJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var parts []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, val, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("secrets line %q", l)
		}
		parts = append(parts, `"`+name+`": `+val)
	}
	return []byte("{" + strings.Join(parts, ",") + "}")
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestInitCommand(t *testing.T) {
	dir := t.TempDir()
	csv := writeStaff(t, dir, staffCSV)
	out := filepath.Join(dir, "kunde")
	tmpl, secrets := filepath.Join(out, "site.yaml"), filepath.Join(out, "site.secrets.yaml")

	code, stdout, stderr := possectl(t, "init", "--staff", csv, "--domain", "praxis.example", "--name", "Praxis Müller", "--out", out, "--timezone", "Europe/Berlin")
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"4 people", `";"`, "UTF-8 with BOM", "columns not read: Telefon",
		"anna.mueller ", "anna.mueller2", "juergen.gross", "guel.oeztuerk@praxis.example", "staff, empfang",
		"wrote " + tmpl + " (4 users, 4 groups, 4 shares)", "(6 passwords, mode 0600)",
		"possectl validate " + tmpl + " --secrets " + secrets} {
		if !strings.Contains(stdout, want) {
			t.Errorf("init's output lacks %q:\n%s", want, stdout)
		}
	}
	if m := mode(t, secrets); m != 0o600 {
		t.Errorf("secrets file mode %04o", m)
	}
	if m := mode(t, tmpl); m != 0o644 {
		t.Errorf("template mode %04o", m)
	}
	values := secretValues(t, secrets)
	for _, v := range values {
		if strings.Contains(stdout+stderr, v) {
			t.Fatal("init printed a password")
		}
	}
	// What init wrote passes validate with its secrets, without warnings.
	if code, o, e := possectl(t, "validate", tmpl, "--secrets", secrets); code != 0 || e != "" || !strings.Contains(o, "6 secrets") {
		t.Errorf("validate --secrets: exit %d\n%s%s", code, o, e)
	}

	t.Run("existing files are kept", func(t *testing.T) {
		before, _ := os.ReadFile(secrets)
		code, _, e := possectl(t, "init", "--staff", csv, "--domain", "praxis.example", "--out", out)
		if code != 1 || !strings.Contains(e, "exist already") || !strings.Contains(e, "--force") {
			t.Errorf("init over existing files: exit %d: %s", code, e)
		}
		if after, _ := os.ReadFile(secrets); string(after) != string(before) {
			t.Error("the secrets file changed")
		}
	})
	t.Run("--force replaces them, --json prints names only", func(t *testing.T) {
		code, o, e := possectl(t, "init", "--staff", csv, "--domain", "praxis.example", "--out", out, "--force", "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, e)
		}
		var sum struct {
			Files []struct{ Path, Kind, Mode string }
			Users []struct {
				Username, Email string
				Groups          []string
				Line            int
			}
			Groups []struct {
				Name    string
				Members int
			}
			Secrets int
		}
		if err := json.Unmarshal([]byte(o), &sum); err != nil {
			t.Fatalf("%v\n%s", err, o)
		}
		if len(sum.Files) != 2 || sum.Files[0].Path != tmpl || sum.Files[1].Kind != "secrets" || sum.Files[1].Mode != "0600" ||
			len(sum.Users) != 4 || sum.Users[3].Username != "anna.mueller2" || sum.Users[3].Line != 5 ||
			len(sum.Groups) != 4 || sum.Groups[0].Name != "staff" || sum.Groups[0].Members != 4 || sum.Secrets != 6 {
			t.Errorf("summary %+v", sum)
		}
		for _, v := range secretValues(t, secrets) {
			if strings.Contains(o, v) {
				t.Fatal("--json printed a password")
			}
		}
		if m := mode(t, secrets); m != 0o600 {
			t.Errorf("secrets file mode after --force %04o", m)
		}
		if v := secretValues(t, secrets); strings.Join(v, "") == strings.Join(values, "") {
			t.Error("--force kept the old passwords")
		}
	})
}

func TestInitRefuses(t *testing.T) {
	dir := t.TempDir()
	csv := writeStaff(t, dir, "Vorname,Nachname,Benutzername\nAnna,Müller,\n,Schmidt,\nBernd,Weber,root\n")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no staff list", []string{"init", "--domain", "x.example"}, 2, []string{"needs --staff FILE.csv"}},
		{"no domain", []string{"init", "--staff", csv}, 2, []string{"needs --domain DOMAIN"}},
		{"an argument", []string{"init", csv}, 2, []string{"takes no arguments"}},
		{"a bad domain", []string{"init", "--staff", csv, "--domain", "X.example"}, 1, []string{"not a valid DNS name"}},
		{"a missing file", []string{"init", "--staff", filepath.Join(dir, "nope.csv"), "--domain", "x.example"}, 1, []string{"cannot read the staff list"}},
		{"bad rows", []string{"init", "--staff", csv, "--domain", "x.example", "--out", filepath.Join(dir, "out")}, 1, []string{
			"2 problems found", csv + ":3: first name is missing", csv + `:4: username "root" is reserved`, "correct the staff list"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, e := possectl(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, e)
			}
			for _, w := range c.stderr {
				if !strings.Contains(e, w) {
					t.Errorf("stderr lacks %q:\n%s", w, e)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a failed init left its output directory")
	}
}

// A link where the secrets file goes is refused, and what it points at is
// not written.
func TestInitRefusesALink(t *testing.T) {
	dir := t.TempDir()
	csv := writeStaff(t, dir, staffCSV)
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, []byte("keep\n"), 0o644)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if err := os.Symlink(target, filepath.Join(out, "site.secrets.yaml")); err != nil {
		t.Fatal(err)
	}
	code, _, e := possectl(t, "init", "--staff", csv, "--domain", "praxis.example", "--out", out)
	if code != 1 || !strings.Contains(e, "exists already") {
		t.Errorf("exit %d: %s", code, e)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep\n" {
		t.Errorf("the link's target now holds %q", b)
	}
	if _, err := os.Stat(filepath.Join(out, "site.yaml")); err == nil {
		t.Error("the template was written beside the refused secrets file")
	}
	// The template init writes is valid for the site package too.
	code, _, e = possectl(t, "init", "--staff", csv, "--domain", "praxis.example", "--out", filepath.Join(dir, "ok"))
	if code != 0 {
		t.Fatal(e)
	}
	if _, err := site.Load(filepath.Join(dir, "ok", "site.yaml")); err != nil {
		t.Error(err)
	}
}
