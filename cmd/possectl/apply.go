package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() {
	var f siteFlags
	var yes bool
	c := &cobra.Command{
		Use:   "apply FILE",
		Short: "Make this box match a site template",
		Long: `Plan, show the plan, ask for confirmation (unless --yes), then apply it step by
step: files are written atomically with their previous versions kept, each
service's own checker runs before any reload, units are restarted through
systemd and their health is probed. If a service does not come up, its files
are restored and it is restarted on the old configuration.
Applying the same site twice changes nothing the second time.`,
		Args: exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			out := c.OutOrStdout()
			p, s, env, cleanup, err := makePlan(ctx, args[0], &f)
			if err != nil {
				return err
			}
			defer cleanup()
			if err := printPlan(out, p, false); err != nil {
				return err
			}
			if p.Empty() {
				return provisioning.SaveApplied(env, s, env.Secrets)
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
			execs := map[string]apply.Executor{}
			for _, svc := range provisioning.Services() {
				execs[svc.Name()] = svc
			}
			res, err := apply.Apply(ctx, p, env, execs, apply.NewTextProgress(out, term.IsTerminal(int(os.Stdout.Fd()))))
			if res != nil {
				fmt.Fprintln(out, res.Summary())
			}
			if err != nil {
				return fmt.Errorf("apply failed: %w", err)
			}
			return provisioning.SaveApplied(env, s, env.Secrets)
		},
	}
	f.register(c)
	c.Flags().BoolVarP(&yes, "yes", "y", false, "apply without asking for confirmation")
	rootCmd.AddCommand(c)
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
