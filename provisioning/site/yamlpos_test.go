// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestYAMLMistakesArePointedAt writes the three syntax mistakes people
// make most into an otherwise valid template and checks that the problem
// names the line and column of the mistake, not the parent block's line.
func TestYAMLMistakesArePointedAt(t *testing.T) {
	users := ""
	for _, u := range []string{"bkoch", "cmeier", "dyilmaz", "esommer"} {
		users += "  - username: " + u + "\n    given_name: X\n    surname: Y\n    password: ${secret:" + u + "}\n"
	}
	base := refsTemplate("", "") + "shares:\n  - name: Daten\n    description: >-\n      Alles, was\n      dazu gehört\n    read: [team]\n"
	base = strings.Replace(base, "users:\n", "users:\n"+users, 1)
	if _, err := Parse("ok.yaml", []byte(base)); err != nil {
		t.Fatalf("the base template must be valid: %v", err)
	}
	lineOf := func(src, s string) int { return strings.Count(src[:strings.Index(src, s)], "\n") + 1 }
	for _, c := range []struct {
		name, from, to, want string
		col                  int
	}{
		{"under-indented", "    surname: Y\n    password: ${secret:dyilmaz}", "    surname: Y\n   password: ${secret:dyilmaz}", "the indentation breaks here: 3 spaces, where the lines around it have 4 or 2", 4},
		{"tab", "    given_name: X\n    surname: Y\n    password: ${secret:cmeier}", "    given_name: X\n\tsurname: Y\n    password: ${secret:cmeier}", "a tab in the indentation", 1},
		{"unclosed quote", `description: "Everybody at ${site.name} (${site.domain})"`, `description: "Everybody at ${site.name}`, `the value quoted with " here is not closed on this line`, 18},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, c.from, c.to, 1)
			if src == base {
				t.Fatal("the test's replacement did not apply")
			}
			marker := c.to[strings.Index(c.to, "\n")+1:]
			if c.name == "unclosed quote" {
				marker = c.to
			}
			wantLine := lineOf(src, marker)
			_, err := Parse("t.yaml", []byte(src))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) != 1 {
				t.Fatalf("Parse = %v, want one problem", err)
			}
			p := ps[0]
			if p.Line != wantLine || p.Col != c.col || !strings.Contains(p.Message, c.want) {
				t.Fatalf("problem %s:%d:%d %s (hint %s), want line %d column %d %q", p.File, p.Line, p.Col, p.Message, p.Hint, wantLine, c.col, c.want)
			}
			if !strings.Contains(p.Hint, "the YAML reader stopped at line") {
				t.Errorf("hint %q should quote the YAML reader", p.Hint)
			}
		})
	}
}

// TestSyntaxAtFindsNothingInValidTemplates guards against blaming a valid
// line: on the examples, which parse, syntaxAt must find nothing.
func TestSyntaxAtFindsNothingInValidTemplates(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if l, c, msg, ok := syntaxAt(data, 1); ok {
			t.Errorf("%s:%d:%d: %s, in a file that parses", f, l, c, msg)
		}
	}
}
