// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// pressEscape types Escape as the window does: to the focused widget, or
// to the canvas when nothing has the focus.
func pressEscape(c fyne.Canvas) {
	ev := &fyne.KeyEvent{Name: fyne.KeyEscape}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// Escape closes the newest dialog like its Cancel or Close, whether an
// entry, a check box or nothing has the focus; other keys still reach the
// entry.
func TestEscapeClosesTheTopDialog(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, widget.NewLabel("screen"), 600, 400)
	c := w.Canvas()

	answered, yes := false, false
	d := dialog.NewCustomConfirm("Delete?", "Delete", "Cancel", widget.NewLabel("sure?"), func(ok bool) { answered, yes = true, ok }, w)
	showDialog(w, d)
	pressEscape(c)
	if c.Overlays().Top() != nil || !answered || yes {
		t.Errorf("Escape with nothing focused: dialog open %v, answered %v, yes %v", c.Overlays().Top() != nil, answered, yes)
	}

	e, box := newEntry(), newCheck("must change", nil)
	showDialog(w, dialog.NewCustomWithoutButtons("Form", formOf(e, box), w))
	test.Type(e, "abc")
	c.Focus(e)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if e.Text != "ab" {
		t.Errorf("the entry lost an ordinary key: %q", e.Text)
	}
	pressEscape(c)
	if c.Overlays().Top() != nil {
		t.Error("Escape in a focused entry did not close the dialog")
	}

	showDialog(w, dialog.NewCustomWithoutButtons("Form", formOf(newEntry(), box), w))
	test.Tap(box)
	pressEscape(c)
	if c.Overlays().Top() != nil {
		t.Error("Escape on a focused check box did not close the dialog")
	}

	// Two dialogs: Escape closes the newest only.
	infoDialog(w, "First", "one")
	showError(w, "Second", errors.New("two"))
	pressEscape(c)
	if !hasText(c, "one") || hasText(c, "two") {
		t.Error("Escape did not close exactly the newest dialog")
	}
	pressEscape(c)
	if c.Overlays().Top() != nil {
		t.Error("the first dialog did not close with Escape")
	}
	pressEscape(c) // nothing open: nothing happens
}

func formOf(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return widget.NewForm(widget.NewFormItem("", objs[0]), widget.NewFormItem("", objs[1]))
}

// The buttons that copy a password say that they did.
func TestCopySaysSo(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, widget.NewLabel("screen"), 700, 500)
	showBackupPassword(w, "Tokam-Rubel-47-Fasol")
	test.Tap(button(t, w.Canvas(), tr("Copy")))
	if fyne.CurrentApp().Clipboard().Content() != "Tokam-Rubel-47-Fasol" || !hasText(w.Canvas(), "Copied the password.") {
		t.Error("the backup password was not copied, or the dialog does not say so")
	}
}
