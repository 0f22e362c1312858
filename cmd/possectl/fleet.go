// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client/fleet"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// loadFleet reads the fleet file of the configuration directory.
func loadFleet() (*fleet.File, error) {
	dir, err := fleet.Dir()
	if err != nil {
		return nil, err
	}
	return fleet.Load(dir)
}

// fleetNames completes a box name from the fleet file.
func fleetNames(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	f, err := loadFleet()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, e := range f.Boxes {
		if strings.HasPrefix(strings.ToLower(e.Name), strings.ToLower(prefix)) {
			out = append(out, e.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// noFleetConn refuses the flags that pick one box: the fleet command asks
// the boxes of the fleet file.
func noFleetConn(c *cobra.Command) error {
	for _, f := range []string{"host", "accept-host-key", "direct", "bus-address"} {
		if c.Flags().Changed(f) {
			return usageError{fmt.Errorf("--%s does not go with %s: the fleet file says which boxes to ask (accept a box's host key once with 'possectl --host USER@HOST --accept-host-key SHA256:… status')", f, c.CommandPath())}
		}
	}
	return nil
}

// absPath makes a file given at fleet add absolute, so that fleet status
// finds it from any directory.
func absPath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	a, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(a); err != nil {
		return "", err
	}
	return a, nil
}

func init() {
	fleetCmd := &cobra.Command{
		Use:   "fleet",
		Short: "Keep a list of the boxes you look after and check them all at once",
		Long: `Keep a list of boxes (name, user@host[:port], optionally the site template each
should match) in $XDG_CONFIG_HOME/posse/fleet.yaml (default ~/.config/posse),
and ask them all over SSH at once with 'possectl fleet status': reachable or
why not, services' health, last backup and off-site copy, last restore drill,
certificates' days left, disk use, updates, and drift from the template.
See docs/fleet.md.`,
	}

	var tmpl, secrets string
	add := &cobra.Command{
		Use:   "add NAME USER@HOST[:PORT]",
		Short: "Add a box to the fleet",
		Long: `Add a box to the fleet file under NAME (letters, digits, '-', '_', '.', up to
63). USER@HOST[:PORT] is how to reach it over SSH, as for --host. With
--template FILE, fleet status plans FILE against the box and reports drift;
secrets the template references come from --secrets FILE or
POSSE_SECRET_<NAME> (the file's path is kept, never its content), and those
the box kept from its last apply may be left out.`,
		Args:              exactArgs(2, "a name and USER@HOST[:PORT]"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, args []string) error {
			if err := noFleetConn(c); err != nil {
				return err
			}
			e := fleet.Entry{Name: args[0], Host: args[1]}
			if err := e.Validate(); err != nil {
				return usageError{err}
			}
			var err error
			if e.Template, err = absPath(tmpl); err != nil {
				return err
			}
			if e.Template != "" {
				if _, err := loadSite(e.Template); err != nil {
					return err
				}
			}
			if e.Secrets, err = absPath(secrets); err != nil {
				return err
			}
			f, err := loadFleet()
			if err != nil {
				return err
			}
			if err := f.Add(e); err != nil {
				return err
			}
			if err := f.Save(); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Added %s (%s) to %s\n", e.Name, e.Host, f.Path)
			return nil
		},
	}
	add.Flags().StringVar(&tmpl, "template", "", "site template `FILE` the box should match (fleet status reports drift from it)")
	add.Flags().StringVar(&secrets, "secrets", "", "secrets `FILE` for the template's ${secret:…} references (its path is kept, not its content)")
	add.MarkFlagFilename("template", "yaml", "yml")
	add.MarkFlagFilename("secrets", "yaml", "yml")

	remove := &cobra.Command{
		Use:               "remove NAME",
		Short:             "Take a box out of the fleet",
		Args:              exactArgs(1, "the name of a box of the fleet"),
		ValidArgsFunction: fleetNames,
		RunE: func(c *cobra.Command, args []string) error {
			if err := noFleetConn(c); err != nil {
				return err
			}
			f, err := loadFleet()
			if err != nil {
				return err
			}
			if !f.Remove(args[0]) {
				return fmt.Errorf("there is no box %s in the fleet: see 'possectl fleet list'", printable.String(args[0]))
			}
			if err := f.Save(); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Removed %s from %s\n", printable.String(args[0]), f.Path)
			return nil
		},
	}

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the boxes of the fleet",
		Long:  `List the boxes of the fleet file. --json prints a list of {"name", "host", "template", "secrets"}.`,
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := noFleetConn(c); err != nil {
				return err
			}
			f, err := loadFleet()
			if err != nil {
				return err
			}
			if listJSON {
				if f.Boxes == nil {
					f.Boxes = []fleet.Entry{}
				}
				return printSafeJSON(c.OutOrStdout(), f.Boxes)
			}
			if len(f.Boxes) == 0 {
				fmt.Fprintf(c.OutOrStdout(), "No boxes in the fleet (%s): add one with 'possectl fleet add NAME USER@HOST'\n", f.Path)
				return nil
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "NAME\tHOST\tTEMPLATE\n")
			for _, e := range f.Boxes {
				t := e.Template
				if t == "" {
					t = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, e.Host, printable.String(t))
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the fleet as JSON")

	var (
		statusJSON bool
		timeout    time.Duration
		parallel   int
	)
	status := &cobra.Command{
		Use:   "status",
		Short: "Ask every box of the fleet how it is, worst first",
		Long: `Ask possed on every box of the fleet over SSH, --parallel at a time and each
for at most --timeout: one line per box with whether it could be reached (or
why not: timeout, host-key-unknown, host-key-changed, connection-refused,
no-route, auth-failed, no-possed), its services' health, the age of its last
backup and of its off-site copies, its last restore drill, the days its
certificates have left, the disk use of its shares, pending updates, and
drift: how many steps planning its template against it gives (none is good).
Boxes that need attention come first. Keys are checked against --known-hosts
and never accepted here; keys come from the SSH agent and --identity. Exits 1
when a box needs attention (unreachable, unhealthy, no site, drifted, last
backup or an off-site copy older than 36 hours or failed, the last restore
drill failed, a certificate ending within 14 days, a share's disk 90% full,
security updates pending). --json: see docs/fleet.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := noFleetConn(c); err != nil {
				return err
			}
			if timeout <= 0 || parallel < 1 {
				return usageError{fmt.Errorf("--timeout must be positive and --parallel at least 1")}
			}
			f, err := loadFleet()
			if err != nil {
				return err
			}
			if len(f.Boxes) == 0 && !statusJSON {
				fmt.Fprintf(c.OutOrStdout(), "No boxes in the fleet (%s): add one with 'possectl fleet add NAME USER@HOST'\n", f.Path)
				return nil
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			p := fleet.SSHProber{KnownHosts: connFlags.knownHosts, Identities: connFlags.identities, ReadTemplate: readTemplate}
			rs := fleet.Check(ctx, f.Boxes, p, fleet.Options{Parallel: parallel, Timeout: timeout})
			now := time.Now()
			if statusJSON {
				err = printSafeJSON(c.OutOrStdout(), fleet.JSON(rs, now))
			} else {
				err = fleet.WriteText(c.OutOrStdout(), rs, now)
			}
			if err != nil {
				return err
			}
			n := 0
			for _, r := range rs {
				if r.NeedsAttention() {
					n++
				}
			}
			if n > 0 {
				return fmt.Errorf("%d of %d boxes need attention", n, len(rs))
			}
			return nil
		},
	}
	status.Flags().BoolVar(&statusJSON, "json", false, "print the report as JSON")
	status.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "give up on a box after `DURATION`")
	status.Flags().IntVar(&parallel, "parallel", 8, "ask at most `N` boxes at once")

	fleetCmd.AddCommand(add, remove, list, status)
	rootCmd.AddCommand(fleetCmd)
}
