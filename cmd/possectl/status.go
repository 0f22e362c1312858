// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/backup"
	"github.com/spf13/cobra"
)

// serviceHealth is one line of status; --json prints a list of them (the
// fields of provisioning.ServiceHealth, plus the unit and its state from
// possed).
type serviceHealth struct {
	Service string  `json:"service"`
	Unit    string  `json:"unit,omitempty"`
	State   string  `json:"state,omitempty"`
	OK      bool    `json:"ok"`
	Detail  string  `json:"detail"`
	Seconds float64 `json:"seconds"`
}

func init() {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the health of every service of the site applied to the box",
		Long: `Ask possed on the box (this one, or --host) for the site applied and the
health of its services: the state of each service's unit, and the full probe
of the directory (LDAPS bind, DNS, Kerberos). Any account on the box may
read it. Exits 1 when a service is not healthy.
With --direct (root on the box) every service's own probe runs in process.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			isDirect, err := direct()
			if err != nil {
				return err
			}
			var hs []serviceHealth
			var usage *api.Usage
			var upd *api.Updates
			var firstLogon []string
			if isDirect {
				hs, upd, err = directStatus(c, asJSON)
			} else {
				hs, usage, upd, firstLogon, err = daemonStatus(c, asJSON)
			}
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				if hs == nil {
					hs = []serviceHealth{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(hs); err != nil {
					return err
				}
			} else {
				printHealth(out, hs)
				if usage != nil {
					printUsage(out, *usage, time.Now())
				}
				if upd != nil {
					fmt.Fprintf(out, "\n%s\n", pendingLine(*upd, time.Now()))
				}
				if len(firstLogon) > 0 {
					fmt.Fprintf(out, "\n%s\n", firstLogonLine(firstLogon))
				}
			}
			for _, h := range hs {
				if !h.OK {
					return fmt.Errorf("%s is not healthy: %s", h.Service, h.Detail)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the health report as JSON")
	rootCmd.AddCommand(c)
}

func printHealth(w io.Writer, hs []serviceHealth) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SERVICE\tUNIT\tHEALTH\tDETAIL\n")
	for _, h := range hs {
		state := "ok"
		if !h.OK {
			state = "FAILED"
		}
		unit := h.Unit
		if unit == "" {
			unit = "-"
		} else if h.State != "" && h.State != "active" {
			unit += " (" + h.State + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Service, unit, state, h.Detail)
	}
	tw.Flush()
}

// daemonStatus asks possed for the box and its services' health; the text
// form starts with the box, its site and possed's version.
// firstLogon lists the users who have not chosen their own password yet.
func daemonStatus(c *cobra.Command, asJSON bool) (hs []serviceHealth, usage *api.Usage, upd *api.Updates, firstLogon []string, err error) {
	hs, cl, err := daemonHealth(c, asJSON)
	if err != nil || asJSON {
		if cl != nil {
			cl.Close()
		}
		return hs, nil, nil, nil, err
	}
	defer cl.Close()
	// The pending updates, as apt's lists know them (not read again); a
	// possed without Updates (older Posse) or a caller not allowed leaves
	// them out.
	if u, err := cl.Updates(c.Context(), false); err == nil {
		upd = &u
	}
	// Who still has to choose a password; a caller who may not list
	// users leaves it out.
	firstLogon = pendingFirstLogon(c.Context(), cl)
	// The shares' disk use and the mail queue; a possed without Usage
	// (older Posse) leaves them out.
	u, err := cl.Usage(c.Context())
	if err != nil {
		return hs, nil, upd, firstLogon, nil
	}
	return hs, &u, upd, firstLogon, nil
}

// daemonHealth reads the status and health; the caller closes cl.
func daemonHealth(c *cobra.Command, asJSON bool) ([]serviceHealth, *client.Client, error) {
	ctx := c.Context()
	cl, err := dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return nil, cl, daemonError(err, "read the status", groupOffice)
	}
	if st.Site == "" {
		return nil, cl, fmt.Errorf("no site is applied on %s (%s) yet: apply one with 'possectl apply FILE'", box(), st.Hostname)
	}
	if !asJSON {
		busy := ""
		if st.Busy {
			busy = ", busy"
			if st.Job != "" {
				busy += " with apply " + st.Job
			}
		}
		fmt.Fprintf(c.OutOrStdout(), "%s: site %q, possed %s%s\n\n", st.Hostname, st.Site, st.Version, busy)
	}
	t0 := time.Now()
	svcs, err := cl.Health(ctx, "")
	if client.IsNotAvailable(err) {
		return nil, cl, fmt.Errorf("no site is applied on %s yet: apply one with 'possectl apply FILE'", box())
	}
	if err != nil {
		return nil, cl, daemonError(err, "read the status", groupOffice)
	}
	return fromAPI(svcs, time.Since(t0)), cl, nil
}

// printUsage prints the shares' disk use, their disks' free space and the
// mail queue after the health table.
func printUsage(w io.Writer, u api.Usage, now time.Time) {
	if len(u.Shares) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "SHARE\tPATH\tUSED\tFILES\tMEASURED\tFREE ON DISK\n")
		for _, s := range u.Shares {
			used, files, when := "-", "-", "measuring"
			if s.Error != "" && s.UsedBytes == 0 {
				when = "-"
			} else if s.MeasuredAt != "" {
				used, files, when = bytesText(s.UsedBytes), fmt.Sprint(s.Files), s.MeasuredAt
				if t, err := time.Parse(time.RFC3339, s.MeasuredAt); err == nil {
					when = now.Sub(t).Round(time.Second).String() + " ago"
				}
				if !s.Complete {
					used = ">" + used
				}
			}
			free := "-"
			if s.SizeBytes > 0 {
				free = bytesText(s.FreeBytes) + " of " + bytesText(s.SizeBytes)
			}
			if s.Error != "" {
				free += " (" + s.Error + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Path, used, files, when, free)
		}
		tw.Flush()
	}
	q := u.Mail
	switch {
	case !q.Configured:
	case q.Error != "":
		fmt.Fprintf(w, "\nmail queue: %s\n", q.Error)
	case q.Messages == 0:
		fmt.Fprintf(w, "\nmail queue: empty\n")
	default:
		oldest := q.Oldest
		if t, err := time.Parse(time.RFC3339, q.Oldest); err == nil {
			oldest = now.Sub(t).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(w, "\nmail queue: %d messages (%d deferred), the oldest arrived %s\n", q.Messages, q.Deferred, oldest)
	}
}

// bytesText prints a byte count in binary units, as backup sizes are.
func bytesText(n uint64) string { return backup.Bytes(int64(min(n, math.MaxInt64))) }

func fromAPI(svcs []api.ServiceStatus, d time.Duration) []serviceHealth {
	out := make([]serviceHealth, 0, len(svcs))
	for _, s := range svcs {
		detail := s.Detail
		if detail == "" && s.Healthy {
			detail = s.State
		}
		out = append(out, serviceHealth{Service: s.Name, Unit: s.Unit, State: s.State, OK: s.Healthy, Detail: detail, Seconds: d.Seconds()})
	}
	return out
}

// directStatus asks possed's backend in this process (root) for the
// health of every service of the applied site: the same unit states and
// probes possed reports.
func directStatus(c *cobra.Command, asJSON bool) ([]serviceHealth, *api.Updates, error) {
	b, closeBox, err := localBox("")
	if err != nil {
		return nil, nil, err
	}
	defer closeBox()
	t0 := time.Now()
	svcs, err := b.Health(c.Context(), "")
	if err != nil {
		return nil, nil, err
	}
	hs := fromAPI(svcs, time.Since(t0))
	if asJSON {
		return hs, nil, nil
	}
	if u, err := b.Updates(c.Context(), false); err == nil {
		return hs, &u, nil
	}
	return hs, nil, nil
}
