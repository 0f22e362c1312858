package site

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a template, tied to the place it was
// found. Line and Col are 1-based; they are 0 when the site was not parsed
// from a file (for example a Site built in memory and then validated).
// Problems never contain secret values.
type Problem struct {
	File string
	Line int
	Col  int
	// Path is the model path of the offending value, such as
	// users[3].groups[1]; indices are 0-based.
	Path string
	// Message says what is wrong, in lower case.
	Message string
	// Hint says what to do next; may be empty.
	Hint string
}

// Position returns "FILE:LINE:COL", dropping the parts that are unknown.
// Without a line it returns the model path instead.
func (p Problem) Position() string {
	return formatPos(p.File, p.Line, p.Col, p.Path)
}

func formatPos(file string, line, col int, path string) string {
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d", fileOr(file), line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d", fileOr(file), line)
	case file != "" && path != "":
		return file + ": " + path
	case file != "":
		return file
	case path != "":
		return path
	}
	return "template"
}

func fileOr(file string) string {
	if file == "" {
		return "template"
	}
	return file
}

// Error prints the problem as "FILE:LINE:COL: message", followed by an
// indented "hint: …" line when there is a hint.
func (p Problem) Error() string {
	s := p.Position() + ": " + p.Message
	if p.Hint != "" {
		s += "\n  hint: " + p.Hint
	}
	return s
}

// Problems is every problem found in one run. It implements error; a nil or
// empty Problems means nothing is wrong (use Err to get a nil error).
type Problems []Problem

// Error prints one problem per line (plus hint lines).
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil when there are no problems and the sorted problems
// otherwise. Use it to avoid returning a non-nil error holding an empty list.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	ps.Sort()
	return ps
}

// Sort orders problems by file, line, column, then message, and drops exact
// duplicates.
func (ps *Problems) Sort() {
	s := *ps
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, p := range s {
		if i > 0 && p == s[i-1] {
			continue
		}
		out = append(out, p)
	}
	*ps = out
}

// The messages below are every message this package produces, kept in one
// place so they stay consistent: lower case, saying what is wrong and, in
// the hint, what to do next. None of them takes a secret value.

const (
	hintSeeDocs     = "see docs/templates.md for the template format"
	hintQuote       = "put the value in double quotes to make it a string"
	hintNoAnchors   = "write the value out in full; anchors (&) and aliases (*) are not supported"
	hintInline      = "put the value in the secrets file and write ${secret:NAME} here"
	hintOnCalendar  = `use a systemd OnCalendar expression such as "daily" or "*-*-* 22:00"; see systemd.time(7)`
	hintControl     = "remove tabs, newlines and other control characters"
	hintAbsPathSrv  = "use an absolute path below /srv such as /srv/posse/shares/name"
	hintSecretName  = "secret names are 1 to 64 of a-z, 0-9 and _"
	msgInlineSecret = "inline passwords are refused: use ${secret:NAME} and put the value in the secrets file"
)

func msgTooLarge(limit int) string {
	return fmt.Sprintf("template is larger than %d bytes", limit)
}

func msgNotUTF8() string { return "template is not valid UTF-8" }

func msgEmpty() string { return "template is empty" }

func msgMultiDoc() string { return "template holds more than one YAML document" }

func msgAnchor() string { return "YAML anchors and aliases are not allowed" }

func msgMergeKey() string { return "YAML merge keys (<<) are not allowed" }

func msgUnknownKey(key string) string { return fmt.Sprintf("unknown key %q", key) }

func hintDidYouMean(s string) string { return fmt.Sprintf("did you mean %q?", s) }

func msgDuplicateKey(key, first string) string {
	return fmt.Sprintf("duplicate key %q (first defined at %s)", key, first)
}

func msgWrongType(want, got string) string {
	return fmt.Sprintf("expected %s, got %s", want, got)
}

func msgMissing(key string) string { return fmt.Sprintf("missing required key %q", key) }

func msgDuplicate(what, name, first string) string {
	return fmt.Sprintf("duplicate %s %q (first defined at %s)", what, name, first)
}

func msgUnknownGroup(name string) string { return fmt.Sprintf("unknown group %q", name) }

func msgSecretMissing(name string) string { return fmt.Sprintf("secret %q is not set", name) }

func hintSecretMissing(name string) string {
	return fmt.Sprintf("add %s to the secrets file or set %s", name, EnvPrefix+strings.ToUpper(name))
}
