// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"strings"

	"github.com/posse-project/posse/rules"
)

// namePart is a name as usernames and addresses spell it: transliterated,
// with only a-z, 0-9 and single hyphens between them; spaces, apostrophes
// and other punctuation are dropped ("O'Brien" → "obrien", "von der
// Heide" → "vonderheide", "Müller-Lüdenscheidt" →
// "mueller-luedenscheidt").
func namePart(s string) string {
	var b strings.Builder
	for _, r := range rules.Transliterate(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		case r == '-' && b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteRune(r)
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// slug is a department as a group name: transliterated, every run of
// characters other than a-z and 0-9 one hyphen ("Buchhaltung & Lohn" →
// "buchhaltung-lohn", "IT / EDV" → "it-edv").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range rules.Transliterate(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}
