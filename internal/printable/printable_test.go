// SPDX-License-Identifier: GPL-3.0-or-later

package printable

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"Anna Müller":         "Anna Müller",
		`\\DC1\anna`:          `\\DC1\anna`,
		"":                    "",
		"red\x1b[31mtext":     `red\x1b[31mtext`,
		"title\x1b]0;pwned\a": `title\x1b]0;pwned\x07`,
		"tab\there":           `tab\there`,
		"line\nbreak\r":       `line\nbreak\r`,
		"del\x7f":             `del\x7f`,
		"bell\a":              `bell\x07`,
		"c1\u0085\u009b":      `c1\u0085\u009b`,
		"ls\u2028ps\u2029":    `ls\u2028ps\u2029`,
		"bidi\u202egpj.exe":   `bidi\u202egpj.exe`,
		"iso\u2066x\u2069":    `iso\u2066x\u2069`,
		"bad\xffutf8":         `bad\xffutf8`,
		"nul\x00":             `nul\x00`,
		"emoji 🙂 and ß":       "emoji 🙂 and ß",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Strings([]string{"a\tb", "c"}); len(got) != 2 || got[0] != `a\tb` || got[1] != "c" {
		t.Errorf("Strings = %q", got)
	}
	if Strings(nil) != nil {
		t.Error("Strings(nil) is not nil")
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"a\x1b[2J", "\xff\xfe", "\u202e", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if needsEscape(out) {
			t.Fatalf("String(%q) = %q still holds characters to escape", s, out)
		}
	})
}
