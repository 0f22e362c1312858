// SPDX-License-Identifier: GPL-3.0-or-later

package rules

import (
	"strings"
	"unicode"
)

// Transliteration: how a person's name becomes the ASCII of a username and
// a mail address, wherever Posse derives or suggests one. The rule, also in docs/staff-list.md:
//
//   - German umlauts are spelt out, in every name: ä → ae, ö → oe, ü → ue,
//     ß → ss (also in Turkish names: Öztürk → oeztuerk);
//   - æ → ae, œ → oe, þ → th, ĳ → ij;
//   - every other Latin letter loses its accents and marks: é è ê ë → e,
//     ç → c, ñ → n, ł → l, ø → o, đ ð → d, Turkish ı and İ → i, ğ → g,
//     ş → s, Polish ą ć ę ń ó ś ź ż → a c e n o s z z, and so on;
//   - everything is lower case.
//
// The table is generated from Unicode's decompositions of Latin-1,
// Latin Extended-A and -B and Latin Extended Additional (a letter plus
// combining marks keeps the letter), plus the letters above that have no
// decomposition. A name typed with combining marks (u + U+0308) folds like
// the precomposed letter. Letters of other scripts have no ASCII form here
// and are dropped by Transliterate.

// foldGroups pairs an ASCII spelling with the lower-case letters that fold
// to it. The umlauts are not under a, o and u: they are spelt out.
var foldGroups = [...]struct{ to, from string }{
	{"a", "àáâãåāăąǎǟǡǻȁȃȧḁạảấầẩẫậắằẳẵặ"},
	{"b", "ḃḅḇƀ"},
	{"c", "çćĉċčḉ"},
	{"d", "ďḋḍḏḑḓđð"},
	{"e", "èéêëēĕėęěȅȇȩḕḗḙḛḝẹẻẽếềểễệ"},
	{"f", "ḟƒ"},
	{"g", "ĝğġģǧǵḡǥ"},
	{"h", "ĥȟḣḥḧḩḫẖħ"},
	{"i", "ìíîïĩīĭįǐȉȋḭḯỉịı"},
	{"j", "ĵǰȷ"},
	{"k", "ķǩḱḳḵĸ"},
	{"l", "ĺļľḷḹḻḽłŀ"},
	{"m", "ḿṁṃ"},
	{"n", "ñńņňǹṅṇṉṋŉŋ"},
	{"o", "òóôõōŏőơǒǫǭȍȏȫȭȯȱṍṏṑṓọỏốồổỗộớờởỡợøǿ"},
	{"p", "ṕṗ"},
	{"r", "ŕŗřȑȓṙṛṝṟ"},
	{"s", "śŝşšșṡṣṥṧṩſ"},
	{"t", "ţťțṫṭṯṱẗŧ"},
	{"u", "ùúûũūŭůűųưǔǖǘǚǜȕȗṳṵṷṹṻụủứừửữự"},
	{"v", "ṽṿ"},
	{"w", "ŵẁẃẅẇẉẘ"},
	{"x", "ẋẍ"},
	{"y", "ýÿŷȳẏẙỳỵỷỹ"},
	{"z", "źżžẑẓẕƶ"},
	{"ae", "äæǣǽ"},
	{"oe", "öœ"},
	{"ue", "ü"},
	{"ss", "ß"},
	{"th", "þ"},
	{"ij", "ĳ"},
}

// fold maps a lower-case letter to its ASCII spelling.
var fold = func() map[rune]string {
	m := map[rune]string{}
	for _, g := range foldGroups {
		for _, r := range g.from {
			if _, dup := m[r]; dup {
				panic("rules: letter " + string(r) + " is in two fold groups")
			}
			m[r] = g.to
		}
	}
	return m
}()

// umlautBase are the letters that a combining diaeresis (U+0308) turns
// into a German umlaut.
var umlautBase = map[rune]string{'a': "ae", 'o': "oe", 'u': "ue"}

// Transliterate returns s in lower-case ASCII by the rule above: "Jürgen
// Groß" → "juergen gross", "İsmail Şahin" → "ismail sahin", "Łucja
// Wąsowska" → "lucja wasowska", "Françoise Lefèvre" → "francoise lefevre".
// ASCII characters other than letters (spaces, apostrophes, hyphens,
// digits) are kept; letters and marks without an ASCII form are dropped.
func Transliterate(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := unicode.ToLower(rs[i])
		switch {
		case r < 0x80:
			// A decomposed umlaut: the letter, then U+0308.
			if u, ok := umlautBase[r]; ok && i+1 < len(rs) && rs[i+1] == '\u0308' {
				b.WriteString(u)
				i++
				continue
			}
			b.WriteRune(r)
		case r == '\u0130': // İ, should ToLower ever keep its dot
			b.WriteByte('i')
		default:
			if a, ok := fold[r]; ok {
				b.WriteString(a)
			}
			// Combining marks (a decomposed é) and letters of other
			// scripts are dropped.
		}
	}
	return b.String()
}
