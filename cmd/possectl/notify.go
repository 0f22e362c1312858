// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/internal/printable"
)

func init() {
	c := &cobra.Command{
		Use:   "notify",
		Short: "Alerts by mail: check the box now, list the open problems, send a test mail",
		Long: `The alerts of the site's notify section (docs/alerts.md). posse-notify.timer
runs 'notify run --scheduled' every 15 minutes, and a failed backup, check,
drill or copy starts it at once. run and test run in this process as root on
the box; status asks possed (or, with --direct, reads the state in this
process).`,
	}
	c.AddCommand(notifyRunCmd(), notifyStatusCmd(), notifyTestCmd())
	rootCmd.AddCommand(c)
}

func notifyRunCmd() *cobra.Command {
	var scheduled, asJSON bool
	c := &cobra.Command{
		Use:   "run",
		Short: "Check the box now and mail the alerts that are due",
		Long: `Check the box now, as the timer does: a failed or too old backup, a failed
copy, check or drill, a file system above 90%, a unit of the site that is not
running, a certificate that expires within 14 days. A new problem is mailed
at once, an open one again after a day, and a problem that went away gets a
resolved mail. Exits non-zero when a mail could not be sent (it is tried
again on the next run).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withLocalBox(c, func(b *possed.Box) error {
				rep, err := b.NotifyRun(c.Context())
				out := c.OutOrStdout()
				if asJSON {
					if perr := printJSON(out, rep); perr != nil {
						return perr
					}
				} else {
					printReport(out, rep)
				}
				return err
			})
		},
	}
	c.Flags().BoolVar(&scheduled, "scheduled", false, "run as the timer's unit does (the output goes to the journal)")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was found and sent as JSON")
	return c
}

func printReport(w io.Writer, rep possed.NotifyReport) {
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "no problems")
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "problem %s: %s\n", printable.String(p.Key), printable.String(p.Subject))
	}
	for _, s := range rep.Sent {
		fmt.Fprintf(w, "sent: %s\n", printable.String(s))
	}
	for _, s := range rep.Failed {
		fmt.Fprintf(w, "NOT sent: %s\n", printable.String(s))
	}
}

func notifyStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "List the open problems and when each was last mailed",
		Long: `List the recipients of the alerts and the problems the last check run found
open: when each was first seen and when its last mail went out ("-" when
none could be sent yet). It asks possed (members of posse-office and
posse-admin may); with --direct it reads the state in this process as root.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := notifyStatus(c)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			if asJSON {
				return printJSON(out, st)
			}
			fmt.Fprintf(out, "alerts to %s, from %s\n", printable.String(strings.Join(st.To, ", ")), printable.String(st.From))
			if st.State.LastRun.IsZero() {
				fmt.Fprintln(out, "last check: never (posse-notify.timer runs it every 15 minutes)")
			} else {
				fmt.Fprintf(out, "last check: %s\n", st.State.LastRun.Local().Format(time.DateTime))
			}
			if len(st.State.Open) == 0 {
				fmt.Fprintln(out, "no open problems")
				return nil
			}
			fmt.Fprintln(out)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "PROBLEM\tFIRST SEEN\tLAST MAIL\tSUBJECT\n")
			for _, k := range st.State.Keys() {
				o := st.State.Open[k]
				sent := "-"
				if !o.LastSent.IsZero() {
					sent = o.LastSent.Local().Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable.String(k), o.FirstSeen.Local().Format(time.DateTime), sent, printable.String(o.Subject))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the recipients and the state as JSON")
	return c
}

// notifyStatus asks possed for the alerts, or with --direct reads them in
// this process.
func notifyStatus(c *cobra.Command) (possed.NotifyStatus, error) {
	isDirect, err := direct()
	if err != nil {
		return possed.NotifyStatus{}, err
	}
	if isDirect {
		b, closeBox, err := localBox("")
		if err != nil {
			return possed.NotifyStatus{}, err
		}
		defer closeBox()
		return b.NotifyStatus(c.Context())
	}
	cl, err := dial(c.Context())
	if err != nil {
		return possed.NotifyStatus{}, err
	}
	defer cl.Close()
	a, err := cl.Alerts(c.Context())
	if err != nil {
		return possed.NotifyStatus{}, daemonError(err, "read the alerts", groupOffice)
	}
	if !a.Configured {
		return possed.NotifyStatus{}, fmt.Errorf("the site applied on %s has no alerts: add notify: {to: [ADDRESS]} to the template and apply it", box())
	}
	return possed.NotifyStatusOf(a), nil
}

func notifyTestCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "test",
		Short: "Send a test mail to the alerts' recipients",
		Long: `Send one test mail to the addresses of notify.to through the box's Postfix
(and its relay, when one is set). The mail is queued when the command
succeeds; 'possectl mail queue' shows it if it is not delivered.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withLocalBox(c, func(b *possed.Box) error {
				subj, env, err := b.NotifyTest(c.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(c.OutOrStdout(), map[string]any{"subject": subj, "from": env.From, "to": env.To})
				}
				fmt.Fprintf(c.OutOrStdout(), "sent %q to %s\n", subj, printable.String(strings.Join(env.To, ", ")))
				return nil
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the subject and recipients as JSON")
	return c
}
