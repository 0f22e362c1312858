// SPDX-License-Identifier: GPL-3.0-or-later

// Package printable makes text from outside (names, descriptions, mail
// addresses read from the directory or sent by possed) safe to print on a
// terminal: a user named with an escape sequence must not be able to
// recolour, retitle or rewrite the screen of whoever lists the users.
package printable

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every character that could change a terminal or
// the look of the text around it written as a Go escape: control
// characters (C0 including tab and newline, DEL, C1) as \t, \n, \x1b,
// \u0085; Unicode line and paragraph separators and the invisible
// direction marks and overrides (U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069) as \u2028, \u202e; invalid UTF-8 bytes as \xff. Other
// text, backslashes included, is kept as it is.
func String(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case escaped(r):
			switch r {
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r < 0x80 {
					fmt.Fprintf(&b, `\x%02x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Strings applies String to each of ss, in a new slice.
func Strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = String(s)
	}
	return out
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if escaped(r) {
			return true
		}
	}
	return false
}

func escaped(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r == '\u200e' || r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
