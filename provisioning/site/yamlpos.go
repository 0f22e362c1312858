// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"bytes"
	"fmt"
	"strings"
)

// The YAML library reports a syntax error at the line of the block it
// was reading, which for a line indented one space too little is the
// parent key, sometimes many lines above, and it has no word for a tab.
// syntaxAt looks at the text itself for the three mistakes people make
// most, and returns where the first of them is, from the line the library
// named on: a tab in the indentation, a line whose indentation matches
// none of the blocks it could belong to, and a quote that is not closed.
// ok is false when none of them is there.
func syntaxAt(data []byte, from int) (line, col int, msg string, ok bool) {
	lines := bytes.Split(data, []byte("\n"))
	var stack []int // indentation of the open blocks, innermost last
	block := -1     // indentation of a block scalar's key, -1 outside one
	for i, raw := range lines {
		n := i + 1
		l := string(bytes.TrimRight(raw, "\r"))
		trimmed := strings.TrimLeft(l, " ")
		indent := len(l) - len(trimmed)
		if block >= 0 {
			if trimmed == "" || indent > block {
				continue // inside a | or > value
			}
			block = -1
		}
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if trimmed[0] == '\t' {
			if n >= from {
				return n, indent + 1, "a tab in the indentation: YAML indents with spaces only", true
			}
			continue
		}
		// Close the blocks this line leaves; it must then line up with
		// the innermost one still open (or open a deeper one).
		for len(stack) > 0 && stack[len(stack)-1] > indent {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1] < indent && closedDeeper(lines, i, indent) {
			if n >= from {
				return n, indent + 1, fmt.Sprintf("the indentation breaks here: %d spaces, where the lines around it have %s", indent, levels(lines, i)), true
			}
		}
		if len(stack) == 0 || stack[len(stack)-1] < indent {
			stack = append(stack, indent)
		}
		// A list item's content lines up after "- ".
		rest := trimmed
		for strings.HasPrefix(rest, "- ") {
			rest = strings.TrimLeft(rest[2:], " ")
			stack = append(stack, len(l)-len(rest))
		}
		if q, c := openQuote(rest); q != 0 && n >= from {
			return n, len(l) - len(rest) + c + 1, fmt.Sprintf("the value quoted with %c here is not closed on this line", q), true
		}
		if v := valueAfterColon(rest); v == "|" || v == ">" || strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
			block = indent
		}
	}
	return 0, 0, "", false
}

// closedDeeper reports whether the line at i, indented by indent, sits
// between levels: some line before it, since the last line at or above
// indent's level, was indented more. Such a line neither continues the
// deeper block nor returns to an open one.
func closedDeeper(lines [][]byte, i, indent int) bool {
	for j := i - 1; j >= 0; j-- {
		l := string(bytes.TrimRight(lines[j], "\r"))
		t := strings.TrimLeft(l, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		return len(l)-len(t) > indent
	}
	return false
}

// levels names the indentation of the nearest content lines before i.
func levels(lines [][]byte, i int) string {
	seen := map[int]bool{}
	var out []string
	for j := i - 1; j >= 0 && len(out) < 2; j-- {
		l := string(bytes.TrimRight(lines[j], "\r"))
		t := strings.TrimLeft(l, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		if in := len(l) - len(t); !seen[in] {
			seen[in] = true
			out = append(out, fmt.Sprint(in))
		}
	}
	return strings.Join(out, " or ")
}

// openQuote finds a value that opens a quote it does not close on the
// line: the quote character and its byte offset in s, or 0.
func openQuote(s string) (byte, int) {
	v := valueAfterColon(s)
	if v == "" {
		v = s
	}
	off := strings.Index(s, v)
	if v[0] != '"' && v[0] != '\'' {
		return 0, 0
	}
	q := v[0]
	for k := 1; k < len(v); k++ {
		switch {
		case q == '"' && v[k] == '\\':
			k++
		case v[k] == q && q == '\'' && k+1 < len(v) && v[k+1] == '\'':
			k++
		case v[k] == q:
			return 0, 0
		}
	}
	return q, off
}

// valueAfterColon returns what follows "key: " on a mapping line, trimmed,
// or "" when the line is not key: value.
func valueAfterColon(s string) string {
	if s == "" || s[0] == '"' || s[0] == '\'' {
		return ""
	}
	i := strings.Index(s, ": ")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(s[i+2:])
}
