// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name → content below a new temporary folder and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const includeMain = `version: 1
include: [common/groups.yaml]
site:
  name: Test
  domain: test.example
  workgroup: TEST
directory:
  admin_password: ${secret:domain_admin}
groups:
  - name: staff
users:
  - username: anna
    groups: [staff, reception]
    password: ${secret:anna}
mail:
  domains: [test.example]
`

// loadProblems loads path and returns its problems as text.
func loadProblems(t *testing.T, path string) string {
	t.Helper()
	_, err := Load(path)
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want problems, got %v", err)
	}
	return ps.Error()
}

func TestIncludeNested(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"site.yaml":          includeMain,
		"common/groups.yaml": "include: [shares.yaml]\ngroups:\n  - name: reception\n    mail: empfang@${site.domain}\n",
		"common/shares.yaml": "shares:\n  - name: Vorlagen\n    read: [everyone]\n    write: [reception]\n",
	})
	main := filepath.Join(dir, "site.yaml")
	s, flat, err := LoadFlat(main)
	if err != nil {
		t.Fatal(err)
	}
	// Included items come first, in include order.
	if len(s.Groups) != 2 || s.Groups[0].Name != "reception" || s.Groups[1].Name != "staff" {
		t.Errorf("groups = %+v", s.Groups)
	}
	if s.Groups[0].Mail != "empfang@test.example" {
		t.Errorf("a fragment's reference is expanded against the template: %q", s.Groups[0].Mail)
	}
	if len(s.Shares) != 1 || s.Shares[0].Name != "Vorlagen" || len(s.Include) != 0 {
		t.Errorf("shares = %+v, include = %v", s.Shares, s.Include)
	}
	// Positions name the file each value was written in.
	if p, _ := s.PositionOf("shares[0].write[0]"); p.File != filepath.Join(dir, "common/shares.yaml") || p.Line != 4 {
		t.Errorf("PositionOf(shares[0].write[0]) = %+v", p)
	}
	if p, _ := s.PositionOf("groups[1].name"); p.File != "" || p.Line != 10 {
		t.Errorf("PositionOf(groups[1].name) = %+v", p)
	}
	// The flat template is what possed reads: one document, same site.
	if !strings.HasPrefix(string(flat), "# One template merged by Posse from site.yaml, common/groups.yaml, common/shares.yaml.\n") ||
		strings.Contains(string(flat), "include:") || !strings.Contains(string(flat), "${site.domain}") {
		t.Errorf("flat template:\n%s", flat)
	}
	fs, err := Parse("site.yaml", flat)
	if err != nil {
		t.Fatalf("the flat template does not parse: %v\n%s", err, flat)
	}
	if fs.Source.Hash != s.Source.Hash || len(fs.Groups) != 2 || fs.Groups[0].Mail != s.Groups[0].Mail || len(fs.Shares) != 1 {
		t.Errorf("the flat template differs: %+v", fs)
	}
	// Without include, the bytes are the file's.
	plain := filepath.Join(dir, "plain.yaml")
	if err := os.WriteFile(plain, []byte(minimalYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, raw, err := LoadFlat(plain); err != nil || string(raw) != minimalYAML {
		t.Errorf("LoadFlat of a template without include = %q, %v", raw, err)
	}
}

func TestIncludeProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"missing file", map[string]string{
			"site.yaml": includeMain,
		}, []string{"site.yaml:2:11: included file ", "common/groups.yaml does not exist", "relative to the folder of the file that includes them"}},
		{"loop", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "include: [../site.yaml]\ngroups:\n  - name: reception\n",
		}, []string{"groups.yaml:1:11: include loop: ", "site.yaml → ", "groups.yaml → ", "site.yaml\n"}},
		{"loop through two", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "include: [a.yaml]\n",
			"common/a.yaml":      "include: [groups.yaml]\n",
		}, []string{"a.yaml:1:11: include loop: "}},
		{"included twice", map[string]string{
			"site.yaml":          strings.Replace(includeMain, "[common/groups.yaml]", "[common/groups.yaml, common/groups.yaml]", 1),
			"common/groups.yaml": "groups:\n  - name: reception\n",
		}, []string{"site.yaml:2:31: ", "common/groups.yaml is included twice (first at ", "site.yaml:2:11)"}},
		{"error inside a fragment", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "groups:\n  - name: reception\n    mail: Empfang@test.example\n    colour: blue\n",
		}, []string{"common/groups.yaml:3:11: group address \"Empfang@test.example\" is not a valid mail address", "common/groups.yaml:4:5: unknown key \"colour\""}},
		{"duplicate names across files", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "groups:\n  - name: reception\n  - name: staff\n",
		}, []string{"site.yaml:10:11: duplicate group \"staff\" (first defined at ", "common/groups.yaml:3:11)"}},
		{"value set twice", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "groups:\n  - name: reception\nsite:\n  name: Other\n",
		}, []string{"site.yaml:4:9: site.name is set here and at ", "common/groups.yaml:4:9", "one file only"}},
		{"fragment with version", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "version: 1\ngroups:\n  - name: reception\n",
		}, []string{"common/groups.yaml:1:1: a fragment has no version"}},
		{"bad YAML in a fragment", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "groups:\n  - name: reception\n\t mail: x\n",
		}, []string{"common/groups.yaml:3:1: invalid YAML: a tab"}},
		{"not a list", map[string]string{
			"site.yaml": strings.Replace(includeMain, "[common/groups.yaml]", "common/groups.yaml", 1),
		}, []string{"site.yaml:2:10: expected a list of file names, got a string"}},
		{"reference error in a fragment", map[string]string{
			"site.yaml":          includeMain,
			"common/groups.yaml": "groups:\n  - name: reception\n    mail: empfang@${site.domian}\n",
		}, []string{"common/groups.yaml:3:11: ${site.domian} names a value", "did you mean ${site.domain}?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			got := loadProblems(t, filepath.Join(dir, "site.yaml"))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("want %q in:\n%s", w, got)
				}
			}
		})
	}
}

// TestParseRefusesInclude: Parse has no folder to read fragments from
// (possed, the app), so include is a problem saying what to do.
func TestParseRefusesInclude(t *testing.T) {
	_, err := Parse("site.yaml", []byte(includeMain))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 2 || !strings.Contains(ps[0].Hint, "possectl") {
		t.Errorf("Parse with include = %v", err)
	}
}
