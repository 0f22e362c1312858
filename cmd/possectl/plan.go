package main

import (
	"context"
	"fmt"
	"io"

	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/spf13/cobra"
)

// siteFlags are the flags plan and apply share.
type siteFlags struct {
	secrets string
	root    string
	json    bool
}

func (f *siteFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.secrets, "secrets", "", "secrets `FILE` (YAML map name → value, mode 0600); POSSE_SECRET_<NAME> variables also count")
	c.Flags().StringVar(&f.root, "root", "", "render and write files under `DIR` instead of / (no units, no LDAP, no commands)")
}

func init() {
	var f siteFlags
	c := &cobra.Command{
		Use:   "plan FILE",
		Short: "Show what apply would change on this box, without changing anything",
		Args:  exactArgs(1, "a site template file"),
		RunE: func(c *cobra.Command, args []string) error {
			p, _, _, cleanup, err := makePlan(c.Context(), args[0], &f)
			if err != nil {
				return err
			}
			defer cleanup()
			return printPlan(c.OutOrStdout(), p, f.json)
		},
	}
	f.register(c)
	c.Flags().BoolVar(&f.json, "json", false, "print the plan as JSON")
	rootCmd.AddCommand(c)
}

// makePlan loads the site and secrets, builds the environment and plans.
func makePlan(ctx context.Context, file string, f *siteFlags) (*plan.Plan, *site.Site, *host.Env, func(), error) {
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := loadSite(file)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	secrets, err := checkSecrets(s, f.secrets)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	env, cleanup, err := boxEnv(ctx, f.root, secrets)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	p, err := provisioning.MakePlan(ctx, s, env, provisioning.Services())
	if err != nil {
		cleanup()
		return nil, nil, nil, nil, fmt.Errorf("planning failed: %w", err)
	}
	return p, s, env, cleanup, nil
}

func printPlan(w io.Writer, p *plan.Plan, asJSON bool) error {
	if asJSON {
		return plan.WriteJSON(w, p)
	}
	return plan.WriteText(w, p)
}
