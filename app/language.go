// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// languageSelect is the header's language switch: English or Deutsch,
// saved in the app's preferences.
func (s *Shell) languageSelect() fyne.CanvasObject {
	names := make([]string, len(languages))
	for i, l := range languages {
		names[i] = l.name
	}
	sel := widget.NewSelect(names, nil)
	cur := currentLanguage()
	for _, l := range languages {
		if l.code == cur {
			sel.SetSelected(l.name)
		}
	}
	sel.OnChanged = func(name string) {
		for _, l := range languages {
			if l.name == name && l.code != currentLanguage() {
				s.SwitchLanguage(l.code)
			}
		}
	}
	return sel
}

// SwitchLanguage shows the app in the language code ("en", "de") and
// remembers the choice. The screens are built again in the new language,
// with the open screen shown again; while an apply runs the template
// screen must not be rebuilt, so the switch then waits for a restart.
func (s *Shell) SwitchLanguage(code string) {
	if err := setLanguage(code); err != nil {
		showError(s.win, tr("Cannot switch the language"), err)
		return
	}
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(prefLanguage, code)
	}
	if s.Busy() {
		showDialog(s.win, dialog.NewInformation(tr("Language"),
			tr("The new language takes effect when the app is restarted."), s.win))
		return
	}
	cur := s.current
	s.screens = map[string]screen{}
	s.buildNav()
	s.win.SetTitle(s.Title())
	s.win.SetContent(s.Content())
	s.Open(cur)
}
