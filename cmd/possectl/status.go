package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
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
			if isDirect {
				hs, err = directStatus(c)
			} else {
				hs, err = daemonStatus(c, asJSON)
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
func daemonStatus(c *cobra.Command, asJSON bool) ([]serviceHealth, error) {
	ctx := c.Context()
	cl, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil {
		return nil, daemonError(err, "read the status", groupOffice)
	}
	if st.Site == "" {
		return nil, fmt.Errorf("no site is applied on %s (%s) yet: apply one with 'possectl apply FILE'", box(), st.Hostname)
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
		return nil, fmt.Errorf("no site is applied on %s yet: apply one with 'possectl apply FILE'", box())
	}
	if err != nil {
		return nil, daemonError(err, "read the status", groupOffice)
	}
	return fromAPI(svcs, time.Since(t0)), nil
}

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

// directStatus runs every service's probe in this process (root).
func directStatus(c *cobra.Command) ([]serviceHealth, error) {
	ctx := c.Context()
	probeEnv := &host.Env{Root: "/", StateDir: host.DefaultStateDir}
	s, secrets, err := provisioning.LoadApplied(probeEnv)
	if err != nil {
		return nil, err
	}
	env, cleanup, err := boxEnv(ctx, "", secrets)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	var out []serviceHealth
	for _, h := range provisioning.Status(ctx, s, env, provisioning.Services()) {
		out = append(out, serviceHealth{Service: h.Service, OK: h.OK, Detail: h.Detail, Seconds: h.Seconds})
	}
	return out, nil
}
