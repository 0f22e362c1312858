// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// A template may refer to its own values: ${site.domain} in any string
// value stands for the value written at site.domain. The path names keys
// through mappings from the top of the template; lists cannot be indexed.
// ${secret:NAME} is a secret reference and is left alone, and $${ writes
// a literal ${. References are replaced in the YAML tree before the model
// is decoded, so every rule, plan and export sees the expanded value.

// refPathRE is what may stand between ${ and }: dotted keys.
var refPathRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// maxExpanded bounds the length of a value after expansion, so references
// that double each other cannot blow up memory.
const maxExpanded = 4096

// expander replaces references in one template's tree.
type expander struct {
	file  string
	files map[*yaml.Node]string // fragment of each included node
	root  *yaml.Node
	probs Problems
	done  map[*yaml.Node]bool // scalars already expanded
	bad   map[*yaml.Node]bool // scalars that could not be expanded
	stack []string            // paths being expanded, for loops
}

// expandRefs replaces every ${path} reference in root's string values and
// reports references that cannot be expanded; bad holds the values that
// kept them, which the decoder then refuses without a second problem.
func expandRefs(file string, root *yaml.Node, files map[*yaml.Node]string) (bad map[*yaml.Node]bool, probs Problems) {
	e := &expander{file: file, files: files, root: root, done: map[*yaml.Node]bool{}, bad: map[*yaml.Node]bool{}}
	e.walk(root)
	return e.bad, e.probs
}

func (e *expander) walk(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			e.walk(n.Content[i])
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			e.walk(c)
		}
	case yaml.ScalarNode:
		e.expand(n)
	}
}

// expand replaces the references in scalar n, expanding the values they
// name first. It reports false when n could not be expanded.
func (e *expander) expand(n *yaml.Node) bool {
	if e.done[n] || !strings.Contains(n.Value, "${") {
		return true
	}
	if n.Tag != "!!str" {
		return true // a number or boolean cannot hold a reference
	}
	var out strings.Builder
	rest := n.Value
	whole := ""
	ok := true
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			out.WriteString(rest)
			break
		}
		if i > 0 && rest[i-1] == '$' { // $${ is a literal ${
			out.WriteString(rest[:i-1] + "${")
			rest = rest[i+2:]
			continue
		}
		out.WriteString(rest[:i])
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			e.add(n, "unterminated reference: write ${site.domain} or ${secret:NAME}, or $${ for a literal ${", "")
			ok = false
			break
		}
		ref := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		if strings.HasPrefix(ref, "secret:") {
			out.WriteString("${" + ref + "}") // a secret: resolved at apply time
			continue
		}
		v, good := e.lookup(n, ref)
		if !good {
			ok = false
			continue
		}
		if out.Len() == 0 && rest == "" {
			whole = ref
		}
		out.WriteString(v.Value)
		if out.Len() > maxExpanded {
			e.add(n, fmt.Sprintf("the value grows beyond %d characters when its references are expanded", maxExpanded), "")
			e.done[n], e.bad[n] = true, true
			return false
		}
	}
	e.done[n] = true
	if !ok {
		e.bad[n] = true
		return false
	}
	n.Value = out.String()
	if whole != "" {
		// The value is exactly one reference: it takes the referenced
		// value's type, so min_length: ${…} can name a number.
		if v, _ := e.lookup(n, whole); v != nil {
			n.Tag = v.Tag
		}
	} else {
		n.Tag = "!!str"
	}
	return true
}

// lookup finds the scalar that ref names, expanded. It reports problems
// at n, the value holding the reference.
func (e *expander) lookup(n *yaml.Node, ref string) (*yaml.Node, bool) {
	if !refPathRE.MatchString(ref) {
		e.add(n, "a ${…} here is neither a secret nor a reference to a value of this template",
			"write ${secret:NAME}, or the keys from the top of the template joined by dots, as ${site.domain}")
		return nil, false
	}
	cur := e.root
	keys := strings.Split(ref, ".")
	for i, k := range keys {
		if cur.Kind != yaml.MappingNode {
			e.add(n, fmt.Sprintf("${%s}: %s is %s, not a mapping of keys", ref, strings.Join(keys[:i], "."), describe(cur)), "")
			return nil, false
		}
		var next *yaml.Node
		var known []string
		for j := 0; j+1 < len(cur.Content); j += 2 {
			known = append(known, cur.Content[j].Value)
			if cur.Content[j].Value == k {
				next = cur.Content[j+1]
			}
		}
		if next == nil {
			hint := ""
			sort.Strings(known)
			if s := suggest(k, known); s != "" {
				hint = "did you mean ${" + strings.Join(append(append([]string{}, keys[:i]...), s), ".") + "}?"
			}
			e.add(n, fmt.Sprintf("${%s} names a value this template does not have", ref), hint)
			return nil, false
		}
		cur = next
	}
	if cur.Kind != yaml.ScalarNode || cur.Tag == "!!null" {
		e.add(n, fmt.Sprintf("${%s} is %s, not a single value", ref, describe(cur)), "refer to a value such as ${site.domain}")
		return nil, false
	}
	for _, p := range e.stack {
		if p == ref {
			e.add(n, "references that refer to each other: ${"+strings.Join(append(e.stack, ref), "} → ${")+"}", "write one of the values out")
			return nil, false
		}
	}
	e.stack = append(e.stack, ref)
	good := e.expand(cur)
	e.stack = e.stack[:len(e.stack)-1]
	if !good {
		return nil, false // reported where it is written
	}
	return cur, true
}

func (e *expander) add(n *yaml.Node, msg, hint string) {
	e.probs = append(e.probs, Problem{File: fileOf(e.files, e.file, n), Line: n.Line, Col: n.Column, Message: msg, Hint: hint})
}
