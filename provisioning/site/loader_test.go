// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const minimalYAML = `version: 1
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
    groups: [staff]
    password: ${secret:anna}
`

func TestParseMinimal(t *testing.T) {
	s, err := Parse("site.yaml", []byte(minimalYAML))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	sum := sha256.Sum256([]byte(minimalYAML))
	if s.Source.File != "site.yaml" || s.Source.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("Source = %+v", s.Source)
	}
	if s.Users[0].Username != "anna" || s.Users[0].Groups[0] != "staff" || s.Site.Workgroup != "TEST" {
		t.Errorf("decoded wrongly: %+v", s)
	}
	if !s.Directory.PasswordPolicy.Complexity {
		t.Error("complexity should default to true when absent")
	}
	if p, ok := s.PositionOf("users[0].groups[0]"); !ok || p != (Pos{Line: 12, Col: 14}) {
		t.Errorf("PositionOf(users[0].groups[0]) = %v, %v; want 12:14", p, ok)
	}
	if p, ok := s.PositionOf("users[0].email"); !ok || p != (Pos{Line: 11, Col: 5}) {
		t.Errorf("PositionOf of an absent key should fall back to its parent, got %v, %v", p, ok)
	}
}

func TestParseComplexityExplicitFalse(t *testing.T) {
	y := strings.Replace(minimalYAML, "groups:\n", "  password_policy: {complexity: false}\ngroups:\n", 1)
	s, err := Parse("site.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if s.Directory.PasswordPolicy.Complexity {
		t.Error("explicit complexity: false was overridden")
	}
}

// problemsOf parses y and returns its problems, failing when there are none.
func problemsOf(t *testing.T, y string) Problems {
	t.Helper()
	_, err := Parse("t.yaml", []byte(y))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	return ps
}

func TestParseStructuralErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty", "", "t.yaml:1:1: template is empty"},
		{"only comments", "# nothing\n", "t.yaml:1:1: template is empty"},
		{"not a mapping", "- a\n- b\n", "t.yaml:1:1: expected a mapping of keys to values, got a list"},
		{"missing version", "site: {name: x}\n", `t.yaml:1:1: missing required key "version"`},
		{"version 2", "version: 2\n", "t.yaml:1:10: unsupported template version 2"},
		{"version string", "version: \"1\"\n", "t.yaml:1:10: expected a whole number, got a string"},
		{"unknown key", minimalYAML + "sahres: []\n", `t.yaml:14:1: unknown key "sahres"` + "\n  hint: did you mean \"shares\"?"},
		{"unknown key no suggestion", minimalYAML + "zzzzzzzzzz: 1\n", `t.yaml:14:1: unknown key "zzzzzzzzzz"` + "\n  hint: known keys here: version, site, directory, groups, users, shares, homes, mail, backup"},
		{"duplicate key", minimalYAML + "groups: []\n", `t.yaml:14:1: duplicate key "groups" (first defined at t.yaml:8:1)`},
		{"wrong type list", strings.Replace(minimalYAML, "groups: [staff]", "groups: staff", 1), "t.yaml:12:13: expected a list, got a string"},
		{"wrong type bool", minimalYAML + "homes: {enabled: yes}\n", "t.yaml:14:18: expected true or false, got a string"},
		{"wrong type string", strings.Replace(minimalYAML, "workgroup: TEST", "workgroup: 1234", 1), "t.yaml:5:14: expected a string, got a whole number\n  hint: put the value in double quotes"},
		{"int out of range", minimalYAML + "mail: {domains: [test.example], mailbox_quota_mb: 99999999999}\n", "t.yaml:14:51: number is out of range"},
		{"anchor", minimalYAML + "shares:\n  - &s {name: a, read: [staff]}\n  - *s\n", "t.yaml:15:5: anchors (&) and aliases (*) are not allowed"},
		{"merge key", minimalYAML + "homes: {<<: {enabled: true}}\n", "t.yaml:14:9: merge keys (<<) are not allowed"},
		{"two documents", minimalYAML + "---\nversion: 1\n", "t.yaml:14:1: template holds more than one YAML document"},
		{"syntax error", "version: 1\nsite: [\n", "t.yaml:2: invalid YAML: did not find expected node content"},
		{"alias scalar", "version: 1\nbackup:\n  schedule: *-*-* 22:00\n", "t.yaml:3: invalid YAML"},
		{"tagged value", strings.Replace(minimalYAML, "name: Test", "name: !!binary aGVsbG8=", 1), "t.yaml:3:9: expected a string, got binary data"},
		{"inline int password", strings.Replace(minimalYAML, "${secret:anna}", "12345678", 1), "t.yaml:13:15: inline passwords are refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemsOf(t, tt.yaml).Error()
			if !strings.Contains(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to contain:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseReportsAllProblemsSorted(t *testing.T) {
	y := strings.NewReplacer("workgroup: TEST", "workgroup: test", "username: anna", "username: Anna",
		"groups: [staff]", "groups: [staf]").Replace(minimalYAML) + "homes: {enabeld: true}\n"
	ps := problemsOf(t, y)
	if len(ps) != 4 {
		t.Fatalf("want 4 problems, got:\n%v", ps)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].Line > ps[i].Line {
			t.Errorf("problems not sorted:\n%v", ps)
		}
	}
}

func TestParseRefusesHugeFile(t *testing.T) {
	y := minimalYAML + "# " + strings.Repeat("x", MaxTemplateSize) + "\n"
	got := problemsOf(t, y).Error()
	if !strings.Contains(got, "t.yaml:1:1: template is larger than 1048576 bytes") {
		t.Errorf("got %s", got)
	}
}

func TestParseRefusesNonUTF8(t *testing.T) {
	y := strings.Replace(minimalYAML, "name: Test", "name: M\xfcller", 1)
	got := problemsOf(t, y).Error()
	if !strings.Contains(got, "t.yaml:3:10: template is not valid UTF-8") {
		t.Errorf("got %s", got)
	}
}

func TestParseAliasBombDoesNotHang(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 30; i++ {
		b.WriteString("x" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	start := time.Now()
	ps := problemsOf(t, b.String())
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if !strings.Contains(ps.Error(), `unknown key "x0"`) {
		t.Errorf("got %v", ps)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(p, []byte(minimalYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil || s.Source.File != p {
		t.Fatalf("Load = %v, %v", s, err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !os.IsNotExist(err) {
		t.Errorf("Load of a missing file: %v, want an error os.IsNotExist accepts", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxTemplateSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load of a huge file: %v", err)
	}
}

func TestProblemFormat(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Col: 7, Message: "bad"}, "a.yaml:3:7: bad"},
		{Problem{File: "a.yaml", Line: 3, Col: 7, Message: "bad", Hint: "fix it"}, "a.yaml:3:7: bad\n  hint: fix it"},
		{Problem{File: "a.yaml", Line: 3, Message: "bad"}, "a.yaml:3: bad"},
		{Problem{Path: "users[1].username", Message: "bad"}, "users[1].username: bad"},
		{Problem{File: "a.yaml", Path: "site", Message: "bad"}, "a.yaml: site: bad"},
		{Problem{Message: "bad"}, "template: bad"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	ps := Problems{{File: "a", Line: 9, Col: 1, Message: "z"}, {File: "a", Line: 2, Col: 5, Message: "y"}, {File: "a", Line: 2, Col: 5, Message: "y"}, {File: "a", Line: 2, Col: 1, Message: "x"}}
	if got := ps.Err().Error(); got != "a:2:1: x\na:2:5: y\na:9:1: z" {
		t.Errorf("sorted problems = %q", got)
	}
	if (Problems{}).Err() != nil {
		t.Error("empty Problems.Err() must be nil")
	}
}
