// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxTemplateSize is the largest template Parse accepts, in bytes.
const MaxTemplateSize = 1 << 20

// Load reads and parses the template at path, with the fragments it
// includes (include.go). See Parse.
func Load(path string) (*Site, error) {
	s, _, err := LoadFlat(path)
	return s, err
}

// LoadFlat is Load that also returns the template as one document, as
// possed reads it: the file's bytes when it includes nothing, else the
// merged template (fragments in, include: out). The bytes are returned
// only when the template could be decoded.
func LoadFlat(path string) (*Site, []byte, error) {
	data, err := readTemplateFile(path)
	if err != nil {
		return nil, nil, readError(path, err)
	}
	return parse(path, data, readTemplateFile)
}

// readError keeps *fs.PathError so os.IsNotExist works on Load's error.
func readError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: "cannot read template", Path: path, Err: pe.Err}
	}
	return fmt.Errorf("cannot read template %s: %w", path, err)
}

// Parse decodes a version 1 template and validates it. file names the
// template in problems. On success it returns the site and a nil error. When
// anything is wrong it returns Problems (as the error) listing every problem
// found, sorted by position; the site is returned too when the YAML could be
// decoded, so callers may still inspect it, but it must not be applied.
//
// Parse keeps the model as written, with one exception:
// directory.password_policy.complexity is set to true when the key is absent
// (AD's default; its zero value false is a valid explicit choice). Every
// other default is applied by the helpers in model.go (RealmName, UserEmail,
// SharePath, RecycleRetention, MustChange, Policy), so a Site built in memory
// gets the same defaults.
func Parse(file string, data []byte) (*Site, error) {
	s, _, err := parse(file, data, nil)
	return s, err
}

// parse is Parse and LoadFlat: read reads included fragments, or is nil
// to refuse include.
func parse(file string, data []byte, read func(string) ([]byte, error)) (*Site, []byte, error) {
	d := &decoder{file: file, pos: map[string]Pos{}}
	root, p := parseYAML(file, data)
	if p != nil {
		return nil, nil, Problems{*p}
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, Problems{{File: file, Line: root.Line, Col: root.Column,
			Message: msgWrongType("a mapping of keys to values", describe(root)), Hint: hintStartVersion + hintSeeDocs}}
	}
	flat := data
	if read == nil {
		if k := findKey(root, includeKey); k >= 0 {
			return nil, nil, Problems{{File: file, Line: root.Content[k].Line, Col: root.Content[k].Column, Path: includeKey,
				Message: errIncludeHere, Hint: hintIncludeHere}}
		}
	} else {
		in := newIncluder(file, len(data), read)
		if in.include(file, root) {
			if len(in.probs) > 0 {
				return nil, nil, in.probs.Err()
			}
			var err error
			if flat, err = flatten(root, in.order); err != nil {
				return nil, nil, fmt.Errorf("cannot write the merged template: %w", err)
			}
			d.files = in.files
		}
	}
	s := &Site{Source: SourceInfo{File: file, Hash: hashOf(flat)}}
	d.unexpanded, d.probs = expandRefs(file, root, d.files)
	d.decode(root, reflect.ValueOf(s).Elem(), "")
	s.pos = d.pos
	if _, ok := d.pos["directory.password_policy.complexity"]; !ok {
		s.Directory.PasswordPolicy.Complexity = true
	}
	probs := d.probs
	if vp, ok := d.pos["version"]; !ok {
		probs = append(probs, Problem{File: file, Line: root.Line, Col: root.Column, Path: "version",
			Message: msgMissing("version"), Hint: hintAddVersion})
		return s, flat, probs.Err()
	} else if s.Version != Version {
		probs = append(probs, Problem{File: file, Line: vp.Line, Col: vp.Col, Path: "version",
			Message: fmt.Sprintf(errVersion, s.Version),
			Hint:    fmt.Sprintf(hintVersion, Version)})
		return s, flat, probs.Err()
	}
	// A value the decoder refused is reported once, not again by a rule
	// about it, its parts, or the objects holding it.
	refused := make(map[string]bool, len(d.refused))   // refused paths
	enclosing := make(map[string]bool, len(d.refused)) // and their parents
	for _, r := range d.refused {
		refused[r] = true
		for p := r; p != ""; p = parentPath(p) {
			enclosing[p] = true
		}
	}
	for _, p := range s.Validate() {
		if !enclosing[p.Path] && !insideRefused(p.Path, refused) {
			probs = append(probs, p)
		}
	}
	return s, flat, probs.Err()
}

// insideRefused reports whether path or one of its parents was refused.
func insideRefused(path string, refused map[string]bool) bool {
	if len(refused) == 0 {
		return false
	}
	for p := path; p != ""; p = parentPath(p) {
		if refused[p] {
			return true
		}
	}
	return refused[""]
}

// parseYAML checks size and encoding and returns the single document's root
// node, or the one problem that stops parsing.
func parseYAML(file string, data []byte) (root *yaml.Node, p *Problem) {
	if len(data) > MaxTemplateSize {
		return nil, &Problem{File: file, Line: 1, Col: 1, Message: msgTooLarge(MaxTemplateSize),
			Hint: hintTooLarge}
	}
	if !utf8.Valid(data) {
		line, col := invalidUTF8At(data)
		return nil, &Problem{File: file, Line: line, Col: col, Message: msgNotUTF8(), Hint: hintUTF8}
	}
	defer func() {
		if r := recover(); r != nil {
			root, p = nil, &Problem{File: file, Line: 1, Col: 1, Message: errUnparsable, Hint: hintSeeDocs}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{File: file, Line: 1, Col: 1, Message: msgEmpty(), Hint: hintStartVersion + hintSeeDocs}
		}
		return nil, yamlProblem(file, data, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line, col := next.Line, next.Column
		if err != nil || line == 0 {
			line, col = secondDocLine(data), 1
		}
		return nil, &Problem{File: file, Line: line, Col: col, Message: msgMultiDoc(), Hint: hintMultiDoc}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Problem{File: file, Line: 1, Col: 1, Message: msgEmpty(), Hint: hintStartVersion + hintSeeDocs}
	}
	r := doc.Content[0]
	if r.Kind == yaml.ScalarNode && r.Tag == "!!null" {
		return nil, &Problem{File: file, Line: 1, Col: 1, Message: msgEmpty(), Hint: hintStartVersion + hintSeeDocs}
	}
	return r, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlProblem turns a yaml.v3 syntax error into a problem. Where the
// text shows a tab, a broken indentation or an unclosed quote at or after
// the line the library names, the problem points there instead (see
// syntaxAt) and quotes the library in the hint.
func yamlProblem(file string, data []byte, err error) *Problem {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	if l, c, what, ok := syntaxAt(data, line); ok && explains(msg, line, l) {
		return &Problem{File: file, Line: l, Col: c, Message: errInvalidYAML + what,
			Hint: fmt.Sprintf("the YAML reader stopped at line %d: %s", line, msg)}
	}
	return &Problem{File: file, Line: line, Message: errInvalidYAML + msg,
		Hint: hintInvalidYAML}
}

// explains reports whether a mistake found at line found may be what the
// library's message msg, given at line, is about.
func explains(msg string, line, found int) bool {
	switch {
	case strings.Contains(msg, "cannot start any token"):
		return found == line
	case strings.Contains(msg, "did not find expected"), strings.Contains(msg, "unexpected end of stream"),
		strings.Contains(msg, "could not find expected ':'"), strings.Contains(msg, "mapping values are not allowed"),
		strings.Contains(msg, "found a tab character"):
		return true
	}
	return false
}

func secondDocLine(data []byte) int {
	line := 1
	seen := false
	for _, l := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("---")) {
			if seen || line > 1 {
				return line
			}
			seen = true
		}
		line++
	}
	return 1
}

func invalidUTF8At(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return line, col
}

func hashOf(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
