// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
)

// advice says what to do about a daemon error.
func advice(err error) string {
	switch {
	case client.IsNotAuthorized(err):
		return tr("Your account may not do this. Ask the administrator to add you to the group posse-office (users and passwords) or posse-admin (everything).")
	case client.IsInvalidInput(err):
		return tr("Nothing was changed. Correct the entry and try again.")
	case client.IsNotFound(err):
		return tr("Someone may have removed it meanwhile. Reload the list and try again.")
	case client.IsVersion(err):
		return tr("Install the same version of Posse on this computer and on the box.")
	case client.IsUnreachable(err):
		return tr("Check that the box is switched on and reachable, then try again.")
	case client.IsNotAvailable(err):
		return tr("This box does not offer this here. If the message names the site template, change it on the Site template screen and apply it.")
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		return tr("Try again. If it keeps failing, look at the log on the box: journalctl -u possed")
	}
	return tr("Check that the box is switched on and reachable, then try again.")
}

// showError shows err with advice on what to do.
func showError(w fyne.Window, title string, err error) {
	showErrorAdvice(w, title, err, advice(err))
}

// showErrorAdvice shows err with the given advice.
func showErrorAdvice(w fyne.Window, title string, err error, what string) {
	msg := widget.NewLabel(errorText(err))
	msg.Wrapping = fyne.TextWrapWord
	msg.Selectable = true
	hint := widget.NewLabel(what)
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.MediumImportance
	hint.TextStyle = fyne.TextStyle{Italic: true}
	d := dialog.NewCustom(title, tr("Close"), container.NewVBox(msg, hint), w)
	d.Resize(fyne.NewSize(480, 220))
	showDialog(w, d)
}

// heading is a screen's title.
func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// bold is a bold label.
func bold(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// boldWrapped is a word-wrapped bold label, for a heading that may be a
// sentence.
func boldWrapped(s string) *widget.Label {
	l := bold(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// wrapped is a word-wrapped label.
func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// dot is a small coloured status light.
func dot(ok bool) *canvas.Circle {
	c := canvas.NewCircle(theme.Color(theme.ColorNameSuccess))
	if !ok {
		c.FillColor = theme.Color(theme.ColorNameError)
	}
	return c
}

// sized places o in a fixed-size cell.
func sized(o fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, h), o)
}

// age says how long ago t was, for people.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return tr("just now")
	case d < 2*time.Minute:
		return tr("a minute ago")
	case d < time.Hour:
		return tr("%d minutes ago", int(d.Minutes()))
	case d < 2*time.Hour:
		return tr("an hour ago")
	case d < 48*time.Hour:
		return tr("%d hours ago", int(d.Hours()))
	}
	return tr("%d days ago", int(d.Hours()/24))
}

// sizeText prints a byte count for people.
func sizeText(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// confirm asks before a destructive action.
func confirm(w fyne.Window, title, msg, yes string, f func()) {
	d := dialog.NewCustomConfirm(title, yes, tr("Cancel"), wrapped(msg), func(ok bool) {
		if ok {
			f()
		}
	}, w)
	d.Resize(fyne.NewSize(440, 200))
	showDialog(w, d)
}

// confirmCustom asks with custom content before an action.
func confirmCustom(w fyne.Window, title, yes string, body fyne.CanvasObject, f func()) {
	d := dialog.NewCustomConfirm(title, yes, tr("Cancel"), body, func(ok bool) {
		if ok {
			f()
		}
	}, w)
	d.Resize(fyne.NewSize(520, 0))
	showDialog(w, d)
}

// infoDialog tells the person something, with wrapped text.
func infoDialog(w fyne.Window, title, msg string) {
	d := dialog.NewCustom(title, tr("Close"), wrapped(msg), w)
	d.Resize(fyne.NewSize(460, 0))
	showDialog(w, d)
}

// columns lays out its objects side by side with widths in proportion to
// weights, all at the height of the tallest.
type columns struct{ weights []float32 }

// MinSize is the sum of the widths and the largest height.
func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objs {
		m := o.MinSize()
		w += m.Width
		h = max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}

// Layout shares the width out by weight.
func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var total float32
	for i := range objs {
		total += c.weights[i]
	}
	pad := theme.Padding()
	avail := size.Width - pad*float32(len(objs)-1)
	x := float32(0)
	for i, o := range objs {
		w := avail * c.weights[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

// newColumns puts objs side by side with the given relative widths.
func newColumns(weights []float32, objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&columns{weights: weights}, objs...)
}

// card is a framed section with a modest bold title (Fyne's card titles
// are headline-sized).
func card(title string, content fyne.CanvasObject) fyne.CanvasObject {
	if title == "" {
		return widget.NewCard("", "", content)
	}
	return widget.NewCard("", "", container.NewVBox(bold(title), content))
}

// showBackupPassword shows the generated backup password once: without
// it the backup cannot be read on another machine.
func showBackupPassword(w fyne.Window, pw string) {
	text := widget.NewLabelWithStyle(pw, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	text.Selectable = true
	done := copiedLabel()
	cp := widget.NewButtonWithIcon(tr("Copy"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(pw)
		done.say(tr("Copied the password."))
	})
	msg := wrapped(tr("The backup is encrypted with this password. Write it down and keep it outside the office: without it nobody can restore the backup on another machine. It is shown only now."))
	msg.Importance = widget.WarningImportance
	d := dialog.NewCustom(tr("Backup password"), tr("I wrote it down"), container.NewVBox(msg, container.NewBorder(nil, nil, nil, cp, text), done), w)
	d.Resize(fyne.NewSize(520, 0))
	showDialog(w, d)
}

// doneLabel says what a button just did ("Copied", "Saved to …"); it is
// hidden until then.
type doneLabel struct{ *widget.Label }

func copiedLabel() doneLabel {
	l := widget.NewLabel("")
	l.Importance = widget.SuccessImportance
	l.Hide()
	return doneLabel{l}
}

// say shows msg.
func (d doneLabel) say(msg string) {
	d.SetText(msg)
	d.Show()
}

// weekday names the day of t in the person's language.
func weekday(t time.Time) string {
	switch t.Weekday() {
	case time.Monday:
		return tr("Mon")
	case time.Tuesday:
		return tr("Tue")
	case time.Wednesday:
		return tr("Wed")
	case time.Thursday:
		return tr("Thu")
	case time.Friday:
		return tr("Fri")
	case time.Saturday:
		return tr("Sat")
	}
	return tr("Sun")
}
