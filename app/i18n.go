// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"embed"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed translations
var translations embed.FS

// loadTranslations adds the app's English and German texts; Fyne picks the
// language from the system locale (LC_ALL, LC_MESSAGES, LANG, then
// LANGUAGE unless the locale is C).
func loadTranslations() error {
	err := lang.AddTranslationsFS(translations, "translations")
	if err != nil {
		fyne.LogError("cannot load the translations", err)
	}
	return err
}

// tr translates an English text (the key) and fills in printf verbs.
func tr(key string, a ...any) string {
	s := lang.L(key)
	if len(a) == 0 {
		return s
	}
	return fmt.Sprintf(s, a...)
}
