package app

import (
	"embed"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed translations
var translations embed.FS

// loadTranslations adds the app's English and German texts; Fyne picks the
// language from the system locale (LANGUAGE, LC_ALL, LANG).
func loadTranslations() {
	if os.Getenv("LANGUAGE") == "" {
		// The C and POSIX locales are English but not language tags.
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if l := os.Getenv(v); l != "" {
				if l == "C" || l == "POSIX" || strings.HasPrefix(l, "C.") {
					os.Setenv("LANGUAGE", "en")
				}
				break
			}
		}
	}
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		fyne.LogError("cannot load the translations", err)
	}
}

// tr translates an English text (the key) and fills in printf verbs.
func tr(key string, a ...any) string {
	s := lang.L(key)
	if len(a) == 0 {
		return s
	}
	return fmt.Sprintf(s, a...)
}
