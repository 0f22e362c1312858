// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// updatesBackend is possed (the client) or possed's backend in this
// process (--direct): both list and install the box's updates.
type updatesBackend interface {
	Updates(ctx context.Context, refresh bool) (api.Updates, error)
	ApplyUpdates(ctx context.Context, id string) (api.UpdatesApplied, error)
	Health(ctx context.Context, service string) ([]api.ServiceStatus, error)
	Status(ctx context.Context) (api.Status, error)
}

// openUpdates connects to possed, or with --direct opens the backend here.
func openUpdates(c *cobra.Command) (updatesBackend, func(), error) {
	isDirect, err := direct()
	if err != nil {
		return nil, nil, err
	}
	if isDirect {
		b, closeBox, err := localBox("")
		if err != nil {
			return nil, nil, err
		}
		return b, closeBox, nil
	}
	cl, err := dial(c.Context())
	if err != nil {
		return nil, nil, err
	}
	return cl, func() { cl.Close() }, nil
}

// updateJSON is one pending update in --json.
type updateJSON struct {
	Package   string `json:"package"`
	Installed string `json:"installed"`
	Candidate string `json:"candidate"`
	Origin    string `json:"origin"`
	Security  bool   `json:"security"`
}

// updatesJSON is what updates list --json prints.
type updatesJSON struct {
	ID       string       `json:"id"`
	Pending  []updateJSON `json:"pending"`
	Count    int          `json:"count"`
	Security int          `json:"security"`
	// ListsUpdated is when apt last read the package lists (RFC 3339,
	// "" unknown); ListsAgeSeconds how long ago (-1 unknown).
	ListsUpdated    string  `json:"lists_updated"`
	ListsAgeSeconds float64 `json:"lists_age_seconds"`
	Refreshed       bool    `json:"refreshed"`
	Running         bool    `json:"running"`
	// LastUpgrade is the last upgrade Posse ran; null when none.
	LastUpgrade *lastUpgradeJSON `json:"last_upgrade"`
}

// lastUpgradeJSON is the last upgrade Posse ran.
type lastUpgradeJSON struct {
	At       string `json:"at"`
	Result   string `json:"result"`
	Packages int    `json:"packages"`
}

func toUpdatesJSON(u api.Updates, now time.Time) updatesJSON {
	out := updatesJSON{ID: u.ID, Pending: toUpdateJSON(u.Pending), Count: len(u.Pending), Security: int(u.Security),
		ListsUpdated: u.ListsUpdated, ListsAgeSeconds: -1, Refreshed: u.Refreshed, Running: u.Running}
	if t, err := time.Parse(time.RFC3339, u.ListsUpdated); err == nil {
		out.ListsAgeSeconds = now.Sub(t).Round(time.Second).Seconds()
	}
	if u.LastUpgrade != "" {
		out.LastUpgrade = &lastUpgradeJSON{At: u.LastUpgrade, Result: u.LastUpgradeResult, Packages: int(u.LastUpgradePackages)}
	}
	return out
}

func toUpdateJSON(us []api.PendingUpdate) []updateJSON {
	out := make([]updateJSON, 0, len(us))
	for _, u := range us {
		out = append(out, updateJSON{Package: u.Package, Installed: u.Installed, Candidate: u.Candidate, Origin: u.Origin, Security: u.Security})
	}
	return out
}

func init() {
	c := &cobra.Command{
		Use:   "updates",
		Short: "List and install the box's pending Debian updates",
		Long: `List the Debian updates pending on the box (security ones marked) and install
them through possed, in the unit posse-updates.service. The template's
updates key turns on automatic updates (docs/updates.md).`,
	}
	c.AddCommand(updatesListCmd(), updatesApplyCmd())
	rootCmd.AddCommand(c)
}

func updatesListCmd() *cobra.Command {
	var asJSON, refresh bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the pending updates, installed and candidate versions",
		Long: `List the packages an upgrade would change, with the version installed and the
one that would be, and whether it comes from a security suite. The package
lists are not read again unless --refresh (apt-get update); the output says
how old they are. Exits 0 whether or not updates are pending.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b, closeB, err := openUpdates(c)
			if err != nil {
				return err
			}
			defer closeB()
			u, err := b.Updates(c.Context(), refresh)
			if err != nil {
				return possedError(err, "list the updates", groupOffice, "")
			}
			now := time.Now()
			if asJSON {
				return printSafeJSON(c.OutOrStdout(), toUpdatesJSON(u, now))
			}
			printUpdates(c.OutOrStdout(), u, now)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the updates as JSON")
	c.Flags().BoolVar(&refresh, "refresh", false, "read the package lists from the repositories first (apt-get update)")
	return c
}

// printUpdates prints the table of pending updates and the lists' age.
func printUpdates(w io.Writer, u api.Updates, now time.Time) {
	if len(u.Pending) == 0 {
		fmt.Fprintln(w, "no updates pending")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "PACKAGE\tINSTALLED\tCANDIDATE\tSECURITY\tORIGIN\n")
		for _, p := range u.Pending {
			sec := "-"
			if p.Security {
				sec = "yes"
			}
			inst := p.Installed
			if inst == "" {
				inst = "(new)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable.String(p.Package), printable.String(inst), printable.String(p.Candidate), sec, printable.String(p.Origin))
		}
		tw.Flush()
		fmt.Fprintf(w, "\n%s\n", updatesSummary(u))
	}
	fmt.Fprintf(w, "package lists: %s\n", listsAge(u, now))
	if u.LastUpgrade != "" {
		fmt.Fprintf(w, "last upgrade: %s\n", lastUpgradeText(u, now))
	}
	if u.Running {
		fmt.Fprintf(w, "an upgrade runs now (journalctl -u posse-updates follows it)\n")
	}
}

// updatesSummary says "3 updates pending (1 security)".
func updatesSummary(u api.Updates) string {
	n := len(u.Pending)
	s := fmt.Sprintf("%d update%s pending", n, plural(n, "", "s"))
	if u.Security > 0 {
		s += fmt.Sprintf(" (%d security)", u.Security)
	}
	return s
}

// listsAge says how old apt's package lists are.
func listsAge(u api.Updates, now time.Time) string {
	t, err := time.Parse(time.RFC3339, u.ListsUpdated)
	if err != nil {
		return "age unknown: run with --refresh to read them"
	}
	s := "read " + now.Sub(t).Round(time.Minute).String() + " ago (" + t.Local().Format("2006-01-02 15:04") + ")"
	if u.Refreshed {
		s += ", just now by --refresh"
	} else if now.Sub(t) > 24*time.Hour {
		s += "; --refresh reads them again"
	}
	return s
}

// pendingLine is status's line about the updates: "updates: 3 updates
// pending (1 security) (…); package lists read 2h0m0s ago …".
func pendingLine(u api.Updates, now time.Time) string {
	s := "updates: none pending"
	if len(u.Pending) > 0 {
		s = "updates: " + updatesSummary(u) + " ('possectl updates list' shows them)"
	}
	s += "; package lists " + listsAge(u, now)
	if u.LastUpgrade != "" {
		s += "; last upgrade " + lastUpgradeText(u, now)
	}
	return s
}

// lastUpgradeText says "2h0m0s ago, 3 packages, success".
func lastUpgradeText(u api.Updates, now time.Time) string {
	when := u.LastUpgrade
	if t, err := time.Parse(time.RFC3339, u.LastUpgrade); err == nil {
		when = now.Sub(t).Round(time.Minute).String() + " ago"
	}
	n := int(u.LastUpgradePackages)
	return fmt.Sprintf("%s, %d package%s, %s", when, n, plural(n, "", "s"), printable.String(u.LastUpgradeResult))
}
