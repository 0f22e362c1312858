// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// trKeys finds every string literal passed to tr (and the constants used
// as keys) in the package's non-test sources.
func trKeys(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	// The password sheet's words are in package sheet, which the app
	// calls with its tr.
	more, _ := filepath.Glob("../internal/sheet/*.go")
	files = append(files, more...)
	keys := map[string]string{}
	consts := map[string]string{}
	var calls []*ast.CallExpr
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "tr" && len(n.Args) > 0 {
					calls = append(calls, n)
				}
			}
			return true
		})
	}
	for _, c := range calls {
		pos := fset.Position(c.Pos()).String()
		switch a := c.Args[0].(type) {
		case *ast.BasicLit:
			s, _ := strconv.Unquote(a.Value)
			keys[s] = pos
		case *ast.Ident:
			if v, ok := consts[a.Name]; ok {
				keys[v] = pos
			} else {
				t.Errorf("%s: tr(%s) is not a string constant", pos, a.Name)
			}
		default:
			t.Errorf("%s: tr's key is not a literal, so it cannot be checked", pos)
		}
	}
	return keys
}

func readTranslations(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("translations", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

var verbRE = regexp.MustCompile(`%[a-z]`)

func TestEveryTextIsTranslated(t *testing.T) {
	keys := trKeys(t)
	for _, lang := range []string{"en", "de"} {
		m := readTranslations(t, lang)
		for k, pos := range keys {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s.json lacks %q (%s)", lang, k, pos)
				continue
			}
			if a, b := strings.Join(verbRE.FindAllString(k, -1), ""), strings.Join(verbRE.FindAllString(v, -1), ""); a != b {
				t.Errorf("%s.json: %q has verbs %q, the key %q", lang, v, b, a)
			}
		}
		for k := range m {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s.json has the unused key %q", lang, k)
			}
		}
	}
}
