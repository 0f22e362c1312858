//go:build !posse_wip

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

func content(w fyne.Window, file string) fyne.CanvasObject { return widget.NewLabel("Posse") }
