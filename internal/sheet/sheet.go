// SPDX-License-Identifier: GPL-3.0-or-later

// Package sheet is the password sheet handed to a person with their new
// account: how to log on the first time, the folders their groups reach,
// and mail on a phone. One content, two forms: the app shows and saves it
// as text, possectl prints one PDF page per user (see PDF).
package sheet

import (
	"fmt"
	"strings"

	"github.com/posse-project/posse/rules"
)

// Input is what one person's sheet says. Empty strings are unknown and
// left out.
type Input struct {
	// Name is how the sheet addresses the person (display name).
	Name string
	// Logon is what to type at Windows' logon: WORKGROUP\user.
	Logon string
	// Password is the initial (MustChange) or current password.
	Password   string
	MustChange bool
	// Server is the box's host name.
	Server string
	// Policy is the site's password policy; nil when not known.
	Policy *rules.PasswordPolicy
	// Folders are the shares the person's groups reach.
	Folders []Folder
	// Home is the home folder's network path, shown as H:.
	Home string
	// AskAdmin adds "ask the administrator" when no folder is listed.
	AskAdmin bool
	// Email is the person's mail address; "" leaves mail out.
	Email string
	// MailHost is the mail server's name for a phone's settings.
	MailHost string
}

// Folder is a share on the sheet.
type Folder struct {
	// Path is the network path, \\server\share.
	Path  string
	Write bool
}

// Tr translates a message format and fills it in, as fmt.Sprintf does;
// the app passes its catalogue, possectl English.
type Tr func(format string, a ...any) string

// English is the Tr that does not translate.
func English(format string, a ...any) string {
	if len(a) == 0 {
		return format
	}
	return fmt.Sprintf(format, a...)
}

// Kind is how a line of a section is laid out.
type Kind int

// The kinds of line.
const (
	// Row is "key: value" in two columns.
	Row Kind = iota
	// Cell is a value in two columns without the colon (a folder).
	Cell
	// Para is a paragraph of text.
	Para
	// Step is a numbered step.
	Step
	// Blank is an empty line.
	Blank
)

// Line is one line of a section, before wrapping.
type Line struct {
	Kind Kind
	Key  string // Row and Cell
	Text string
	N    int // Step's number
	// Secret marks a password: printed in a typeface that tells l, 1
	// and I, O and 0 apart.
	Secret bool
}

// Section is a titled part of the sheet.
type Section struct {
	Title string
	Lines []Line
}

// Sheet is one person's sheet.
type Sheet struct {
	Title    string
	Sections []Section
}

// Build puts in's sheet together in the words of tr.
func Build(in Input, tr Tr) Sheet {
	sh := Sheet{Title: tr("Your account, %s", in.Name)}
	logon := Section{Title: tr("Logging on to an office computer")}
	row := func(s *Section, k, v string) { s.Lines = append(s.Lines, Line{Kind: Row, Key: k, Text: v}) }
	add := func(s *Section, k Kind, n int, text string) {
		s.Lines = append(s.Lines, Line{Kind: k, N: n, Text: text})
	}
	row(&logon, tr("Username"), in.Logon)
	key := tr("Password")
	if in.MustChange {
		key = tr("Initial password")
	}
	logon.Lines = append(logon.Lines, Line{Kind: Row, Key: key, Text: in.Password, Secret: true})
	if in.Server != "" {
		row(&logon, tr("Server"), in.Server)
	}
	add(&logon, Blank, 0, "")
	if !in.MustChange {
		add(&logon, Para, 0, tr("Press Ctrl+Alt+Del and log on as %s with the password above.", in.Logon))
	} else {
		add(&logon, Step, 1, tr("Press Ctrl+Alt+Del and log on as %s with the password above.", in.Logon))
		switch {
		case in.Policy == nil:
			add(&logon, Step, 2, tr("Windows asks for a new password: choose your own, one nobody else knows, and type it twice."))
		case in.Policy.Complexity:
			add(&logon, Step, 2, tr("Windows asks for a new password: choose your own, at least %d characters with three of capitals, small letters, digits and other characters, without your user name. Type it twice.", in.Policy.MinLength))
		default:
			add(&logon, Step, 2, tr("Windows asks for a new password: choose your own, at least %d characters, and type it twice.", in.Policy.MinLength))
		}
		add(&logon, Step, 3, tr("From then on use your own password, also for mail. The password on this sheet no longer works."))
	}
	sh.Sections = append(sh.Sections, logon)

	if len(in.Folders) > 0 || in.Home != "" || in.AskAdmin {
		f := Section{Title: tr("Your folders on the server")}
		for _, fo := range in.Folders {
			how := tr("read only")
			if fo.Write {
				how = tr("read and write")
			}
			f.Lines = append(f.Lines, Line{Kind: Cell, Key: fo.Path, Text: how})
		}
		if in.Home != "" {
			f.Lines = append(f.Lines, Line{Kind: Cell, Key: "H:", Text: tr("your own folder (%s)", in.Home)})
		}
		if len(in.Folders) == 0 && in.AskAdmin {
			add(&f, Para, 0, tr("Ask the administrator which shared folders you can use."))
		}
		sh.Sections = append(sh.Sections, f)
	}

	if in.Email != "" {
		m := Section{Title: tr("Mail on your phone or laptop")}
		row(&m, tr("Mail address"), in.Email)
		if in.MailHost != "" {
			row(&m, tr("Incoming (IMAP)"), tr("%s, port 993, SSL/TLS", in.MailHost))
			row(&m, tr("Outgoing (SMTP)"), tr("%s, port 587, STARTTLS", in.MailHost))
		}
		row(&m, tr("Username"), in.Email)
		row(&m, tr("Password"), tr("the same as for the computer"))
		if in.MustChange {
			add(&m, Para, 0, tr("Set up mail after the first logon: mail works only once you chose your own password."))
		}
		sh.Sections = append(sh.Sections, m)
	}
	return sh
}

// Width is where the text form's sentences wrap, in characters.
const Width = 72

// Text is the sheet as plain text, wrapped at Width.
func (s Sheet) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", s.Title)
	for _, sec := range s.Sections {
		fmt.Fprintf(&b, "\n%s\n", sec.Title)
		for _, l := range sec.Lines {
			switch l.Kind {
			case Row:
				fmt.Fprintf(&b, "  %-22s %s\n", l.Key+":", l.Text)
			case Cell:
				fmt.Fprintf(&b, "  %-22s %s\n", l.Key, l.Text)
			case Blank:
				b.WriteString("\n")
			case Para:
				for _, w := range Wrap(l.Text, Width-2) {
					b.WriteString(strings.TrimRight("  "+w, " ") + "\n")
				}
			case Step:
				for i, w := range Wrap(l.Text, Width-5) {
					if i == 0 {
						fmt.Fprintf(&b, "  %d. %s\n", l.N, w)
					} else {
						fmt.Fprintf(&b, "     %s\n", w)
					}
				}
			}
		}
	}
	return b.String()
}

// Wrap breaks text into lines of at most width characters at spaces.
func Wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}
