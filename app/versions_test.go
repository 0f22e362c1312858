// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestVersionsScreen lists the versions of a file and restores one next
// to it and, after the question, in its place; an unknown share is an
// error that says so.
func TestVersionsScreen(t *testing.T) {
	sc, w := show(t, newFake(12), func(w fyne.Window, br *Bridge) screen { return NewVersionsScreen(w, br) })
	s := sc.(*VersionsScreen)
	if opts := s.choices; len(opts) != 4 || opts[1] != "Buchhaltung" {
		t.Errorf("the share choices are %q", opts)
	}
	s.share.SetText("Buchhaltung")
	test.Type(s.path, "Belege/Kasse 2026.xlsx")
	test.Tap(button(t, w.Canvas(), tr("Show versions")))
	if len(s.versions) != 4 || !hasText(w.Canvas(), "Snapshot of ") || !hasText(w.Canvas(), "48 kB") {
		t.Fatalf("versions: %+v", s.versions)
	}
	golden(t, "versions.xml", w.Canvas())

	var next, replace []*widget.Button
	for _, o := range all(w.Canvas()) {
		if b, ok := o.(*widget.Button); ok && b.Visible() {
			switch b.Text {
			case tr("Restore next to it"):
				next = append(next, b)
			case tr("Replace with this version"):
				replace = append(replace, b)
			}
		}
	}
	if len(next) == 0 || len(replace) == 0 {
		t.Fatal("the versions have no restore buttons")
	}
	test.Tap(next[1])
	if !hasText(w.Canvas(), "Restored Belege/Kasse 2026 (restored ") || !hasText(w.Canvas(), ".xlsx in Buchhaltung as it was on ") {
		t.Error("the restore next to it does not say where the version went")
	}
	test.Tap(replace[0])
	if !hasText(w.Canvas(), "Replace Belege/Kasse 2026.xlsx?") {
		t.Fatal("replacing does not ask first")
	}
	test.Tap(button(t, w.Canvas(), tr("Replace")))
	if !hasText(w.Canvas(), "Restored Belege/Kasse 2026.xlsx in Buchhaltung") {
		t.Error("the restore in place does not say so")
	}

	s.share.SetText("Nirgendwo")
	test.Tap(button(t, w.Canvas(), tr("Show versions")))
	if !hasText(w.Canvas(), "Cannot list the versions") || !hasText(w.Canvas(), "share Nirgendwo does not exist") {
		t.Error("an unknown share gives no error")
	}
	if !strings.Contains(s.shown[0], "Buchhaltung") {
		t.Errorf("a failed listing replaced the shown versions: %q", s.shown)
	}
}
