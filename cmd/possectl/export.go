// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/provisioning"
	"github.com/spf13/cobra"
)

func init() {
	var only []string
	c := &cobra.Command{
		Use:   "export",
		Short: "Print the site running on this box as a site template",
		Long: `Print the site running on the box (this one, or --host) as a site template,
read from the live box: the directory's users and groups (users added with
'possectl users' or the app since the last apply included), the shares and
homes in the Samba configuration, the mail setup; the site's name, domain
and backup settings come from the last applied template. Passwords are
${secret:NAME} references, never values. possed on the box reads it; with
--direct (root on the box) this process does, and --only picks parts.`,
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
			if _, err := provisioning.ExportParts(only); err != nil {
				return usageError{err}
			}
			b, closeBox, err := localBox("")
			if err != nil {
				return err
			}
			defer closeBox()
			out, err := b.ExportParts(c.Context(), only)
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(out)
			return err
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
