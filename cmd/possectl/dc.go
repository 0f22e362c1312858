// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

func init() {
	c := &cobra.Command{
		Use:   "dc",
		Short: "Domain controllers of the site: replication, FSMO roles, removing a dead DC",
		Long: `The domain controllers of the site's servers list (docs/second-dc.md). These
commands run in this process as root on a domain controller.`,
	}
	c.AddCommand(dcStatusCmd(), dcSeizeRolesCmd(), dcTransferRolesCmd(), dcRemoveCmd())
	rootCmd.AddCommand(c)
}

// dcReport is one domain controller's part of dc status.
type dcReport struct {
	// Name and Address are the server's entry in the template ("" for a
	// site without servers).
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	ADSite  string `json:"ad_site,omitempty"`
	// Replication is what samba-tool drs showrepl said; nil on error.
	Replication *ad.Replication `json:"replication,omitempty"`
	Problems    []string        `json:"problems,omitempty"`
	Error       string          `json:"error,omitempty"`
}

func dcStatusCmd() *cobra.Command {
	var asJSON, all bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Replication partners, last success and failures of each domain controller",
		Long: `Ask this box's domain controller (with --all also each other domain
controller of the applied template's servers, at its address) for its
replication state (samba-tool drs showrepl, as this DC's machine account):
the partners it replicates from (inbound) and notifies (outbound), the
oldest last success over the naming contexts, and consecutive failures.
Exits 1 when a DC cannot be asked or has a problem.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := localOnly(c); err != nil {
				return err
			}
			if os.Geteuid() != 0 {
				return errors.New("dc status needs root on a domain controller (samba-tool reads the machine account): run with sudo")
			}
			reps := dcStatus(c.Context(), &host.Env{Root: "/", StateDir: host.DefaultStateDir, Runner: execx.New()}, all)
			out := c.OutOrStdout()
			if asJSON {
				if err := printJSON(out, reps); err != nil {
					return err
				}
			} else {
				printDCStatus(out, reps, time.Now())
			}
			for _, r := range reps {
				if r.Error != "" || len(r.Problems) > 0 {
					return fmt.Errorf("domain controller %s needs attention", dcLabel(r))
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print each domain controller's replication state as JSON")
	c.Flags().BoolVar(&all, "all", false, "ask every domain controller of the template's servers too, not only this box's")
	return c
}

// dcStatus asks the local DC and, with all, every other DC of the applied
// site; others counts the site's other DCs for the problems either way.
func dcStatus(ctx context.Context, env *host.Env, all bool) []dcReport {
	hostname, _ := os.Hostname()
	ip := host.PrimaryIP()
	var dcs []dcReport
	if st, _, err := provisioning.LoadApplied(env); err == nil && len(st.DCs()) > 0 {
		self := st.FindServer(hostname, ip)
		for i, sv := range st.Servers {
			if sv.Role != site.RoleDC {
				continue
			}
			r := dcReport{Name: sv.Name, Address: sv.Address, ADSite: sv.SiteOf()}
			if i == self {
				r.Address = ""
				dcs = append([]dcReport{r}, dcs...)
			} else {
				dcs = append(dcs, r)
			}
		}
		if self < 0 {
			dcs = append([]dcReport{{}}, dcs...)
		}
	} else {
		dcs = []dcReport{{}}
	}
	others := len(dcs) - 1
	if !all {
		dcs = dcs[:1]
	}
	for i := range dcs {
		rep, err := ad.ReadReplication(ctx, env, dcs[i].Address)
		if err != nil {
			dcs[i].Error = err.Error()
			continue
		}
		dcs[i].Replication = &rep
		dcs[i].Problems = rep.Problems(others)
		if dcs[i].Name == "" {
			dcs[i].Name = rep.Server
		}
	}
	return dcs
}

func dcLabel(r dcReport) string {
	if r.Name != "" {
		return r.Name
	}
	if r.Address != "" {
		return r.Address
	}
	return "on this box"
}

func printDCStatus(w io.Writer, reps []dcReport, now time.Time) {
	for i, r := range reps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", dcLabel(r), printable.String(r.Error))
			continue
		}
		rep := r.Replication
		if r.ADSite != "" {
			fmt.Fprintf(w, "%s (AD site %s)\n", printable.String(dcLabel(r)), printable.String(r.ADSite))
		} else {
			fmt.Fprintf(w, "%s\n", printable.String(dcLabel(r)))
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  DIRECTION\tPARTNER\tSITE\tCONTEXTS\tLAST SUCCESS\tFAILURES\n")
		for _, dir := range []struct {
			name  string
			links []ad.Link
		}{{"from", rep.Inbound}, {"to", rep.Outbound}} {
			for _, l := range dir.links {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%d\n", dir.name, printable.String(l.Partner), printable.String(l.Site), l.Contexts, sinceText(l.LastSuccess, now), l.Failures)
			}
		}
		tw.Flush()
		if len(rep.Inbound)+len(rep.Outbound) == 0 {
			fmt.Fprintln(w, "  no replication partners")
		}
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  problem: %s\n", printable.String(p))
		}
	}
}

// sinceText says how long ago t was, "never" for nil.
func sinceText(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	d := now.Sub(*t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}
