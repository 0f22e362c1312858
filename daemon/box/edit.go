// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"gopkg.in/yaml.v3"
)

// A templateEdit changes the applied template in place, as YAML nodes, so
// the consultant's comments, key order and quoting survive. root is the
// document's top-level mapping.
type templateEdit func(root *yaml.Node) error

// editTemplate parses template, runs edit on it and encodes the result.
func editTemplate(template []byte, edit templateEdit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("cannot read the applied template: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the applied template is not a YAML mapping: apply a valid template first")
	}
	if err := edit(doc.Content[0]); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("cannot write the changed template: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("cannot write the changed template: %w", err)
	}
	return buf.Bytes(), nil
}

// topKeys is the order of a template's top-level keys; a new section goes
// after the last key that comes before it here.
var topKeys = []string{"version", "site", "directory", "groups", "users", "shares", "homes", "mail", "backup"}

// mapGet returns the value node of key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet replaces key's value in m (keeping the old value's comments),
// or inserts key: value. A new key is put in order's order when order
// names it, otherwise at the end.
func mapSet(m *yaml.Node, key string, v *yaml.Node, order []string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			v.HeadComment, v.LineComment, v.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = v
			return
		}
	}
	at := len(m.Content)
	if pos := indexOf(order, key); pos >= 0 {
		at = 0
		for i := 0; i+1 < len(m.Content); i += 2 {
			if p := indexOf(order, m.Content[i].Value); p >= 0 && p < pos {
				at = i + 2
			}
		}
	}
	kv := []*yaml.Node{scalar(key), v}
	m.Content = append(m.Content[:at], append(kv, m.Content[at:]...)...)
}

// mapDelete removes key from m.
func mapDelete(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// quoted is a string scalar that always stays a string (a description
// such as "yes" or "0800" must not turn into a bool or number).
func quoted(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
}

func boolNode(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}
}

// flowList is a list written on one line: [a, b].
func flowList(vs []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	for _, v := range vs {
		n.Content = append(n.Content, scalar(v))
	}
	return n
}

// setOrDrop sets key to v in m, or removes it when empty is true (so a
// field cleared through the API does not stay behind as an empty value).
func setOrDrop(m *yaml.Node, key string, v *yaml.Node, empty bool) {
	if empty {
		mapDelete(m, key)
		return
	}
	mapSet(m, key, v, nil)
}

// sequence returns the list under key in m, creating it (block style)
// when missing; a list key with no value (shares:) counts as empty.
func sequence(m *yaml.Node, key, where string) (*yaml.Node, error) {
	seq := mapGet(m, key)
	switch {
	case seq == nil || (seq.Kind == yaml.ScalarNode && seq.Tag == "!!null"):
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		var order []string
		if where == "" {
			order = topKeys
		}
		mapSet(m, key, seq, order)
	case seq.Kind != yaml.SequenceNode:
		return nil, fmt.Errorf("%s%s in the applied template is not a list: fix the template and apply it", where, key)
	}
	seq.Style &^= yaml.FlowStyle // items are mappings: one per block
	return seq, nil
}

// findItem returns the index of the item of seq whose key equals value
// (case-insensitively), or -1.
func findItem(seq *yaml.Node, key, value string) int {
	for i, it := range seq.Content {
		if v := mapGet(it, key); v != nil && v.Kind == yaml.ScalarNode && strings.EqualFold(v.Value, value) {
			return i
		}
	}
	return -1
}

// setShareEdit adds share sh or changes the share of that name. Keys the
// API does not carry (recycle_days, …) stay as they are.
func setShareEdit(sh api.Share) templateEdit {
	return func(root *yaml.Node) error {
		seq, err := sequence(root, "shares", "")
		if err != nil {
			return err
		}
		// An existing share keeps its name as written (names are
		// case-insensitive; this is not a rename).
		var item *yaml.Node
		if i := findItem(seq, "name", sh.Name); i >= 0 {
			item = seq.Content[i]
		} else {
			item = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("name"), scalar(sh.Name)}}
			seq.Content = append(seq.Content, item)
		}
		// A path equal to the default is the one Shares lists for a share
		// without a path: it is not written out.
		def := (&site.Site{}).SharePath(site.Share{Name: sh.Name})
		setOrDrop(item, "path", scalar(sh.Path), sh.Path == "" || sh.Path == def)
		setOrDrop(item, "description", quoted(sh.Description), sh.Description == "")
		setOrDrop(item, "read", flowList(sh.Read), len(sh.Read) == 0)
		setOrDrop(item, "write", flowList(sh.Write), len(sh.Write) == 0)
		setOrDrop(item, "recycle_bin", boolNode(true), !sh.RecycleBin)
		return nil
	}
}

// deleteShareEdit removes the share named name.
func deleteShareEdit(name string) templateEdit {
	return func(root *yaml.Node) error {
		seq := mapGet(root, "shares")
		i := -1
		if seq != nil && seq.Kind == yaml.SequenceNode {
			i = findItem(seq, "name", name)
		}
		if i < 0 {
			return fmt.Errorf("share %q is not in the applied site (possectl export shows it): %w", name, daemon.ErrNotFound)
		}
		seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
		if len(seq.Content) == 0 {
			seq.Style |= yaml.FlowStyle // shares: []
		}
		return nil
	}
}

// errNoMail refuses alias changes on a site without mail.
var errNoMail = fmt.Errorf("%w: this site has no mail: add a mail section to the site template and apply it (possectl apply) before adding aliases", daemon.ErrNotAvailable)

// mailSection returns the template's mail mapping.
func mailSection(root *yaml.Node) (*yaml.Node, error) {
	m := mapGet(root, "mail")
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, errNoMail
	}
	return m, nil
}

// setAliasEdit adds alias a or replaces the targets of the alias with its
// address.
func setAliasEdit(a api.Alias) templateEdit {
	return func(root *yaml.Node) error {
		m, err := mailSection(root)
		if err != nil {
			return err
		}
		seq, err := sequence(m, "aliases", "mail.")
		if err != nil {
			return err
		}
		var item *yaml.Node
		if i := findItem(seq, "address", a.Address); i >= 0 {
			item = seq.Content[i]
		} else {
			item = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("address"), scalar(a.Address)}}
			seq.Content = append(seq.Content, item)
		}
		mapSet(item, "to", flowList(a.To), nil)
		return nil
	}
}

// deleteAliasEdit removes the alias for address.
func deleteAliasEdit(address string) templateEdit {
	return func(root *yaml.Node) error {
		m, err := mailSection(root)
		if err != nil {
			return err
		}
		seq := mapGet(m, "aliases")
		i := -1
		if seq != nil && seq.Kind == yaml.SequenceNode {
			i = findItem(seq, "address", address)
		}
		if i < 0 {
			return fmt.Errorf("alias %s is not in the applied site (possectl export shows it): %w", address, daemon.ErrNotFound)
		}
		seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
		if len(seq.Content) == 0 {
			seq.Style |= yaml.FlowStyle
		}
		return nil
	}
}
