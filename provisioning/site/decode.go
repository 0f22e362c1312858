// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Pos is a 1-based line and column in a template file.
type Pos struct {
	Line int
	Col  int
	// File names the fragment the value was written in (include.go);
	// empty for the template itself.
	File string
}

// decoder maps a yaml.v3 node tree onto the model by reflection, strictly:
// unknown keys, duplicate keys, wrong types, anchors and aliases are
// problems. It records the position of every value under its model path
// (users[3].groups[1]) so validation can point at it. It never echoes a
// scalar value into a problem, so secrets cannot leak through it.
type decoder struct {
	file    string
	pos     map[string]Pos
	probs   Problems
	refused []string // paths of values that could not be decoded
	// unexpanded holds values whose ${…} references could not be
	// expanded: already reported, they are refused silently.
	unexpanded map[*yaml.Node]bool
	// files names the fragment each included node was written in.
	files map[*yaml.Node]string
}

func (d *decoder) add(n *yaml.Node, path, msg, hint string) {
	d.probs = append(d.probs, Problem{File: fileOf(d.files, d.file, n), Line: n.Line, Col: n.Column, Path: path, Message: msg, Hint: hint})
}

// refuse reports a value that could not be decoded; validation rules about
// it, its parts and the objects holding it are then not reported.
func (d *decoder) refuse(n *yaml.Node, path, msg, hint string) {
	d.add(n, path, msg, hint)
	d.refused = append(d.refused, path)
}

func joinKey(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func joinIndex(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

var secretRefType = reflect.TypeOf(SecretRef(""))

// decode fills v from n. path is v's model path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.pos[path] = Pos{Line: n.Line, Col: n.Column, File: d.files[n]}
	if d.unexpanded[n] {
		d.refused = append(d.refused, path)
		return
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.refuse(n, path, msgAnchor(), hintNoAnchors)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent: leave the zero value
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		// A section with an enabled key may be written as true or false
		// alone (dkim: false is dkim: {enabled: false}).
		if f, ok := fieldsOf(v.Type()).byKey["enabled"]; ok && n.Kind != yaml.MappingNode {
			if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
				d.refuse(n, path, msgWrongType("true, false or a mapping of keys to values", describe(n)), "")
				return
			}
			d.decode(n, v.FieldByIndex(f.index), joinKey(path, "enabled"))
			return
		}
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.refuse(n, path, msgWrongType("a list", describe(n)), hintList)
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), joinIndex(path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!timestamp") {
			if v.Type() == secretRefType && n.Kind == yaml.ScalarNode {
				d.refuse(n, path, msgInlineSecret, hintInline)
				return
			}
			d.refuse(n, path, msgWrongType("a string", describe(n)), quoteHint(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.refuse(n, path, msgWrongType("a whole number", describe(n)), "")
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 32)
		if err != nil {
			d.refuse(n, path, errNumberRange, hintNumberRange)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.refuse(n, path, msgWrongType("true or false", describe(n)), "")
			return
		}
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			d.refuse(n, path, msgWrongType("true or false", describe(n)), "")
			return
		}
		v.SetBool(b)
	default:
		panic("site: decoder cannot fill " + v.Type().String())
	}
}

func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return hintQuote
	}
	return ""
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.refuse(n, path, msgWrongType("a mapping of keys to values", describe(n)), "")
		return
	}
	fields := fieldsOf(v.Type())
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode || k.Anchor != "" {
			d.refuse(k, path, msgAnchor(), hintNoAnchors)
			continue
		}
		if k.Tag == "!!merge" {
			d.refuse(k, path, msgMergeKey(), hintNoAnchors)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.refuse(k, path, msgWrongType("a key", describe(k)), "")
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.add(k, joinKey(path, k.Value), msgDuplicateKey(k.Value, formatPos(fileOf(d.files, d.file, first), first.Line, first.Column, "")), hintRemoveOne)
			continue
		}
		seen[k.Value] = k
		f, ok := fields.byKey[k.Value]
		if !ok {
			hint := ""
			if s := suggest(k.Value, fields.keys); s != "" {
				hint = hintDidYouMean(s)
			} else {
				hint = hintKnownKeys + strings.Join(fields.keys, ", ")
			}
			d.add(k, joinKey(path, k.Value), msgUnknownKey(k.Value), hint)
			continue
		}
		d.decode(val, v.FieldByIndex(f.index), joinKey(path, k.Value))
	}
}

// describe names a node's type for wrong-type messages, never its value.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.Tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "a whole number"
	case "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "a date"
	case "!!binary":
		return "binary data"
	}
	return "a value tagged " + strconv.Quote(n.Tag)
}

type fieldInfo struct {
	key   string
	index []int
}

type fieldSet struct {
	byKey map[string]fieldInfo
	keys  []string // in declaration order
	list  []fieldInfo
}

var fieldCache sync.Map // reflect.Type → *fieldSet

// fieldsOf lists a struct's template keys from its yaml tags.
func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{byKey: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" || key == "" {
			continue
		}
		fi := fieldInfo{key: key, index: f.Index}
		fs.byKey[key] = fi
		fs.keys = append(fs.keys, key)
		fs.list = append(fs.list, fi)
	}
	fieldCache.Store(t, fs)
	return fs
}

// suggest returns the known key closest to key by edit distance, or "" when
// none is close enough to be a likely typo.
func suggest(key string, known []string) string {
	best, bestD := "", -1
	lk := strings.ToLower(key)
	for _, k := range known {
		d := levenshtein(lk, k)
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	limit := len(key) / 3
	if limit < 2 {
		limit = 2
	}
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 20 // not a typo of a short key; also bounds the work
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
