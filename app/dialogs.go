// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Escape closes the dialog on top, as people expect from a desktop app.
// Fyne's dialogs do not listen for it: a key goes to the focused widget,
// or to the canvas when nothing is focused. So every dialog is shown with
// showDialog, which keeps a stack of open dialogs per window and lets the
// canvas dismiss the top one on Escape; the entries and check boxes in
// dialogs (entry, check) hand Escape on to the canvas.

// dialogStacks are the open dialogs of each window's canvas, newest last;
// used on the UI goroutine only.
var dialogStacks = map[fyne.Canvas]*dialogStack{}

type dialogStack struct{ open []dialog.Dialog }

// showDialog shows d on w so that Escape dismisses it (as Cancel or Close
// would).
func showDialog(w fyne.Window, d dialog.Dialog) {
	c := w.Canvas()
	st := dialogStacks[c]
	if st == nil {
		st = &dialogStack{}
		dialogStacks[c] = st
		prev := c.OnTypedKey()
		c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
			if ev.Name == fyne.KeyEscape && st.dismissTop() {
				return
			}
			if prev != nil {
				prev(ev)
			}
		})
	}
	st.open = append(st.open, d)
	d.SetOnClosed(func() { st.remove(d) })
	d.Show()
}

// dismissTop closes the newest open dialog; false when there is none.
func (st *dialogStack) dismissTop() bool {
	if len(st.open) == 0 {
		return false
	}
	st.open[len(st.open)-1].Dismiss() // its OnClosed removes it
	return true
}

func (st *dialogStack) remove(d dialog.Dialog) {
	for i := len(st.open) - 1; i >= 0; i-- {
		if st.open[i] == d {
			st.open = append(st.open[:i], st.open[i+1:]...)
			return
		}
	}
}

// escapeToCanvas hands an Escape typed into a focused widget to the
// canvas, which closes the dialog; it reports whether ev was Escape.
func escapeToCanvas(o fyne.CanvasObject, ev *fyne.KeyEvent) bool {
	if ev.Name != fyne.KeyEscape {
		return false
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(o); c != nil && c.OnTypedKey() != nil {
		c.OnTypedKey()(ev)
	}
	return true
}

// entry is a widget.Entry that closes its dialog on Escape. widget.Form
// treats only its own *widget.Entry specially (it shows a field's problem
// once the field is left), so entry tells the form again when it loses
// the focus.
type entry struct {
	widget.Entry
	// validationChanged is the form's callback.
	validationChanged func(error)
}

// SetOnValidationChanged keeps the form's callback for FocusLost.
func (e *entry) SetOnValidationChanged(f func(error)) {
	e.validationChanged = f
	e.Entry.SetOnValidationChanged(f)
}

// FocusLost tells the form whether the entry is valid now.
func (e *entry) FocusLost() {
	e.Entry.FocusLost()
	if e.validationChanged != nil && e.Validator != nil {
		e.validationChanged(e.Validator(e.Text))
	}
}

func newEntry() *entry {
	e := &entry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey hands Escape to the canvas and everything else to the entry.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if !escapeToCanvas(e, ev) {
		e.Entry.TypedKey(ev)
	}
}

// check is a widget.Check that closes its dialog on Escape.
type check struct{ widget.Check }

func newCheck(label string, changed func(bool)) *check {
	c := &check{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey hands Escape to the canvas and everything else to the check.
func (c *check) TypedKey(ev *fyne.KeyEvent) {
	if !escapeToCanvas(c, ev) {
		c.Check.TypedKey(ev)
	}
}
