// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// languageSelect is the language switch: English or Deutsch, showing the
// current one; choose is called with the code of another.
func languageSelect(choose func(code string)) *widget.Select {
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
				choose(l.code)
			}
		}
	}
	return sel
}

// chooseLanguage makes tr answer in code and saves the choice in prefs;
// false (after telling the person) when the app has no such texts.
func chooseLanguage(w fyne.Window, prefs fyne.Preferences, code string) bool {
	if err := setLanguage(code); err != nil {
		showError(w, tr("Cannot switch the language"), err)
		return false
	}
	if prefs != nil {
		prefs.SetString(prefLanguage, code)
	}
	return true
}

// languageSelect is the header's language switch.
func (s *Shell) languageSelect() fyne.CanvasObject {
	return languageSelect(s.SwitchLanguage)
}

// SwitchLanguage shows the app in the language code ("en", "de") and
// remembers the choice. The screens are built again in the new language,
// with the open screen shown again; while an apply runs the template
// screen must not be rebuilt, so the switch then waits for a restart.
func (s *Shell) SwitchLanguage(code string) {
	var prefs fyne.Preferences
	if a := fyne.CurrentApp(); a != nil {
		prefs = a.Preferences()
	}
	if !chooseLanguage(s.win, prefs, code) {
		return
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

// SwitchLanguage shows the connect screen in the language code ("en",
// "de") and remembers the choice; what was typed and chosen stays.
func (c *ConnectScreen) SwitchLanguage(code string) {
	remote := c.where.Selected == tr(whereRemote)
	if !chooseLanguage(c.win, c.prefs, code) {
		return
	}
	c.where.Options = []string{tr(whereLocal), tr(whereRemote)}
	if remote {
		c.where.SetSelected(tr(whereRemote))
	} else {
		c.where.SetSelected(tr(whereLocal))
	}
	c.connect.SetText(tr("Connect"))
	c.fillRecent()
	c.win.SetContent(c.Content())
}
