// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// generatedBad are bad templates too large or too odd to check in.
var generatedBad = map[string]func() []byte{
	"generated-huge": func() []byte {
		return []byte("version: 1\n# " + strings.Repeat("padding ", MaxTemplateSize/8) + "\n")
	},
	"generated-deep-nesting": func() []byte {
		return []byte("version: 1\nsite: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n")
	},
}

// TestBadTemplates parses every testdata/bad/*.yaml (plus generatedBad) and
// compares the problems with the golden NAME.err. Run with -update to
// rewrite the goldens, then review them.
func TestBadTemplates(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() ([]byte, error){}
	for _, f := range files {
		cases[strings.TrimSuffix(filepath.Base(f), ".yaml")] = func() ([]byte, error) { return os.ReadFile(f) }
	}
	for name, gen := range generatedBad {
		cases[name] = func() ([]byte, error) { return gen(), nil }
	}
	if len(cases) < 40 {
		t.Errorf("want at least 40 bad templates, have %d", len(cases))
	}
	for name, read := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := read()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(name+".yaml", data)
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("bad template parsed without problems (err = %v)", err)
			}
			for _, p := range ps {
				if r := []rune(p.Message)[0]; unicode.IsUpper(r) {
					t.Errorf("messages are lower case: %q", p.Message)
				}
			}
			got := ps.Error() + "\n"
			for _, secret := range []string{"Geheim-2026!", "12345678", "correct-horse-battery-staple"} {
				if strings.Contains(got, secret) {
					t.Errorf("problems echo an inline secret value %q", secret)
				}
			}
			golden := filepath.Join("testdata", "bad", name+".err")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
