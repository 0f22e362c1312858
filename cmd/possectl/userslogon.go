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

// logonJSON is users logon --json.
type logonJSON struct {
	Username          string        `json:"username"`
	Logon             string        `json:"logon"`
	Workgroup         string        `json:"workgroup"`
	DNSDomain         string        `json:"dns_domain"`
	HomeDrive         string        `json:"home_drive,omitempty"`
	Shares            []shareAccess `json:"shares"`
	MinPasswordLength int32         `json:"min_password_length"`
}

type shareAccess struct {
	Name  string `json:"name"`
	Write bool   `json:"write"`
}

func logonCmd(f *usersFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "logon USERNAME",
		Short: "Show how a user logs on: WORKGROUP\\username, the home drive and the shares their groups reach",
		Long: `Show what a user's password sheet says: the logon name (WORKGROUP\username),
the home folder's drive letter, the shares the user's groups may read or
write, and the site's minimum password length. Office managers may (the
users action), though they may not read the site.`,
		Args: exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			return f.run(c, func(be usersBackend) error {
				in, err := be.Logon(c.Context(), name)
				if err != nil {
					return usersError(err)
				}
				if asJSON {
					return printJSON(c.OutOrStdout(), toLogonJSON(name, in))
				}
				return printLogon(c.OutOrStdout(), name, in)
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func toLogonJSON(name string, in api.LogonInfo) logonJSON {
	out := logonJSON{Username: name, Logon: in.Workgroup + `\` + name, Workgroup: in.Workgroup, DNSDomain: in.DNSDomain,
		HomeDrive: in.HomeDrive, Shares: []shareAccess{}, MinPasswordLength: in.MinPasswordLength}
	for _, s := range in.Shares {
		out.Shares = append(out.Shares, shareAccess{Name: s.Name, Write: s.Write})
	}
	return out
}

func printLogon(w io.Writer, name string, in api.LogonInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "logon\t%s\\%s (or %s@%s)\n", printable.String(in.Workgroup), printable.String(name), printable.String(name), printable.String(in.DNSDomain))
	if in.HomeDrive != "" {
		fmt.Fprintf(tw, "home folder\t%s\n", printable.String(in.HomeDrive))
	}
	var shares []string
	for _, s := range in.Shares {
		how := "read only"
		if s.Write {
			how = "read and write"
		}
		shares = append(shares, printable.String(s.Name)+" ("+how+")")
	}
	if len(shares) == 0 {
		shares = []string{"none"}
	}
	fmt.Fprintf(tw, "shares\t%s\n", strings.Join(shares, ", "))
	fmt.Fprintf(tw, "password\tat least %d characters\n", in.MinPasswordLength)
	return tw.Flush()
}
