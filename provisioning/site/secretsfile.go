package site

import (
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadSecrets reads a secrets file: a YAML mapping of secret name to string
// value. The file must be a regular file owned by the calling user with no
// group or other permission bits (chmod 600). The returned store falls back
// to POSSE_SECRET_<NAME> environment variables for names the file lacks.
// Problems point at line and column but never contain a value.
func LoadSecrets(path string) (*Store, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secrets file %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets file %s can be read by other users (mode %04o); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if err := checkOwner(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read secrets file: %w", err)
	}
	st, probs := ParseSecrets(path, data)
	if len(probs) > 0 {
		return nil, probs.Err()
	}
	st.env = true
	return st, nil
}

// ParseSecrets decodes the bytes of a secrets file without checking file
// permissions (LoadSecrets does). The store it returns does not read the
// environment.
func ParseSecrets(file string, data []byte) (*Store, Problems) {
	root, p := parseYAML(file, data)
	if p != nil {
		if p.Message == msgEmpty() {
			return NewStore(), nil
		}
		p.Message = strings.Replace(p.Message, "template", "secrets file", 1)
		// Syntax errors from the YAML parser carry no values, but keep the
		// message generic so no fragment of a value can leak.
		if len(p.Message) > 12 && p.Message[:12] == "invalid YAML" {
			p.Message = "secrets file is not valid YAML"
			p.Hint = "write one \"name: value\" line per secret; quote values with special characters"
		}
		return nil, Problems{*p}
	}
	st := NewStore()
	var probs Problems
	add := func(n *yaml.Node, msg, hint string) {
		probs = append(probs, Problem{File: file, Line: n.Line, Col: n.Column, Message: msg, Hint: hint})
	}
	if root.Kind != yaml.MappingNode || root.Anchor != "" {
		add(root, "secrets file must be a mapping of secret names to values", "write one \"name: value\" line per secret")
		return nil, probs
	}
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || k.Anchor != "" || k.Tag == "!!merge":
			add(k, "secret names must be plain keys", hintSecretName)
			continue
		case !ValidSecretName(k.Value):
			add(k, fmt.Sprintf("invalid secret name %q", k.Value), hintSecretName)
			continue
		}
		if f, ok := first[k.Value]; ok {
			add(k, msgDuplicate("secret", k.Value, formatPos(file, f.Line, f.Column, "")), "remove one of them")
			continue
		}
		first[k.Value] = k
		switch {
		case v.Kind == yaml.AliasNode || v.Anchor != "":
			add(v, fmt.Sprintf("secret %q: %s", k.Value, msgAnchor()), hintNoAnchors)
		case v.Kind != yaml.ScalarNode || v.Tag == "!!null":
			add(v, fmt.Sprintf("secret %q must be a string", k.Value), "write name: \"value\"")
		case v.Tag != "!!str":
			add(v, fmt.Sprintf("secret %q must be a string", k.Value), hintQuote)
		case v.Value == "":
			add(v, fmt.Sprintf("secret %q is empty", k.Value), "set a value or remove the line")
		default:
			st.values[k.Value] = v.Value
		}
	}
	probs.Sort()
	if len(probs) > 0 {
		return nil, probs
	}
	return st, nil
}
