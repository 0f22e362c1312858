// Package app holds the screens of the Posse desktop app, one file per screen.
package app

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
)

// Run starts the app and blocks until its window closes. A template file
// given on the command line is opened in the site template screen.
func Run(templateFile string) {
	a := fyneapp.NewWithID("org.posse.Posse")
	w := a.NewWindow("Posse")
	w.SetContent(content(w, templateFile))
	w.Resize(fyne.NewSize(1024, 700))
	w.ShowAndRun()
}
