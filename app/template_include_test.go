// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// practiceCopy copies examples/practice.yaml, its secrets and the fragment
// it includes into a temporary folder, keeping their layout; fragment, if
// set, replaces the fragment's content.
func practiceCopy(t *testing.T, fragment string) (main, frag string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "fragments"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"practice.yaml", "practice.secrets.yaml", "fragments/practice-standard.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "fragments/") && fragment != "" {
			b = []byte(fragment)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "practice.yaml"), filepath.Join(dir, "fragments", "practice-standard.yaml")
}

func TestTemplateOpensATemplateWithFragments(t *testing.T) {
	f := newFake(3)
	sc, _ := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	main, _ := practiceCopy(t, "")
	s.Open(main)
	if len(s.problems) != 0 || s.planBtn.Disabled() {
		t.Fatalf("the example with a fragment: %s %+v", s.status.Text, s.problems)
	}
	if !strings.Contains(s.source.Text(), "include: [fragments/practice-standard.yaml]") {
		t.Error("the source view does not show the file as written")
	}
	if strings.Contains("\n"+string(s.data), "\ninclude:") || !strings.Contains(string(s.data), "empfang@") {
		t.Errorf("the box would not get the merged template:\n%s", s.data)
	}
	if !s.merged {
		t.Error("a merged template is not marked as such")
	}
}

func TestTemplateNamesTheFragmentOfAProblem(t *testing.T) {
	f := newFake(3)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	main, frag := practiceCopy(t, "groups:\n  - name: reception\n    colour: blue\n")
	s.Open(main)
	if len(s.problems) == 0 || !s.planBtn.Disabled() {
		t.Fatalf("a bad fragment is not refused: %s", s.status.Text)
	}
	p := s.problems[0]
	if filepath.Clean(p.File) != filepath.Clean(frag) || p.Line != 3 {
		t.Fatalf("the problem is at %s:%d, want %s:3", p.File, p.Line, frag)
	}
	if !hasText(w.Canvas(), "practice-standard.yaml:3:") {
		t.Error("the problem list does not name the fragment")
	}
	s.list.Select(0)
	if s.marked != -1 {
		t.Errorf("selecting a fragment's problem marked row %d of the main file", s.marked)
	}
	test.Tap(s.planBtn) // disabled: nothing happens
}
