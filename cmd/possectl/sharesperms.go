// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// permissionsJSON is a folder's Windows ACL as possectl shares permissions
// prints it with --json.
type permissionsJSON struct {
	Share    string           `json:"share"`
	Path     string           `json:"path"`
	Owner    string           `json:"owner"`
	Inherits bool             `json:"inherits"`
	Template string           `json:"template,omitempty"`
	Entries  []permissionJSON `json:"entries"`
}

type permissionJSON struct {
	Account   string `json:"account"`
	Deny      bool   `json:"deny"`
	Rights    string `json:"rights"`
	AppliesTo string `json:"applies_to"`
	Inherited bool   `json:"inherited"`
}

func permissionsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "permissions SHARE [PATH]",
		Short: "Show the Windows permissions of a share or of a folder or file in it",
		Long: `Show the Windows permissions (NT ACL) of a share's root, or of a folder or
file inside it (PATH relative to the share, / or \ between folders), as
Explorer's Security tab shows them under Advanced: the owner, whether
inheritance from the folder above is on, and each entry's account, allow or
deny, rights and what it applies to, inherited entries marked. The share
root and the template's folders say so: apply puts their permissions back
to the template's (docs/templates.md, deny and folders). Reading needs
posse-admin; it changes nothing.

--json prints {"share", "path", "owner", "inherits", "template", "entries":
[{"account", "deny", "rights", "applies_to", "inherited"}]}.`,
		Args:              rangeArgs(1, 2, "a share name and an optional path inside it"),
		ValidArgsFunction: completeFromBox(shareNames),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			p := ""
			if len(args) == 2 {
				p = strings.Trim(strings.ReplaceAll(args[1], `\`, "/"), "/")
			}
			perm, err := cl.Permissions(c.Context(), args[0], p)
			if err != nil {
				return sharesError(err)
			}
			if asJSON {
				return printSafeJSON(c.OutOrStdout(), toPermissionsJSON(perm))
			}
			return printPermissions(c.OutOrStdout(), perm)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the permissions as JSON")
	return cmd
}

func toPermissionsJSON(p api.Permissions) permissionsJSON {
	out := permissionsJSON{Share: p.Share, Path: p.Path, Owner: p.Owner, Inherits: p.Inherits, Template: p.Template, Entries: []permissionJSON{}}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, permissionJSON(e))
	}
	return out
}

// printPermissions prints a folder's ACL as a table under a header.
func printPermissions(w io.Writer, p api.Permissions) error {
	where := p.Share
	if p.Path != "" {
		where += `\` + strings.ReplaceAll(p.Path, "/", `\`)
	}
	fmt.Fprintln(w, printable.String(where))
	switch p.Template {
	case "share":
		fmt.Fprintln(w, "Set by the template (the share's read, write and deny): apply puts them back.")
	case "folder":
		fmt.Fprintln(w, "Set by the template (one of the share's folders): apply puts them back.")
	}
	fmt.Fprintf(w, "Owner: %s\n", printable.String(p.Owner))
	if p.Inherits {
		fmt.Fprintln(w, "Inheritance: from the folder above")
	} else {
		fmt.Fprintln(w, "Inheritance: off (permissions set here only)")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tTYPE\tACCESS\tAPPLIES TO\tINHERITED")
	for _, e := range p.Entries {
		kind, inh := "allow", ""
		if e.Deny {
			kind = "deny"
		}
		if e.Inherited {
			inh = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable.String(e.Account), kind, e.Rights, e.AppliesTo, inh)
	}
	return tw.Flush()
}
