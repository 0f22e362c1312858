// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed translations
var translations embed.FS

// prefLanguage is the preference that holds the language the person
// chose in the app ("en", "de"; "" or missing: the system's).
const prefLanguage = "language"

// languages are the app's languages, in the order the switch offers
// them, each named in its own language.
var languages = []struct{ code, name string }{{"en", "English"}, {"de", "Deutsch"}}

// catalogue is the chosen language's texts; with none chosen, tr asks
// Fyne, which follows the system locale.
var catalogue struct {
	sync.RWMutex
	code  string
	texts map[string]string
}

// loadTranslations adds the app's English and German texts; Fyne picks the
// language from the system locale (LC_ALL, LC_MESSAGES, LANG, then
// LANGUAGE unless the locale is C) until the person chooses one in the
// app (setLanguage).
func loadTranslations() error {
	err := lang.AddTranslationsFS(translations, "translations")
	if err != nil {
		fyne.LogError("cannot load the translations", err)
	}
	return err
}

// setLanguage makes tr answer in the language code ("en", "de"); ""
// goes back to the system's language. Screens built afterwards use it.
func setLanguage(code string) error {
	if code == "" {
		catalogue.Lock()
		catalogue.code, catalogue.texts = "", nil
		catalogue.Unlock()
		return nil
	}
	b, err := translations.ReadFile("translations/" + code + ".json")
	if err != nil {
		return fmt.Errorf("the app has no texts in the language %q: choose English or Deutsch", code)
	}
	texts := map[string]string{}
	if err := json.Unmarshal(b, &texts); err != nil {
		return fmt.Errorf("the app's %s texts are damaged (%v): reinstall the app", code, err)
	}
	catalogue.Lock()
	catalogue.code, catalogue.texts = code, texts
	catalogue.Unlock()
	return nil
}

// applyLanguagePreference uses the language saved in the preferences, if
// the person chose one.
func applyLanguagePreference(p fyne.Preferences) {
	if err := setLanguage(p.String(prefLanguage)); err != nil {
		fyne.LogError("cannot use the chosen language", err)
	}
}

// currentLanguage is the language tr answers in: "de" or "en".
func currentLanguage() string {
	catalogue.RLock()
	code := catalogue.code
	catalogue.RUnlock()
	if code != "" {
		return code
	}
	systemLanguageOnce.Do(func() {
		systemLanguage = "en"
		if strings.HasPrefix(lang.SystemLocale().LanguageString(), "de") {
			systemLanguage = "de"
		}
	})
	return systemLanguage
}

// systemLanguage is the language the system's locale asks for, "de" or
// "en", read once: list rows format dates on every redraw.
var (
	systemLanguage     string
	systemLanguageOnce sync.Once
)

// tr translates an English text (the key) and fills in printf verbs.
// A text without a translation stays English.
func tr(key string, a ...any) string {
	catalogue.RLock()
	s, ok := catalogue.texts[key]
	chosen := catalogue.texts != nil
	catalogue.RUnlock()
	if !chosen {
		s = lang.L(key)
	} else if !ok {
		s = key
	}
	if len(a) == 0 {
		return s
	}
	return fmt.Sprintf(s, a...)
}
