package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/spf13/cobra"
)

func init() {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Probe the health of every service of the site applied to this box",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			probeEnv := &host.Env{Root: "/", StateDir: host.DefaultStateDir}
			s, secrets, err := provisioning.LoadApplied(probeEnv)
			if err != nil {
				return err
			}
			env, cleanup, err := boxEnv(ctx, "", secrets)
			if err != nil {
				return err
			}
			defer cleanup()
			hs := provisioning.Status(ctx, s, env, provisioning.Services())
			out := c.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if hs == nil {
					hs = []provisioning.ServiceHealth{}
				}
				if err := enc.Encode(hs); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "SERVICE\tHEALTH\tDETAIL\n")
				for _, h := range hs {
					state := "ok"
					if !h.OK {
						state = "FAILED"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Service, state, h.Detail)
				}
				tw.Flush()
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
