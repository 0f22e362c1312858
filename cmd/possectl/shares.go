// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// shareJSON is one share as possectl shares prints it with --json.
type shareJSON struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	Description string   `json:"description"`
	Read        []string `json:"read"`
	Write       []string `json:"write"`
	RecycleBin  bool     `json:"recycle_bin"`
}

func toShareJSON(s api.Share) shareJSON {
	return shareJSON{Name: s.Name, Path: s.Path, Description: s.Description, Read: emptyIfNil(s.Read), Write: emptyIfNil(s.Write), RecycleBin: s.RecycleBin}
}

// shareUsageJSON is one share's disk use as possectl shares usage prints
// it with --json.
type shareUsageJSON struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	UsedBytes uint64 `json:"used_bytes"`
	Files     uint64 `json:"files"`
	// MeasuredAt is when the walk that counted UsedBytes ended; absent
	// while the first walk runs.
	MeasuredAt *time.Time `json:"measured_at,omitempty"`
	// Complete is false when the walk stopped at its limit: UsedBytes is
	// then a lower bound.
	Complete  bool   `json:"complete"`
	FreeBytes uint64 `json:"free_bytes"`
	SizeBytes uint64 `json:"size_bytes"`
	Error     string `json:"error,omitempty"`
}

// sharesError explains possed's errors of share management (the site
// action).
func sharesError(err error) error {
	return possedError(err, "manage shares", groupAdmin, "see 'possectl shares list'")
}

// readUsageError explains possed's errors of reading the disk use and the mail
// queue (the status action, open to every account on the box).
func readUsageError(err error) error {
	return possedError(err, "read the disk use and the mail queue", groupOffice, "")
}

// findShare looks a share up in possed's list; names compare
// case-insensitively, as possed's do.
func findShare(ctx context.Context, cl *client.Client, name string) (api.Share, bool, error) {
	ss, err := cl.Shares(ctx)
	return findNamed(ss, err, func(s api.Share) string { return s.Name }, name)
}

// shareNames completes the first argument with the applied site's shares.
func shareNames(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
	if len(args) > 0 {
		return nil, nil
	}
	ss, err := cl.Shares(ctx)
	return namesOf(ss, err, func(s api.Share) string { return s.Name })
}

// groupNamesAnywhere completes a flag's value with the box's groups.
func groupNamesAnywhere(ctx context.Context, cl *client.Client, _ []string) ([]string, error) {
	return groupNames(ctx, cl, nil)
}

func init() {
	shares := &cobra.Command{
		Use:   "shares",
		Short: "List the file shares, their disk use, and add, change or delete one (through possed)",
		Long: `List the SMB shares of the site applied to the box and how much disk each
uses, and add, change or delete a share, through possed on the box (this one,
or --host). Reading the disk use is open to every account on the box; the
rest needs posse-admin; polkit decides.

set and delete change the site template the box last applied (its comments
and order stay) and apply it: the template stays the source of truth, and
'possectl export' shows the change. A consultant who applies an older copy of
the template undoes it.

There is no --direct path: these commands always go through possed.`,
	}

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the shares with their path and who may read and write",
		Long: `List the shares of the applied site: path, the groups that may read and
write, whether deleted files go to a recycle bin, and the description.
--json prints a list of {"name", "path", "description", "read", "write",
"recycle_bin"}.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ss, err := cl.Shares(c.Context())
			if err != nil {
				return sharesError(err)
			}
			return printShares(c.OutOrStdout(), ss, listJSON)
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the shares as JSON")

	var usageJSON bool
	usage := &cobra.Command{
		Use:   "usage",
		Short: "Show how much disk each share (and the home folders) uses",
		Long: `Show each share's disk use (and the home folders', as "homes") and the free
space of its disk. possed counts the shares in the background, so the sizes
are as of the time shown (MEASURED); ">" marks a count that stopped at its
limit (a lower bound). Any account on the box may read it.
--json prints a list of {"name", "path", "used_bytes", "files", "measured_at",
"complete", "free_bytes", "size_bytes", "error"}.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			u, err := cl.Usage(c.Context())
			if err != nil {
				return readUsageError(err)
			}
			out := c.OutOrStdout()
			if usageJSON {
				list := make([]shareUsageJSON, 0, len(u.Shares))
				for _, s := range u.Shares {
					list = append(list, toShareUsageJSON(s))
				}
				return printSafeJSON(out, list)
			}
			return printShareUsage(out, u.Shares, time.Now())
		},
	}
	usage.Flags().BoolVar(&usageJSON, "json", false, "print the disk use as JSON")

	var set struct {
		path, description string
		read, write       []string
		recycleBin        bool
		asJSON            bool
	}
	setCmd := &cobra.Command{
		Use:   "set SHARE",
		Short: "Add a share or change one; possed applies the site (flags not given stay)",
		Long: `Add a share, or change the share of that name (names compare without case).
Only the flags given change: the others keep the share's current value (for a
new share: the default path /srv/posse/shares/NAME, no description, no
recycle bin). --read and --write replace the list of groups that may read or
write (repeatable or comma-separated; --read= clears it).

possed changes the applied site template and applies it, which takes a few
seconds; it checks the result as 'possectl validate' would (a group the site
does not have, a path outside /srv) and changes nothing when it is wrong.
--json prints the share as the box now has it.`,
		Example: `  possectl shares set Projects --write projects --read staff --description "Project files"
  possectl shares set Projects --recycle-bin`,
		Args:              exactArgs(1, "a share name"),
		ValidArgsFunction: completeFromBox(shareNames),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			sh, found, err := findShare(ctx, cl, args[0])
			if err != nil {
				return sharesError(err)
			}
			if !found {
				sh = api.Share{Name: args[0]}
			}
			f := c.Flags()
			if f.Changed("path") {
				sh.Path = set.path
			}
			if f.Changed("description") {
				sh.Description = set.description
			}
			if f.Changed("read") {
				sh.Read = nonEmpty(set.read)
			}
			if f.Changed("write") {
				sh.Write = nonEmpty(set.write)
			}
			if f.Changed("recycle-bin") {
				sh.RecycleBin = set.recycleBin
			}
			fmt.Fprintf(c.ErrOrStderr(), "possed changes the site template on %s and applies it ...\n", box())
			if err := cl.SetShare(ctx, sh); err != nil {
				return sharesError(err)
			}
			out := c.OutOrStdout()
			if set.asJSON {
				now, ok, err := findShare(ctx, cl, sh.Name)
				if err != nil {
					return fmt.Errorf("the share was set, but reading it back failed: %w", sharesError(err))
				}
				if !ok {
					now = sh
				}
				return printSafeJSON(out, toShareJSON(now))
			}
			verb := "added"
			if found {
				verb = "changed"
			}
			fmt.Fprintf(out, "%s share %s; the site was applied\n", verb, printable.String(sh.Name))
			return nil
		},
	}
	setCmd.Flags().StringVar(&set.path, "path", "", "folder of the share on the box, below /srv (default /srv/posse/shares/NAME)")
	setCmd.Flags().StringVar(&set.description, "description", "", "what the share holds")
	setCmd.Flags().StringSliceVar(&set.read, "read", nil, "`GROUP` that may read (repeatable; replaces the list)")
	setCmd.Flags().StringSliceVar(&set.write, "write", nil, "`GROUP` that may read and write (repeatable; replaces the list)")
	setCmd.Flags().BoolVar(&set.recycleBin, "recycle-bin", false, "keep deleted files in a recycle bin (--recycle-bin=false turns it off)")
	setCmd.Flags().BoolVar(&set.asJSON, "json", false, "print the share as JSON")
	setCmd.RegisterFlagCompletionFunc("read", completeFromBox(groupNamesAnywhere))
	setCmd.RegisterFlagCompletionFunc("write", completeFromBox(groupNamesAnywhere))

	var del struct{ yes, asJSON bool }
	delCmd := &cobra.Command{
		Use:   "delete SHARE",
		Short: "Delete a share; its files stay (asks first, unless --yes)",
		Long: `Delete a share from the applied site template and apply it: the share is no
longer offered, and its folder and files stay on the box. possectl asks for
confirmation on a terminal; without one it refuses unless --yes is given.`,
		Args:              exactArgs(1, "a share name"),
		ValidArgsFunction: completeFromBox(shareNames),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			name, kept := args[0], "its files stay on the box"
			if !del.yes {
				sh, ok, err := findShare(ctx, cl, name)
				if err != nil {
					return sharesError(err)
				}
				if !ok {
					return fmt.Errorf("the site applied on %s has no share %s: see 'possectl shares list'", box(), printable.String(name))
				}
				name, kept = sh.Name, "its files stay in "+printable.String(sh.Path)
				q := fmt.Sprintf("Delete share %s of %s? The site is applied; %s.", printable.String(name), box(), kept)
				if err := confirmChange(c, q); err != nil {
					return err
				}
			}
			fmt.Fprintf(c.ErrOrStderr(), "possed changes the site template on %s and applies it ...\n", box())
			if err := cl.DeleteShare(ctx, name); err != nil {
				return sharesError(err)
			}
			out := c.OutOrStdout()
			if del.asJSON {
				return printSafeJSON(out, deletedJSON{Deleted: name})
			}
			fmt.Fprintf(out, "deleted share %s; %s\n", printable.String(name), kept)
			return nil
		},
	}
	delCmd.Flags().BoolVarP(&del.yes, "yes", "y", false, "delete without asking for confirmation")
	delCmd.Flags().BoolVar(&del.asJSON, "json", false, `print {"deleted": SHARE} as JSON`)

	shares.AddCommand(list, usage, setCmd, delCmd, permissionsCmd())
	rootCmd.AddCommand(shares)
}

// nonEmpty drops empty entries (--read= clears the list).
func nonEmpty(s []string) []string {
	out := []string{}
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// printShares prints shares as a table or JSON.
func printShares(w io.Writer, ss []api.Share, asJSON bool) error {
	if asJSON {
		list := make([]shareJSON, 0, len(ss))
		for _, s := range ss {
			list = append(list, toShareJSON(s))
		}
		return printSafeJSON(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tPATH\tREAD\tWRITE\tRECYCLE BIN\tDESCRIPTION")
	for _, s := range ss {
		bin := "no"
		if s.RecycleBin {
			bin = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", printable.String(s.Name), printable.String(orDash(s.Path)),
			orDashList(s.Read), orDashList(s.Write), bin, printable.String(orDash(s.Description)))
	}
	return tw.Flush()
}

func toShareUsageJSON(s api.ShareUsage) shareUsageJSON {
	j := shareUsageJSON{Name: s.Name, Path: s.Path, UsedBytes: s.UsedBytes, Files: s.Files, Complete: s.Complete,
		FreeBytes: s.FreeBytes, SizeBytes: s.SizeBytes, Error: s.Error}
	if t, err := time.Parse(time.RFC3339, s.MeasuredAt); err == nil {
		j.MeasuredAt = &t
	}
	return j
}

// printShareUsage prints the shares' disk use as a table; times are shown
// relative to now.
func printShareUsage(w io.Writer, us []api.ShareUsage, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tPATH\tUSED\tFILES\tMEASURED\tFREE ON DISK")
	for _, s := range us {
		used, files, when := "-", "-", "measuring"
		if s.Error != "" && s.UsedBytes == 0 {
			when = "-"
		} else if s.MeasuredAt != "" {
			used, files, when = bytesText(s.UsedBytes), fmt.Sprint(s.Files), printable.String(s.MeasuredAt)
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
			free += " (" + printable.String(s.Error) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", printable.String(s.Name), printable.String(orDash(s.Path)), used, files, when, free)
	}
	return tw.Flush()
}
