// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestRestoreFilesScreen: an office manager picks the newest backup and a
// share by name, opens a folder, ticks two files and restores them next
// to the current ones, then one in its place after the question; no box
// path is ever shown.
func TestRestoreFilesScreen(t *testing.T) {
	f := newFake(12)
	f.OfficeManager = true
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewRestoreFilesScreen(w, br) })
	s := sc.(*RestoreFilesScreen)
	if len(s.date.Options) != 7 || s.date.SelectedIndex() != 0 {
		t.Fatalf("backup dates %q, chosen %d", s.date.Options, s.date.SelectedIndex())
	}
	if len(s.share.Options) < 5 || s.share.Options[1] != "Buchhaltung" {
		t.Fatalf("shares offered: %q", s.share.Options)
	}
	if !s.inPlace.Disabled() || !s.alongside.Disabled() {
		t.Error("the restore buttons work with nothing ticked")
	}
	s.share.SetSelected("Ablage")
	if len(s.entries) != 3 || s.entries[0].Path != "Vorlagen" {
		t.Fatalf("Ablage in the backup: %+v", s.entries)
	}
	s.files.Select(0) // a folder opens
	if s.dir != "Vorlagen" || len(s.entries) != 2 || s.up.Disabled() {
		t.Fatalf("Vorlagen: %q %+v", s.dir, s.entries)
	}
	s.files.Select(0) // a file is ticked
	s.files.Select(1)
	if got := s.Ticked(); len(got) != 2 || got[0] != "Vorlagen/Briefkopf.dotx" {
		t.Fatalf("ticked %q", got)
	}
	golden(t, "restorefiles.xml", w.Canvas())
	for _, p := range []string{"/srv", "/var"} {
		if hasText(w.Canvas(), p) {
			t.Errorf("the screen shows a box path (%s)", p)
		}
	}

	test.Tap(button(t, w.Canvas(), tr("Next to it as a copy")))
	if !f.called("RestoreShareFiles Ablage Vorlagen/Briefkopf.dotx,Vorlagen/Vollmacht.docx alongside=true") {
		t.Fatalf("calls: %q", f.calls)
	}
	if !hasText(w.Canvas(), "Restored 2 files and folders in Ablage as they were on ") || !hasText(w.Canvas(), "Vorlagen/Briefkopf (restored ") {
		t.Error("the restore next to it does not say where the files went")
	}
	if len(s.Ticked()) != 0 {
		t.Error("the ticks stay after the restore")
	}

	test.Tap(button(t, w.Canvas(), tr("Up")))
	s.files.Select(1) // Telefonliste.xlsx
	test.Tap(button(t, w.Canvas(), tr("Put back where it was")))
	if !hasText(w.Canvas(), "Put back Telefonliste.xlsx?") {
		t.Fatal("putting back does not ask first")
	}
	if f.called("RestoreShareFiles Ablage Telefonliste.xlsx alongside=false") {
		t.Fatal("put back before the answer")
	}
	test.Tap(button(t, w.Canvas(), tr("Put back")))
	if !f.called("RestoreShareFiles Ablage Telefonliste.xlsx alongside=false") || !hasText(w.Canvas(), "Restored Telefonliste.xlsx in Ablage") {
		t.Errorf("the restore in place: calls %q", f.calls)
	}

	s.share.SetSelected(tr("Home folder of %s", s.shareNames[s.share.Options[len(s.share.Options)-1]]))
	if s.dir != "" || len(s.entries) != 0 || !hasText(w.Canvas(), "This folder was empty in that backup.") {
		t.Errorf("a home folder: %q %+v", s.dir, s.entries)
	}
}
