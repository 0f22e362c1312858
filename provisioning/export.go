// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
	"github.com/posse-project/posse/services/mail"
	"gopkg.in/yaml.v3"
)

// ExportParts parses --only: the parts of the live box Export reads
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

// Export builds a template from the live box — the directory's users and
// groups, the shares and homes in the Samba configuration, the mail setup —
// starting from the applied site's identity and backup settings. Users have
// no password (see directory.Export). d is an open directory connection, or nil
// to open one as the admin with env's secrets.
func Export(ctx context.Context, applied *site.Site, env *host.Env, d directory.Directory, parts map[string]bool) (*site.Site, error) {
	out := &site.Site{Version: site.Version, Site: applied.Site, Directory: applied.Directory, Backup: applied.Backup}
	if parts["directory"] {
		if d == nil {
			conn, err := directory.ConnFor(applied, env)
			if err != nil {
				return nil, err
			}
			d, err = directory.OpenEnv(ctx, env, conn)
			if err != nil {
				return nil, fmt.Errorf("cannot read the directory: %w", err)
			}
			defer d.Close()
		}
		ex, err := directory.Export(ctx, d, applied.Site.Domain)
		if err != nil {
			return nil, fmt.Errorf("cannot read the directory: %w", err)
		}
		out.Groups, out.Users = ex.Groups, ex.Users
	}
	if parts["shares"] {
		shares, homes, err := files.Export(env)
		if err != nil {
			return nil, fmt.Errorf("cannot read the shares: %w", err)
		}
		out.Shares, out.Homes = shares, homes
	}
	if parts["mail"] {
		m, err := mail.Export(env)
		if err != nil {
			return nil, fmt.Errorf("cannot read the mail setup: %w", err)
		}
		out.Mail = m
	}
	return out, nil
}

// WriteTemplate prints a site as YAML in the template's key order, leaving
// out empty optional keys (the JSON tags say which).
func WriteTemplate(w io.Writer, s *site.Site) error {
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
	_, err = fmt.Fprintf(w, "# Exported by possectl export. Users have no password here: the ones on the box keep theirs;\n# a user created from this template gets a random one (set it with possectl users set-password,\n# or add password: ${secret:NAME} to the user).\n%s", b.String())
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
