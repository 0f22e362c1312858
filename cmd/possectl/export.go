package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
	"github.com/posse-project/posse/services/mail"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

func init() {
	var only []string
	c := &cobra.Command{
		Use:   "export",
		Short: "Print the site running on this box as a site template",
		Long: `Print the site template last applied to the box (this one, or --host), as
possed keeps it. Passwords are ${secret:NAME} references, never values.

With --direct (root on the box) the live box is read instead — the
directory's users and groups, the shares and homes in the Samba
configuration, the mail setup — so users added with 'possectl users' since
the last apply are in it; the site's name, domain and backup settings come
from the last applied template, and --only picks parts.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			isDirect, err := direct()
			if err != nil {
				return err
			}
			if !isDirect {
				if err := notDirect(c, "only"); err != nil {
					return err
				}
				return daemonExport(c)
			}
			parts, err := exportParts(only)
			if err != nil {
				return err
			}
			ctx := c.Context()
			base := &host.Env{Root: "/", StateDir: host.DefaultStateDir}
			applied, secrets, err := provisioning.LoadApplied(base)
			if err != nil {
				return err
			}
			env, cleanup, err := boxEnv(ctx, "", secrets)
			if err != nil {
				return err
			}
			defer cleanup()
			out, err := exportSite(ctx, applied, env, parts)
			if err != nil {
				return err
			}
			return writeTemplate(c.OutOrStdout(), out)
		},
	}
	c.Flags().StringSliceVar(&only, "only", nil, "with --direct, export only these parts: directory, shares, mail (default: all)")
	rootCmd.AddCommand(c)
}

// daemonExport prints the template possed kept from the last apply.
func daemonExport(c *cobra.Command) error {
	ctx := c.Context()
	cl, err := dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	b, err := cl.Export(ctx)
	if client.IsNotAvailable(err) {
		return fmt.Errorf("no site is applied on %s yet: apply one with 'possectl apply FILE'", box())
	}
	if err != nil {
		return daemonError(err, "export the site", groupAdmin)
	}
	_, err = c.OutOrStdout().Write(b)
	return err
}

func exportParts(only []string) (map[string]bool, error) {
	parts := map[string]bool{"directory": true, "shares": true, "mail": true}
	if len(only) == 0 {
		return parts, nil
	}
	sel := map[string]bool{}
	for _, p := range only {
		if !parts[p] {
			return nil, usageError{fmt.Errorf("--only %q: use directory, shares or mail", p)}
		}
		sel[p] = true
	}
	return sel, nil
}

// exportSite builds a template from the live box, starting from the applied
// site's identity.
func exportSite(ctx context.Context, applied *site.Site, env *host.Env, parts map[string]bool) (*site.Site, error) {
	out := &site.Site{Version: site.Version, Site: applied.Site, Directory: applied.Directory, Backup: applied.Backup}
	if parts["directory"] {
		conn, err := directory.ConnFor(applied, env)
		if err != nil {
			return nil, err
		}
		d, err := directory.OpenEnv(ctx, env, conn)
		if err != nil {
			return nil, fmt.Errorf("cannot read the directory: %w", err)
		}
		defer d.Close()
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

// writeTemplate prints a site as YAML in the template's key order, leaving
// out empty optional keys (the JSON tags say which).
func writeTemplate(w io.Writer, s *site.Site) error {
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
	_, err = fmt.Fprintf(w, "# Exported by possectl export. Passwords are ${secret:NAME} references.\n%s", b.String())
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
