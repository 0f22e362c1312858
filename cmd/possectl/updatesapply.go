// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// appliedJSON is what updates apply --json prints.
type appliedJSON struct {
	Plan     []updateJSON `json:"plan"`
	Upgraded []updateJSON `json:"upgraded"`
	Pending  int          `json:"pending"`
	Unit     string       `json:"unit,omitempty"`
	// Log is the end of the upgrade's output (journalctl -u
	// posse-updates has all of it).
	Log      string          `json:"log"`
	Services []serviceHealth `json:"services"`
	OK       bool            `json:"ok"`
}

func updatesApplyCmd() *cobra.Command {
	var asJSON, yes, refresh bool
	c := &cobra.Command{
		Use:   "apply",
		Short: "Show the pending updates, then install them and check the services",
		Long: `Show the plan (the packages and versions), ask for confirmation (unless
--yes), then install exactly those updates in posse-updates.service
(apt-get upgrade, non-interactive, changed configuration files kept) and
check the health of the site's services afterwards, as status does. When
the pending updates changed between the plan and the confirmation, nothing
is installed. Exits 1 when the upgrade failed or a service is not healthy
after it.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b, closeB, err := openUpdates(c)
			if err != nil {
				return err
			}
			defer closeB()
			ctx := c.Context()
			u, err := b.Updates(ctx, refresh)
			if err != nil {
				return possedError(err, "list the updates", groupOffice, "")
			}
			out, info := c.OutOrStdout(), c.ErrOrStderr()
			if !asJSON {
				info = out
			}
			res := appliedJSON{Plan: toUpdateJSON(u.Pending), Upgraded: []updateJSON{}, Services: []serviceHealth{}}
			if len(u.Pending) == 0 {
				fmt.Fprintln(info, "no updates pending: nothing to install")
				res.OK = true
				if asJSON {
					return printSafeJSON(out, res)
				}
				return nil
			}
			printUpdates(info, u, time.Now())
			if !yes {
				if err := confirmChange(c, fmt.Sprintf("Install these %d updates?", len(u.Pending))); err != nil {
					return err
				}
			}
			fmt.Fprintf(info, "\ninstalling %d update%s in posse-updates.service (journalctl -u posse-updates -f follows it)…\n", len(u.Pending), plural(len(u.Pending), "", "s"))
			t0 := time.Now()
			stop := tickWhile(info, t0)
			r, err := b.ApplyUpdates(ctx, u.ID)
			stop()
			if err != nil {
				return possedError(err, "install updates", groupAdmin, "")
			}
			res.Upgraded, res.Pending, res.Unit, res.Log = toUpdateJSON(r.Upgraded), int(r.Pending), r.Unit, r.Log
			for _, p := range r.Upgraded {
				fmt.Fprintf(info, "  upgraded %s to %s\n", printable.String(p.Package), printable.String(p.Installed))
			}
			fmt.Fprintf(info, "done in %s: %d upgraded, %d still pending\n", time.Since(t0).Round(time.Second), len(r.Upgraded), r.Pending)
			hs, herr := healthAfterUpdates(ctx, b)
			if hs != nil {
				res.Services = hs
				fmt.Fprintln(info)
				printHealth(info, hs)
			}
			res.OK = herr == nil && len(r.Upgraded) > 0
			if asJSON {
				if err := printSafeJSON(out, res); err != nil {
					return err
				}
			}
			if herr != nil {
				return herr
			}
			if len(r.Upgraded) == 0 {
				return fmt.Errorf("the upgrade ran but changed no package: journalctl -u posse-updates says why")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the plan and the result as JSON (the plan and progress go to stderr)")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "install without asking for confirmation")
	c.Flags().BoolVar(&refresh, "refresh", false, "read the package lists from the repositories first (apt-get update)")
	return c
}

// upgradeTick is how often apply says the upgrade still runs.
var upgradeTick = 15 * time.Second

// tickWhile prints how long the upgrade has run, every upgradeTick, until
// stop is called.
func tickWhile(w io.Writer, t0 time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(upgradeTick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "  still installing (%s)…\n", time.Since(t0).Round(time.Second))
			}
		}
	}()
	return func() { close(done); <-finished }
}

// healthAfterUpdates runs the site's health probes, as status does; a box
// without a site has no services to check (nil, nil).
func healthAfterUpdates(ctx context.Context, b updatesBackend) ([]serviceHealth, error) {
	st, err := b.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("the updates are installed, but reading the status failed: %w", err)
	}
	if st.Site == "" {
		return nil, nil
	}
	t0 := time.Now()
	svcs, err := b.Health(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("the updates are installed, but checking the services failed: %w", err)
	}
	hs := fromAPI(svcs, time.Since(t0))
	var bad []string
	for _, h := range hs {
		if !h.OK {
			bad = append(bad, h.Service+" ("+h.Detail+")")
		}
	}
	if len(bad) > 0 {
		return hs, fmt.Errorf("after the updates, not healthy: %s", strings.Join(bad, ", "))
	}
	return hs, nil
}
