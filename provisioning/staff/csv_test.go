// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/posse-project/posse/provisioning/site"
)

// people is what every variant of the small list below reads as.
var people = []Person{
	{Line: 2, GivenName: "Jürgen", Surname: "Groß", Departments: []string{"Buchhaltung & Lohn"}},
	{Line: 3, GivenName: "Zoë", Surname: "Dubœuf", Departments: []string{"Empfang", "Labor"}},
	{Line: 4, GivenName: "Anna", Surname: "Müller"},
}

// rows writes the small list with sep; the second person's departments are
// one quoted cell.
func rows(sep string) string {
	return strings.Join([]string{
		"Vorname" + sep + "Nachname" + sep + "Abteilung",
		"Jürgen" + sep + "Groß" + sep + "Buchhaltung & Lohn",
		"Zoë" + sep + "Dubœuf" + sep + `"Empfang; Labor"`,
		"Anna" + sep + "Müller" + sep,
	}, "\r\n") + "\r\n"
}

func utf16LE(s string) []byte {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// cp1252 encodes s, whose characters are all in Windows-1252.
func cp1252Bytes(t *testing.T, s string) []byte {
	var b []byte
	for _, r := range s {
		switch {
		case r < 0x100 && (r < 0x80 || r >= 0xa0):
			b = append(b, byte(r))
		default:
			found := false
			for i, c := range cp1252 {
				if c == r {
					b, found = append(b, byte(0x80+i)), true
				}
			}
			if !found {
				t.Fatalf("%c is not in Windows-1252", r)
			}
		}
	}
	return b
}

func TestParseSeparatorsAndEncodings(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		sep  rune
		enc  string
		// offset is how many lines come before the header.
		offset int
	}{
		{"comma", []byte(rows(",")), ',', "UTF-8", 0},
		{"semicolon with BOM (Excel's CSV UTF-8)", []byte("\ufeff" + rows(";")), ';', "UTF-8 with BOM", 0},
		{"tab", []byte(rows("\t")), '\t', "UTF-8", 0},
		{"LF line ends", []byte(strings.ReplaceAll(rows(";"), "\r\n", "\n")), ';', "UTF-8", 0},
		{"Excel's sep= line", []byte("sep=;\r\n" + rows(";")), ';', "UTF-8", 1},
		{"UTF-16LE (Excel's Unicode text)", utf16LE(rows("\t")), '\t', "UTF-16LE", 0},
		{"Windows-1252 (Excel's plain CSV)", cp1252Bytes(t, rows(";")), ';', "Windows-1252", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, probs := Parse("staff.csv", c.data)
			if len(probs) > 0 {
				t.Fatalf("problems:\n%v", probs)
			}
			if l.Separator != c.sep || l.Encoding != c.enc {
				t.Errorf("separator %q, encoding %s; want %q, %s", l.Separator, l.Encoding, c.sep, c.enc)
			}
			want := make([]Person, len(people))
			for i, p := range people {
				p.Line += c.offset
				want[i] = p
			}
			if !reflect.DeepEqual(l.People, want) {
				t.Errorf("people\n%+v\nwant\n%+v", l.People, want)
			}
		})
	}
}

func TestSniffSeparator(t *testing.T) {
	for _, c := range []struct {
		line string
		want rune
	}{
		{"Vorname;Nachname;Abteilung", ';'},
		{"First name,Last name,Department", ','},
		{"First\tLast", '\t'},
		{`"Name, Vorname";Abteilung`, ';'}, // a comma inside quotes does not count
		{`Vorname;Nachname;"Bereich, Team",Mail`, ';'},
		{"Vorname", ','},
	} {
		if got := sniffSeparator(c.line); got != c.want {
			t.Errorf("sniffSeparator(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	for _, c := range []struct {
		header  string
		row     string
		want    Person
		ignored []string
	}{
		{"First Name,Last Name,Department,Email,Username", "Anna,Müller,Empfang,anna@x.example,amueller",
			Person{GivenName: "Anna", Surname: "Müller", Departments: []string{"Empfang"}, Email: "anna@x.example", Username: "amueller"}, nil},
		{"VORNAME;NACHNAME;ABTEILUNG;E-Mail-Adresse;Benutzername", "Anna;Müller;Empfang;anna@x.example;amueller",
			Person{GivenName: "Anna", Surname: "Müller", Departments: []string{"Empfang"}, Email: "anna@x.example", Username: "amueller"}, nil},
		{"Name;Vorname;Telefon;Raum", "Müller;Anna;-12;3.14",
			Person{GivenName: "Anna", Surname: "Müller"}, []string{"Telefon", "Raum"}},
		{"Name;Nachname;Vorname", "Anna Müller;Müller;Anna", // "Name" is not the surname when there is one
			Person{GivenName: "Anna", Surname: "Müller"}, []string{"Name"}},
		{"surname,given_name,groups,mail,login", "Müller,Anna,Empfang,anna@x.example,amueller",
			Person{GivenName: "Anna", Surname: "Müller", Departments: []string{"Empfang"}, Email: "anna@x.example", Username: "amueller"}, nil},
		{"Prénom;Nom;Team", "Françoise;Lefèvre;Empfang",
			Person{GivenName: "Françoise", Surname: "Lefèvre", Departments: []string{"Empfang"}}, nil},
		{" first  name , last name ", "  Anna  Maria ,\u00a0Müller ",
			Person{GivenName: "Anna Maria", Surname: "Müller"}, nil},
	} {
		l, probs := Parse("staff.csv", []byte(c.header+"\n"+c.row+"\n"))
		if len(probs) > 0 {
			t.Errorf("%s: problems:\n%v", c.header, probs)
			continue
		}
		c.want.Line = 2
		if !reflect.DeepEqual(l.People, []Person{c.want}) || !reflect.DeepEqual(l.Ignored, c.ignored) {
			t.Errorf("%s: %+v, ignored %q; want %+v, ignored %q", c.header, l.People, l.Ignored, c.want, c.ignored)
		}
	}
}

// problemLines is each problem as "FILE:LINE: message".
func problemLines(ps site.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Position()+": "+p.Message)
	}
	return out
}

func TestParseProblems(t *testing.T) {
	for _, c := range []struct {
		name string
		data string
		// want are parts of the problems, one per problem, in order.
		want []string
		// kept is how many people are read despite the problems (-1: no
		// list at all).
		kept int
	}{
		{"a row with a missing name", "Vorname;Nachname\nAnna;Müller\n;Schmidt\nBernd;\n", []string{
			`staff.csv:3: first name is missing (column "Vorname")`,
			`staff.csv:4: last name is missing (column "Nachname")`,
		}, 1},
		{"line numbers count quoted line breaks", "Vorname,Nachname\n\"Anna\nMaria\",Müller\n,Schmidt\nBe\arnd,Weber\n", []string{
			"staff.csv:4: first name is missing",
			"staff.csv:5: first name contains control characters",
		}, 1},
		{"blank rows are skipped", "Vorname;Nachname\n\n;\nAnna;Müller\n ; \n", nil, 1},
		{"more fields than the header", "Vorname;Nachname\nAnna;Müller;Empfang\nBernd;Weber;;\n", []string{
			"staff.csv:2: the row has 3 fields, the header 2",
		}, 1},
		{"a bare quote", "Vorname,Nachname\nPeter \"Pete\",Meyer\nAnna,Müller\n", []string{
			`staff.csv:2: malformed CSV: bare " in non-quoted-field`,
		}, 1},
		{"no first name column", "Nachname;Abteilung\nMüller;Empfang\n", []string{
			`staff.csv:1: the header has no first name column (found: "Nachname", "Abteilung")`,
		}, -1},
		{"a separator Parse does not know", "Vorname|Nachname\nAnna|Müller\n", []string{
			`staff.csv:1: the header has no first name column (found: "Vorname|Nachname")`,
			`staff.csv:1: the header has no last name column`,
		}, -1},
		{"two email columns", "Vorname,Nachname,E-Mail,Mail\n", []string{
			`staff.csv:1: columns "E-Mail" and "Mail" are both the email`,
		}, -1},
		{"empty", "\ufeff\r\n", []string{"staff.csv:1: the staff list is empty"}, -1},
		{"header only", "Vorname;Nachname\r\n", []string{"staff.csv:1: the staff list has a header but no people"}, -1},
		{"a name too long", "Vorname;Nachname\nAnna;" + strings.Repeat("x", 65) + "\n", []string{
			"staff.csv:2: last name is 65 characters long, the limit is 64",
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, probs := Parse("staff.csv", []byte(c.data))
			got := problemLines(probs)
			if len(got) != len(c.want) {
				t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d: %q, want %q", i, got[i], w)
				}
			}
			switch {
			case c.kept < 0 && l != nil:
				t.Errorf("a list of %d people, want none", len(l.People))
			case c.kept >= 0 && (l == nil || len(l.People) != c.kept):
				t.Errorf("list %+v, want %d people", l, c.kept)
			}
		})
	}
}

func TestParseTooMany(t *testing.T) {
	var b strings.Builder
	b.WriteString("Vorname;Nachname\n")
	for range MaxPeople + 1 {
		b.WriteString("Anna;Müller\n")
	}
	_, probs := Parse("big.csv", []byte(b.String()))
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "more than 2000 people") || probs[0].Line != MaxPeople+2 {
		t.Errorf("problems: %v", probs)
	}
}
