// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/posse-project/posse/rules"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/posse-project/posse/provisioning/site"
)

// Limits on a staff list. Posse is for offices of 5 to 50 people; the
// limits only stop a wrong file early.
const (
	// MaxFileSize is the largest staff list Parse reads, in bytes.
	MaxFileSize = 4 << 20
	// MaxPeople is the most rows a staff list may have.
	MaxPeople = 2000
)

// Field is a column of a staff list that Parse recognises.
type Field int

// The columns. Only the first and last name are required.
const (
	GivenName Field = iota
	Surname
	Department
	Email
	Username
	fieldCount
)

var fieldNames = [fieldCount]string{"first name", "last name", "department", "email", "username"}

func (f Field) String() string { return fieldNames[f] }

// headerNames are the header names of each column, folded (see headerKey):
// English and German as spreadsheets and HR exports write them, and French
// for the names. "name" is a surname only when no other column is one
// (German lists often have "Name" and "Vorname").
var headerNames = map[string]Field{
	"firstname": GivenName, "first": GivenName, "givenname": GivenName, "given": GivenName,
	"forename": GivenName, "vorname": GivenName, "rufname": GivenName, "prenom": GivenName,

	"lastname": Surname, "last": Surname, "surname": Surname, "familyname": Surname,
	"nachname": Surname, "familienname": Surname, "nom": Surname,

	"department": Department, "dept": Department, "departement": Department, "team": Department,
	"group": Department, "groups": Department, "abteilung": Department, "bereich": Department,
	"gruppe": Department, "gruppen": Department,

	"email": Email, "emailaddress": Email, "mail": Email, "mailaddress": Email,
	"emailadresse": Email, "mailadresse": Email,

	"username": Username, "user": Username, "login": Username, "loginname": Username,
	"account": Username, "accountname": Username, "samaccountname": Username,
	"benutzername": Username, "benutzer": Username, "anmeldename": Username, "kennung": Username,
}

// headerKey folds a header cell for lookup: transliterated, letters and
// digits only ("E-Mail-Adresse" → "emailadresse", "First Name" →
// "firstname").
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range rules.Transliterate(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Person is one row of a staff list, as written (spaces trimmed).
type Person struct {
	// Line is the line of the file the row starts on.
	Line      int
	GivenName string
	Surname   string
	// Departments are the row's departments; a cell may list several,
	// separated by ";".
	Departments []string
	// Email and Username are empty when the column is absent or the cell
	// empty: they are then derived from the name.
	Email    string
	Username string
}

// List is a parsed staff list.
type List struct {
	File   string
	People []Person
	// Separator is the field separator found: ',', ';' or '\t'.
	Separator rune
	// Encoding is how the file was read: "UTF-8", "UTF-8 with BOM",
	// "UTF-16LE", "UTF-16BE" or "Windows-1252".
	Encoding string
	// Columns are the header cells recognised, by field.
	Columns map[Field]string
	// Ignored are the header cells Parse does not know; their columns are
	// not read.
	Ignored []string
}

// Parse reads a staff list exported from a spreadsheet: CSV with a header
// row, fields separated by ',', ';' or tab (whichever the header line has
// most of, or as an Excel "sep=;" first line says), in UTF-8 with or
// without a byte order mark, UTF-16 with one, or else Windows-1252 (what
// Excel's plain "CSV" saves in Western Europe). Columns are found by their
// header names, in any order and case (see headerNames); others are
// ignored. file names the list in problems.
//
// It returns every row it could read and, as site.Problems, every problem
// with the file and line: unreadable rows and rows without a first or last
// name are left out of the list. A problem with the file as a whole (empty,
// no header, a required column missing) returns a nil list.
func Parse(file string, data []byte) (*List, site.Problems) {
	fail := func(line int, msg, hint string) (*List, site.Problems) {
		return nil, site.Problems{{File: file, Line: line, Message: msg, Hint: hint}}
	}
	if len(data) > MaxFileSize {
		return fail(1, fmt.Sprintf("the staff list is larger than %d MiB", MaxFileSize>>20), "a staff list has one row per person; check that this is the right file")
	}
	text, enc := decode(data)
	l := &List{File: file, Encoding: enc, Columns: map[Field]string{}}
	// Excel's "sep=;" line names the separator.
	offset := 0
	first, rest, _ := strings.Cut(text, "\n")
	if s := strings.TrimRight(first, "\r"); len(s) == 5 && strings.HasPrefix(strings.ToLower(s), "sep=") {
		l.Separator = rune(s[4])
		text, offset = rest, 1
	} else {
		l.Separator = sniffSeparator(first)
	}
	if strings.TrimSpace(text) == "" {
		return fail(1, "the staff list is empty", hintHeader)
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = l.Separator
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fail(1+offset, "cannot read the header line: "+csvError(err), hintHeader)
	}
	hline, _ := cr.FieldPos(0)
	hline += offset
	col, probs := l.columns(header, hline)
	if len(probs) > 0 {
		return nil, probs
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				probs = append(probs, site.Problem{File: file, Line: hline, Message: "cannot read the staff list: " + err.Error()})
				break
			}
			probs = append(probs, site.Problem{File: file, Line: pe.StartLine + offset, Message: "malformed CSV: " + csvError(err),
				Hint: `a field with quotes must be quoted as a whole, with quotes inside doubled: "Peter ""Pete"" Meyer"`})
			if errors.Is(pe.Err, csv.ErrQuote) {
				break // an open quote swallowed the rest of the file
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		line += offset
		if blank(rec) {
			continue
		}
		if len(l.People) >= MaxPeople {
			return fail(line, fmt.Sprintf("the staff list has more than %d people", MaxPeople), "split the list, or add the rest through the app or 'possectl users import'")
		}
		p, rowProbs := l.person(rec, col, len(header), line)
		probs = append(probs, rowProbs...)
		if len(rowProbs) == 0 {
			l.People = append(l.People, p)
		}
	}
	if len(l.People) == 0 && len(probs) == 0 {
		return fail(hline, "the staff list has a header but no people", "add one row per person below the header")
	}
	probs.Sort()
	return l, probs
}

const hintHeader = "the first line names the columns, such as Vorname;Nachname;Abteilung or First name,Last name,Department (see docs/staff-list.md)"

// columns maps the header to fields.
func (l *List) columns(header []string, line int) (col [fieldCount]int, probs site.Problems) {
	for i := range col {
		col[i] = -1
	}
	nameCol := -1
	for i, h := range header {
		h = clean(h)
		key := headerKey(h)
		f, ok := headerNames[key]
		switch {
		case key == "name":
			nameCol = i
			continue
		case !ok:
			if h != "" {
				l.Ignored = append(l.Ignored, h)
			}
			continue
		case col[f] >= 0:
			probs = append(probs, site.Problem{File: l.File, Line: line,
				Message: fmt.Sprintf("columns %q and %q are both the %s", l.Columns[f], h, f),
				Hint:    "remove or rename one of them"})
			continue
		}
		col[f] = i
		l.Columns[f] = h
	}
	if nameCol >= 0 {
		h := clean(header[nameCol])
		if col[Surname] < 0 {
			col[Surname] = nameCol
			l.Columns[Surname] = h
		} else {
			l.Ignored = append(l.Ignored, h)
		}
	}
	for _, f := range []Field{GivenName, Surname} {
		if col[f] >= 0 {
			continue
		}
		hint := hintHeader
		if len(header) == 1 && strings.ContainsAny(header[0], ",;\t|") {
			hint = "the fields are separated by ',', ';' or tab; " + hint
		}
		probs = append(probs, site.Problem{File: l.File, Line: line,
			Message: fmt.Sprintf("the header has no %s column (found: %s)", f, quoteList(header)), Hint: hint})
	}
	return col, probs
}

// person reads one row.
func (l *List) person(rec []string, col [fieldCount]int, width, line int) (Person, site.Problems) {
	var probs site.Problems
	bad := func(msg, hint string) {
		probs = append(probs, site.Problem{File: l.File, Line: line, Message: msg, Hint: hint})
	}
	if len(rec) > width && !blank(rec[width:]) {
		bad(fmt.Sprintf("the row has %d fields, the header %d", len(rec), width),
			fmt.Sprintf("check the row's separators (%s) and quotes", sepName(l.Separator)))
		return Person{}, probs
	}
	get := func(f Field) string {
		if i := col[f]; i >= 0 && i < len(rec) {
			return clean(rec[i])
		}
		return ""
	}
	p := Person{Line: line, GivenName: get(GivenName), Surname: get(Surname), Email: get(Email), Username: get(Username)}
	for _, f := range []struct {
		field Field
		v     string
	}{{GivenName, p.GivenName}, {Surname, p.Surname}} {
		if f.v == "" {
			bad(fmt.Sprintf("%s is missing (column %q)", f.field, l.Columns[f.field]),
				"every person needs a first and a last name; remove the row if it is not a person")
		} else if err := site.TextError(f.field.String(), f.v, site.MaxNameFieldLen); err != nil {
			bad(err.Error(), "")
		}
	}
	for _, d := range strings.Split(get(Department), ";") {
		if d = clean(d); d == "" {
			continue
		}
		if err := site.TextError("department", d, site.MaxDescriptionLen); err != nil {
			bad(err.Error(), "")
			continue
		}
		p.Departments = append(p.Departments, d)
	}
	for _, f := range []struct {
		field Field
		v     string
	}{{Email, p.Email}, {Username, p.Username}} {
		if site.HasControl(f.v) {
			bad(f.field.String()+" contains control characters", "")
		}
	}
	return p, probs
}

// decode turns the file's bytes into text: UTF-8 (a BOM dropped), UTF-16
// with a BOM, or Windows-1252 when the bytes are not UTF-8.
func decode(data []byte) (string, string) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		return string(data[3:]), "UTF-8 with BOM"
	case bytes.HasPrefix(data, []byte("\xff\xfe")):
		return utf16Text(data[2:], false), "UTF-16LE"
	case bytes.HasPrefix(data, []byte("\xfe\xff")):
		return utf16Text(data[2:], true), "UTF-16BE"
	case utf8.Valid(data):
		return string(data), "UTF-8"
	}
	var b strings.Builder
	for _, c := range data {
		if c >= 0x80 && c < 0xa0 {
			b.WriteRune(cp1252[c-0x80])
		} else {
			b.WriteRune(rune(c)) // Latin-1
		}
	}
	return b.String(), "Windows-1252"
}

func utf16Text(data []byte, bigEndian bool) string {
	u := make([]uint16, len(data)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// cp1252 are the characters of bytes 0x80–0x9f in Windows-1252; the five
// bytes it leaves undefined stay C1 control characters, which the name
// checks refuse.
var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// sniffSeparator picks the separator the header line has most of outside
// quotes: ';' (Excel in Germany), ',' or tab; ',' when it has none.
func sniffSeparator(line string) rune {
	count := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			count[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if count[r] > count[best] {
			best = r
		}
	}
	return best
}

func sepName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", r)
}

// clean trims spaces (no-break spaces too) and makes each run of spaces
// inside one space.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

func blank(rec []string) bool {
	for _, f := range rec {
		if clean(f) != "" {
			return false
		}
	}
	return true
}

// csvError is the reason of a CSV error without encoding/csv's position
// prefix (the problem carries the line).
func csvError(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func quoteList(cells []string) string {
	q := make([]string, 0, len(cells))
	for _, c := range cells {
		if c = clean(c); c != "" {
			q = append(q, fmt.Sprintf("%q", c))
		}
	}
	if len(q) == 0 {
		return "nothing"
	}
	return strings.Join(q, ", ")
}
