// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() {
	var f siteFlags
	var yes bool
	c := &cobra.Command{
		Use:   "apply FILE",
		Short: "Make the box match a site template",
		Long: `Plan, show the plan, ask for confirmation (unless --yes), then apply it step by
step: files are written atomically with their previous versions kept, each
service's own checker runs before any reload, units are restarted through
systemd and their health is probed. If a service does not come up, its files
are restored and it is restarted on the old configuration.
Applying the same site twice changes nothing the second time.

possed on the box (this one, or --host) does the work and reports each step;
the secrets the template references go to it as call arguments. If the
connection drops, the apply goes on: see possectl status. As root on the box
itself, --direct applies in this process without possed (for recovery).`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			local, err := f.local()
			if err != nil {
				return err
			}
			if !local {
				return daemonApply(c, args[0], &f, yes)
			}
			out := c.OutOrStdout()
			b, s, secrets, closeBox, err := localSite(args[0], &f)
			if err != nil {
				return err
			}
			defer closeBox()
			// An empty plan is still applied after an interrupted apply:
			// the engine runs the unit, check and probe steps it never
			// finished (the plan, made from the files on disk, lacks them).
			p, res, err := b.RunSite(c.Context(), s, secrets, possed.RunOptions{
				SkipEmpty: true,
				Save:      true,
				Progress:  apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))),
				Check: func(p *plan.Plan) error {
					if err := printPlan(out, p, false); err != nil {
						return err
					}
					if p.Empty() {
						return nil
					}
					if !yes {
						ok, err := confirm("Apply these changes?")
						if err != nil {
							return err
						}
						if !ok {
							return fmt.Errorf("apply cancelled: nothing was changed")
						}
					}
					fmt.Fprintln(out)
					return nil
				},
			})
			if res != nil {
				printWarnings(out, res)
				fmt.Fprintln(out, res.Summary())
				if err != nil && !res.OK() {
					return fmt.Errorf("apply failed: %w", err)
				}
			}
			return planFailed(p, err)
		},
	}
	f.register(c)
	c.Flags().BoolVarP(&yes, "yes", "y", false, "apply without asking for confirmation")
	rootCmd.AddCommand(c)
}

// daemonApply plans through possed, asks, and has possed apply, printing
// its step events as they come.
func daemonApply(c *cobra.Command, file string, f *siteFlags, yes bool) error {
	ctx := c.Context()
	out := c.OutOrStdout()
	d, err := planThroughDaemon(ctx, file, f)
	if err != nil {
		return err
	}
	defer d.close()
	p := d.plan
	if err := writePlan(out, p, false); err != nil {
		return err
	}
	if !p.Empty() {
		if !yes {
			ok, err := confirm("Apply these changes?")
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("apply cancelled: nothing was changed")
			}
		}
		fmt.Fprintln(out)
	}
	// An empty plan is applied too: possed records the site as applied.
	progress := &eventPrinter{text: apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))), plan: stepLabels(p)}
	// possed applies exactly the plan shown, or nothing if the box changed
	// since.
	res, err := d.cl.ApplyPlan(ctx, d.raw, d.secrets, p, progress.event)
	if err != nil {
		return daemonError(err, "apply a site", groupAdmin)
	}
	if client.PlanChanged(res) {
		return fmt.Errorf("%s: nothing was changed; run 'possectl apply %s' again to see the new plan", res.Error, file)
	}
	return progress.finish(out, res)
}

// eventPrinter prints possed's step events like the in-process apply.
type eventPrinter struct {
	text *apply.TextProgress
	// plan is possed's plan shown before, for the exact step labels.
	plan *plan.Plan
}

// step is the planned step an event is about.
func (e *eventPrinter) step(s api.Step) plan.Step {
	if i := int(s.Index); i >= 0 && i < len(e.plan.Steps) {
		if ps := e.plan.Steps[i]; ps.Service == s.Service && ps.Kind == s.Kind && ps.Target == s.Target {
			return ps
		}
	}
	return plan.Step{Service: s.Service, Action: plan.Action(s.Action), Kind: s.Kind, Target: s.Target, Summary: s.Summary}
}

func (e *eventPrinter) event(ev client.Event) {
	i, n, ps := int(ev.Index), int(ev.Total), e.step(ev.Step)
	if ev.Started {
		e.text.StepStart(i, n, ps)
		return
	}
	var err error
	switch apply.Status(ev.Status) {
	case apply.Skipped:
		err = apply.ErrSkipped
	case apply.Failed:
		err = errors.New(ev.Error)
	}
	e.text.StepDone(i, n, ps, time.Duration(ev.DurationMS)*time.Millisecond, err)
}

// finish prints the rollback and the summary and turns a failed apply
// into an error.
func (e *eventPrinter) finish(w io.Writer, res api.ApplyResult) error {
	if len(res.Problems) > 0 {
		return templateProblems("template", res.Problems)
	}
	if r := engineResult(res); r != nil {
		if r.FailedStep >= 0 && r.FailedService != "" {
			var rbErr error
			if r.RollbackError != "" {
				rbErr = errors.New(r.RollbackError)
			}
			e.text.RollbackDone(r.FailedService, r.RolledBack, rbErr)
		}
		printWarnings(w, r)
		if r.Outcome != apply.OutcomeNoChanges {
			fmt.Fprintln(w, r.Summary())
		}
	} else if len(res.RolledBack) > 0 {
		fmt.Fprintf(w, "↩ rolled back: %s\n", strings.Join(res.RolledBack, ", "))
	}
	if !res.OK {
		msg := res.Error
		if msg == "" {
			msg = res.Outcome
		}
		return fmt.Errorf("apply failed: %s", msg)
	}
	return nil
}

// confirm asks a yes/no question on the terminal; without a terminal it
// refuses, so scripts must say --yes.
func confirm(q string) (bool, error) {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return false, usageError{fmt.Errorf("refusing to apply without confirmation: stdin is not a terminal; pass --yes")}
	}
	fmt.Fprintf(os.Stdout, "%s Only 'yes' is accepted: ", q)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return false, nil
	}
	return strings.TrimSpace(line) == "yes", nil
}

// printWarnings shows what the engine noticed besides the steps, such as an
// earlier apply that was interrupted and is now being finished.
func printWarnings(w io.Writer, r *apply.Result) {
	for _, msg := range r.Warnings {
		fmt.Fprintln(w, "warning:", msg)
	}
}
