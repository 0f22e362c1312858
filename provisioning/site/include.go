// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// A template may include fragments: include: [common/groups.yaml, …] at
// the top, paths relative to the including file. Load reads them (Parse,
// which has no folder to read from, refuses include) and merges each
// fragment's tree into the including file's before references are expanded
// and the model is decoded, so every rule sees one template and every
// value keeps the file, line and column it was written at. The merge:
//
//   - mappings are merged key by key, at any depth;
//   - lists are joined, the included items first, in include order;
//   - a single value (a string, number or true/false) may be set in one
//     file only: set in two, it is a problem naming both places; the same
//     goes for a value that is a list in one file and a mapping in another;
//   - a key left empty (mail:) in one file takes the other file's value.
//
// Names defined twice (two groups reception, one in a fragment) are the
// ordinary duplicate problems, naming both files. Fragments may include
// others; a loop, a file included twice, a missing file and a fragment that
// sets version are problems.

// includeKey is the top-level key naming fragments.
const includeKey = "include"

// MaxIncludes bounds the fragments one template may include, all levels
// counted.
const MaxIncludes = 64

// includer resolves the fragments of one template.
type includer struct {
	read  func(path string) ([]byte, error)
	files map[*yaml.Node]string // node → fragment file; the main file's nodes are absent
	probs Problems
	stack []included        // files being included, the main one first, for loops
	seen  map[string]string // absolute path → where it was first included
	size  int               // bytes read so far, fragments included
	order []string          // every file read, the main one first
}

// included is a file on the include stack.
type included struct{ abs, name string }

// newIncluder starts resolving the includes of the template file, whose
// size is size bytes.
func newIncluder(file string, size int, read func(string) ([]byte, error)) *includer {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = filepath.Clean(file)
	}
	return &includer{read: read, files: map[*yaml.Node]string{}, seen: map[string]string{},
		stack: []included{{abs, file}}, size: size, order: []string{file}}
}

// fileOf returns the file node n was written in, given the main file.
func fileOf(files map[*yaml.Node]string, main string, n *yaml.Node) string {
	if f, ok := files[n]; ok {
		return f
	}
	return main
}

// include merges the fragments root (written in file) names into root and
// removes its include key. It reports whether root had one.
func (in *includer) include(file string, root *yaml.Node) bool {
	key, val := takeKey(root, includeKey)
	if key == nil {
		return false
	}
	at := func(n *yaml.Node) string { return formatPos(fileOf(in.files, file, n), n.Line, n.Column, "") }
	if val.Kind != yaml.SequenceNode {
		in.add(file, val, msgWrongType("a list of file names", describe(val)), "write include: [common/groups.yaml]")
		return true
	}
	for _, item := range val.Content {
		if item.Kind != yaml.ScalarNode || item.Tag != "!!str" || item.Value == "" {
			in.add(file, item, msgWrongType("a file name", describe(item)), "write the path of a fragment relative to this file")
			continue
		}
		name := item.Value
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(file), name)
		}
		abs, err := filepath.Abs(name)
		if err != nil {
			abs = filepath.Clean(name)
		}
		if i := in.onStack(abs); i >= 0 {
			var names []string
			for _, f := range in.stack[i:] {
				names = append(names, f.name)
			}
			in.add(file, item, fmt.Sprintf("include loop: %s → %s", strings.Join(names, " → "), name),
				"a fragment must not include itself or a file that includes it")
			continue
		}
		if first, ok := in.seen[abs]; ok {
			in.add(file, item, fmt.Sprintf("%s is included twice (first at %s)", name, first), "include each fragment once")
			continue
		}
		in.seen[abs] = at(item)
		if len(in.seen) > MaxIncludes {
			in.add(file, item, fmt.Sprintf("more than %d fragments are included", MaxIncludes), "merge some fragments")
			return true
		}
		data, err := in.read(name)
		if err != nil {
			hint := fmt.Sprintf("paths in include are relative to the folder of the file that includes them, here %s", filepath.Dir(file))
			msg := fmt.Sprintf("cannot read included file %s: %v", name, rootCause(err))
			if errors.Is(err, fs.ErrNotExist) {
				msg = fmt.Sprintf("included file %s does not exist", name)
			}
			in.add(file, item, msg, hint)
			continue
		}
		if in.size += len(data); in.size > MaxTemplateSize {
			in.add(file, item, msgTooLarge(MaxTemplateSize)+", with its fragments", hintTooLarge)
			return true
		}
		frag, p := parseYAML(name, data)
		if p != nil {
			in.probs = append(in.probs, *p)
			continue
		}
		if frag.Kind != yaml.MappingNode {
			in.probs = append(in.probs, Problem{File: name, Line: frag.Line, Col: frag.Column,
				Message: msgWrongType("a mapping of keys to values", describe(frag)), Hint: hintSeeDocs})
			continue
		}
		in.mark(frag, name)
		if k := findKey(frag, "version"); k >= 0 {
			in.add(name, frag.Content[k], "a fragment has no version: the template that includes it says version", "remove version from this fragment")
			continue
		}
		in.order = append(in.order, name)
		in.stack = append(in.stack, included{abs, name})
		in.include(name, frag)
		in.stack = in.stack[:len(in.stack)-1]
		in.merge(file, root, frag, "")
	}
	return true
}

// onStack returns the index of abs on the include stack, or -1.
func (in *includer) onStack(abs string) int {
	for i, f := range in.stack {
		if f.abs == abs {
			return i
		}
	}
	return -1
}

// mark records that every node of the tree n was written in file.
func (in *includer) mark(n *yaml.Node, file string) {
	in.files[n] = file
	for _, c := range n.Content {
		in.mark(c, file)
	}
}

// merge merges the mapping src (a fragment) into dst (the including
// file's mapping at path), following the rules above.
func (in *includer) merge(file string, dst, src *yaml.Node, path string) {
	for i := 0; i+1 < len(src.Content); i += 2 {
		sk, sv := src.Content[i], src.Content[i+1]
		p := joinKey(path, sk.Value)
		j := findKey(dst, sk.Value)
		if j < 0 {
			dst.Content = append(dst.Content, sk, sv)
			continue
		}
		dv := dst.Content[j+1]
		switch {
		case isNull(sv):
		case isNull(dv):
			dst.Content[j+1] = sv
		case dv.Kind == yaml.MappingNode && sv.Kind == yaml.MappingNode:
			in.merge(file, dv, sv, p)
		case dv.Kind == yaml.SequenceNode && sv.Kind == yaml.SequenceNode:
			dv.Content = append(append([]*yaml.Node{}, sv.Content...), dv.Content...)
		default:
			in.add(file, dv, fmt.Sprintf("%s is set here and at %s", p, formatPos(fileOf(in.files, file, sv), sv.Line, sv.Column, "")),
				"a value may be written in one file only: remove one of them (lists are joined and mappings merged)")
		}
	}
}

func (in *includer) add(file string, n *yaml.Node, msg, hint string) {
	in.probs = append(in.probs, Problem{File: fileOf(in.files, file, n), Line: n.Line, Col: n.Column, Message: msg, Hint: hint})
}

// findKey returns the index of key in mapping m's content, or -1.
func findKey(m *yaml.Node, key string) int {
	if m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// takeKey removes key from mapping m and returns its key and value
// nodes, or nils.
func takeKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	i := findKey(m, key)
	if i < 0 {
		return nil, nil
	}
	k, v = m.Content[i], m.Content[i+1]
	m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
	return k, v
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// rootCause drops the path an *fs.PathError repeats.
func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readTemplateFile reads a template or fragment, at most one byte more
// than MaxTemplateSize (parseYAML refuses the rest).
func readTemplateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
}

// flatten writes the merged tree as one YAML document, which possed reads
// (it sees no fragments), noting the files it was merged from.
func flatten(root *yaml.Node, files []string) ([]byte, error) {
	var b bytes.Buffer
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
		if r, err := filepath.Rel(filepath.Dir(files[0]), f); err == nil {
			names[i] = r
		}
	}
	b.WriteString("# One template merged by Posse from " + commentText(strings.Join(names, ", ")) + ".\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// commentText keeps s on one comment line.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
