// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"
	"unicode"
)

// Folding text for search and for usernames. The app has no Unicode
// normalisation library, so the Latin letters with diacritics (Latin-1,
// Latin Extended-A and -B, Vietnamese) are listed here with their base
// letter; combining marks (a decomposed "ü") are dropped.

// foldFrom and foldTo pair each lower-case letter with its base letter.
const foldFrom = "àáâãäåçèéêëìíîïðñòóôõöøùúûüýÿāăąćĉċčďđēĕ" +
	"ėęěĝğġģĥħĩīĭįıĵķĸĺļľŀłńņňōŏőŕŗřśŝşšţťŧũū" +
	"ŭůűųŵŷźżžſƒơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑ" +
	"ȓȕȗșțȟȧȩȫȭȯȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵ" +
	"ḷḹḻḽḿṁṃṅṇṉṋṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅ" +
	"ẇẉẋẍẏẑẓẕẖẗẘẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗ" +
	"ộớờởỡợụủứừửữựỳỵỷỹ"
const foldTo = "aaaaaaceeeeiiiidnoooooouuuuyyaaaccccddee" +
	"eeegggghhiiiiijkklllllnnnooorrrsssstttuu" +
	"uuuuwyzzzsfouaiouuuuuaagkoojgnaaaeeiioor" +
	"ruusthaeooooyabbbcdddddeeeeefghhhhhiikkk" +
	"llllmmmnnnnoooopprrrrsssssttttuuuuuvvwww" +
	"wwxxyzzzhtwyaaaaaaaaaaaaeeeeeeeeiioooooo" +
	"oooooouuuuuuuyyyy"

// foldMulti are the letters that fold to two.
var foldMulti = map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ĳ': "ij"}

// foldOne maps a letter of foldFrom to its base letter.
var foldOne = func() map[rune]byte {
	m := make(map[rune]byte, len(foldTo))
	i := 0
	for _, r := range foldFrom {
		m[r] = foldTo[i]
		i++
	}
	if i != len(foldTo) {
		panic("fold tables differ in length")
	}
	return m
}()

// fold lower-cases s and takes the diacritics off its letters: "Gül" and
// "GUL" both become "gul", "Yılmaz" "yilmaz", "Weiß" "weiss". Letters
// outside the Latin alphabet are only lower-cased.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// a combining mark: the letter before it stays bare
		default:
			if c, ok := foldOne[r]; ok {
				b.WriteByte(c)
			} else if m, ok := foldMulti[r]; ok {
				b.WriteString(m)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// germanUmlauts are written as German spells them without umlauts.
var germanUmlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue",
	"a\u0308", "ae", "o\u0308", "oe", "u\u0308", "ue", "A\u0308", "Ae", "O\u0308", "Oe", "U\u0308", "Ue")

// foldGerman is fold with the German umlauts spelt out: "Müller" becomes
// "mueller", as in usernames and mail addresses.
func foldGerman(s string) string {
	return fold(germanUmlauts.Replace(s))
}
