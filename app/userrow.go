// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// userRow is one row of the users list: display name (bold), username,
// address and, for a disabled account, a note. It draws plain canvas
// texts and cuts them to their column itself, from cached glyph widths:
// a widget.Label re-shapes its text on every change, which costs about
// a thousand times more and makes scrolling through thousands of users
// stutter (see BenchmarkUserRowUpdate).
type userRow struct {
	widget.BaseWidget
	full     [3]string
	disabled bool
}

var rowWeights = [3]float32{3, 2.6, 4.4}

func newUserRowWidget() *userRow {
	r := &userRow{}
	r.ExtendBaseWidget(r)
	return r
}

// set shows a user; it allocates only when a text must be cut.
func (r *userRow) set(name, username, email string, disabled bool) {
	if r.full == [3]string{name, username, email} && r.disabled == disabled {
		return
	}
	r.full = [3]string{name, username, email}
	r.disabled = disabled
	r.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (r *userRow) CreateRenderer() fyne.WidgetRenderer {
	rr := &userRowRenderer{row: r, state: canvas.NewText(tr("disabled"), theme.Color(theme.ColorNameWarning))}
	for i := range rr.texts {
		rr.texts[i] = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	}
	rr.texts[0].TextStyle = fyne.TextStyle{Bold: true}
	return rr
}

type userRowRenderer struct {
	row   *userRow
	texts [3]*canvas.Text
	state *canvas.Text
	size  fyne.Size
}

func (rr *userRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{rr.texts[0], rr.texts[1], rr.texts[2], rr.state}
}

func (rr *userRowRenderer) Destroy() {}

func (rr *userRowRenderer) MinSize() fyne.Size {
	h := fyne.MeasureText("Ag", theme.TextSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(4*theme.InnerPadding(), h+2*theme.InnerPadding())
}

func (rr *userRowRenderer) Layout(size fyne.Size) {
	rr.size = size
	pad := theme.InnerPadding()
	textSize := theme.TextSize()
	avail := size.Width - pad
	// The note's column is kept on every row so that columns line up.
	rr.state.Text = tr("disabled")
	rr.state.TextSize = textSize
	sw := fyne.MeasureText(rr.state.Text, textSize, rr.state.TextStyle).Width
	rr.state.Move(fyne.NewPos(size.Width-sw-pad, 0))
	rr.state.Resize(fyne.NewSize(sw, size.Height))
	rr.state.Hidden = !rr.row.disabled
	avail -= sw + pad
	var total float32
	for _, w := range rowWeights {
		total += w
	}
	x := pad
	for i, t := range rr.texts {
		w := avail*rowWeights[i]/total - pad
		t.TextSize = textSize
		t.Text = fitText(rr.row.full[i], w, textSize, t.TextStyle)
		t.Move(fyne.NewPos(x, 0))
		t.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (rr *userRowRenderer) Refresh() {
	fg := theme.Color(theme.ColorNameForeground)
	for _, t := range rr.texts {
		t.Color = fg
	}
	rr.state.Color = theme.Color(theme.ColorNameWarning)
	rr.Layout(rr.size)
	for _, o := range rr.Objects() {
		o.Refresh()
	}
}

type glyphKey struct {
	r    rune
	size float32
	bold bool
}

// glyphWidths caches advance widths; used on the UI goroutine only.
var glyphWidths = map[glyphKey]float32{}

func glyphWidth(r rune, size float32, style fyne.TextStyle) float32 {
	k := glyphKey{r, size, style.Bold}
	w, ok := glyphWidths[k]
	if !ok {
		w = fyne.MeasureText(string(r), size, style).Width
		glyphWidths[k] = w
	}
	return w
}

// fitText cuts s with "…" so that it fits into width (kerning ignored).
func fitText(s string, width, size float32, style fyne.TextStyle) string {
	var w float32
	ell := glyphWidth('…', size, style)
	cut := -1
	for i, r := range s {
		w += glyphWidth(r, size, style)
		if cut < 0 && w+ell > width {
			cut = i
		}
		if w > width {
			if cut < 0 {
				return ""
			}
			return s[:cut] + "…"
		}
	}
	return s
}
