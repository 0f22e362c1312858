// SPDX-License-Identifier: GPL-3.0-or-later

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
		return nil, fmt.Errorf(errSecretsRead, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf(errSecretsRead, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf(errSecretsNotRegular, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf(errSecretsMode, path, fi.Mode().Perm(), path)
	}
	if err := checkOwner(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return nil, fmt.Errorf(errSecretsRead, err)
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
			p.Message = errSecretsYAML
			p.Hint = hintSecretsYAML
		}
		return nil, Problems{*p}
	}
	st := NewStore()
	var probs Problems
	add := func(n *yaml.Node, msg, hint string) {
		probs = append(probs, Problem{File: file, Line: n.Line, Col: n.Column, Message: msg, Hint: hint})
	}
	if root.Kind != yaml.MappingNode || root.Anchor != "" {
		add(root, errSecretsNotMapping, hintSecretsLine)
		return nil, probs
	}
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || k.Anchor != "" || k.Tag == "!!merge":
			add(k, errSecretKey, hintSecretName)
			continue
		case !ValidSecretName(k.Value):
			add(k, errSecretNameInvalid, hintSecretName)
			continue
		}
		if f, ok := first[k.Value]; ok {
			add(k, msgDuplicate("secret", k.Value, formatPos(file, f.Line, f.Column, "")), hintRemoveOne)
			continue
		}
		first[k.Value] = k
		switch {
		case v.Kind == yaml.AliasNode || v.Anchor != "":
			add(v, fmt.Sprintf(errSecretPrefix, k.Value, msgAnchor()), hintNoAnchors)
		case v.Kind != yaml.ScalarNode || v.Tag == "!!null":
			add(v, fmt.Sprintf(errSecretNotString, k.Value), hintSecretString)
		case v.Tag != "!!str":
			add(v, fmt.Sprintf(errSecretNotString, k.Value), hintQuote)
		case v.Value == "":
			add(v, fmt.Sprintf(errSecretEmpty, k.Value), hintSecretEmpty)
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
