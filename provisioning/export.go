// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
	"gopkg.in/yaml.v3"
)

// ExportParts parses --only: the parts of the live box an export reads
// (directory, shares, mail); none means all.
func ExportParts(only []string) (map[string]bool, error) {
	parts := map[string]bool{"directory": true, "shares": true, "mail": true}
	if len(only) == 0 {
		return parts, nil
	}
	sel := map[string]bool{}
	for _, p := range only {
		if !parts[p] {
			return nil, fmt.Errorf("--only %q: use directory, shares or mail", p)
		}
		sel[p] = true
	}
	return sel, nil
}

// WriteTemplate prints a site as YAML in the template's key order, leaving
// out empty optional keys (the JSON tags say which). Notes (what the
// export could not carry over) become comments at the top.
func WriteTemplate(w io.Writer, s *site.Site, notes ...string) error {
	js, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(js, &doc); err != nil {
		return err
	}
	plainStyle(&doc)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	var head strings.Builder
	head.WriteString("# Exported by possectl export. Users have no password here: the ones on the box keep theirs;\n# a user created from this template gets a random one (set it with possectl users set-password,\n# or add password: ${secret:NAME} to the user).\n")
	for _, n := range notes {
		head.WriteString("# Note: " + strings.ReplaceAll(n, "\n", " ") + "\n")
	}
	_, err = fmt.Fprintf(w, "%s%s", head.String(), b.String())
	return err
}

// plainStyle turns JSON's flow style into block YAML.
func plainStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Style&yaml.DoubleQuotedStyle != 0 && !strings.ContainsAny(n.Value, ":#{}[]&*!|>'\"%@`,\n") && n.Value != "" && n.Tag == "!!str" {
		n.Style = 0
	}
	for _, c := range n.Content {
		plainStyle(c)
	}
}
