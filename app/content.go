package app

import "fyne.io/fyne/v2"

func content(w fyne.Window, file string) fyne.CanvasObject {
	return NewTemplateScreen(w, file).Content()
}
