// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// aliasJSON is one alias as possectl mail prints it with --json.
type aliasJSON struct {
	Address string   `json:"address"`
	To      []string `json:"to"`
}

// mailQueueJSON is possectl mail queue --json.
type mailQueueJSON struct {
	Messages int32 `json:"messages"`
	Deferred int32 `json:"deferred"`
	// Oldest is when the oldest queued message arrived; absent when the
	// queue is empty.
	Oldest *time.Time `json:"oldest,omitempty"`
	// Error says why the queue could not be read.
	Error string `json:"error,omitempty"`
}

// aliasesError explains possed's errors of alias management (the site
// action).
func aliasesError(err error) error {
	return possedError(err, "manage mail aliases", groupAdmin, "see 'possectl mail aliases'")
}

// findAlias looks an alias up in possed's list; addresses compare
// case-insensitively.
func findAlias(ctx context.Context, cl *client.Client, address string) (api.Alias, bool, error) {
	as, err := cl.Aliases(ctx)
	return findNamed(as, err, func(a api.Alias) string { return a.Address }, address)
}

// aliasAddresses completes the first argument with the site's aliases.
func aliasAddresses(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
	if len(args) > 0 {
		return nil, nil
	}
	as, err := cl.Aliases(ctx)
	return namesOf(as, err, func(a api.Alias) string { return a.Address })
}

func init() {
	mail := &cobra.Command{
		Use:   "mail",
		Short: "Show the mail queue and manage the site's mail aliases (through possed)",
		Long: `Show Postfix's queue on the box, and list, set and delete the mail aliases
of the applied site, through possed on the box (this one, or --host). Reading
the queue is open to every account on the box; the aliases need posse-admin;
polkit decides.

set-alias and delete-alias change the site template the box last applied and
apply it, like 'possectl shares set': the template stays the source of truth.

There is no --direct path: these commands always go through possed, except
dns, which prints the DNS records the office must publish and runs as root on
the box itself (it reads the DKIM keys).`,
	}

	var queueJSON bool
	queue := &cobra.Command{
		Use:   "queue",
		Short: "Show how many messages wait in the mail queue and since when",
		Long: `Show the number of messages in Postfix's queue, how many of them are
deferred (Postfix retries them) and when the oldest arrived. Any account on
the box may read it. --json prints {"messages", "deferred", "oldest",
"error"}. Exits 1 when the site has no mail or the queue cannot be read.`,
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
			q := u.Mail
			if !q.Configured {
				return fmt.Errorf("the site applied on %s has no mail section: add one to the template and apply it", box())
			}
			out := c.OutOrStdout()
			if queueJSON {
				j := mailQueueJSON{Messages: q.Messages, Deferred: q.Deferred, Error: q.Error}
				if t, err := time.Parse(time.RFC3339, q.Oldest); err == nil {
					j.Oldest = &t
				}
				if err := printSafeJSON(out, j); err != nil {
					return err
				}
			} else if q.Error == "" {
				printMailQueue(out, q, time.Now())
			}
			if q.Error != "" {
				return fmt.Errorf("cannot read the mail queue on %s: %s", box(), printableLines(q.Error))
			}
			return nil
		},
	}
	queue.Flags().BoolVar(&queueJSON, "json", false, "print the queue as JSON")

	var aliasesJSON bool
	aliases := &cobra.Command{
		Use:   "aliases",
		Short: "List the mail aliases and where they deliver",
		Long: `List the mail aliases of the applied site and the users or addresses each
delivers to. --json prints a list of {"address", "to"}.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			as, err := cl.Aliases(c.Context())
			if err != nil {
				return aliasesError(err)
			}
			return printAliases(c.OutOrStdout(), as, aliasesJSON)
		},
	}
	aliases.Flags().BoolVar(&aliasesJSON, "json", false, "print the aliases as JSON")

	var set struct{ asJSON bool }
	setAlias := &cobra.Command{
		Use:   "set-alias ADDRESS TARGET...",
		Short: "Add an alias, or replace where one delivers; possed applies the site",
		Long: `Add the alias ADDRESS, or replace the targets of the alias with that address:
each TARGET is a username or a mail address. possed changes the applied site
template and applies it, which takes a few seconds; it checks the result as
'possectl validate' would (a domain the site does not have, an unknown user)
and changes nothing when it is wrong. --json prints the alias as the box now
has it.`,
		Example: `  possectl mail set-alias info@example.com anna bert`,
		Args:    minArgs(2, "an alias address and at least one target"),
		ValidArgsFunction: completeFromBox(func(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
			if len(args) == 0 {
				return aliasAddresses(ctx, cl, args)
			}
			return userNames(ctx, cl, nil)
		}),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			a := api.Alias{Address: args[0], To: args[1:]}
			fmt.Fprintf(c.ErrOrStderr(), "possed changes the site template on %s and applies it ...\n", box())
			if err := cl.SetAlias(ctx, a); err != nil {
				return aliasesError(err)
			}
			out := c.OutOrStdout()
			if set.asJSON {
				now, ok, err := findAlias(ctx, cl, a.Address)
				if err != nil {
					return fmt.Errorf("the alias was set, but reading it back failed: %w", aliasesError(err))
				}
				if !ok {
					now = a
				}
				return printSafeJSON(out, aliasJSON{Address: now.Address, To: emptyIfNil(now.To)})
			}
			fmt.Fprintf(out, "alias %s delivers to %s; the site was applied\n", printable.String(a.Address), orDashList(a.To))
			return nil
		},
	}
	setAlias.Flags().BoolVar(&set.asJSON, "json", false, "print the alias as JSON")

	var del struct{ yes, asJSON bool }
	deleteAlias := &cobra.Command{
		Use:   "delete-alias ADDRESS",
		Short: "Delete a mail alias (asks first, unless --yes); possed applies the site",
		Long: `Delete the alias ADDRESS from the applied site template and apply it: mail to
it is no longer accepted. possectl asks for confirmation on a terminal;
without one it refuses unless --yes is given.`,
		Args:              exactArgs(1, "an alias address"),
		ValidArgsFunction: completeFromBox(aliasAddresses),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			address := args[0]
			if !del.yes {
				a, ok, err := findAlias(ctx, cl, address)
				if err != nil {
					return aliasesError(err)
				}
				if !ok {
					return fmt.Errorf("the site applied on %s has no alias %s: see 'possectl mail aliases'", box(), printable.String(address))
				}
				address = a.Address
				q := fmt.Sprintf("Delete alias %s of %s (delivers to %s)? Mail to it will bounce.", printable.String(a.Address), box(), orDashList(a.To))
				if err := confirmChange(c, q); err != nil {
					return err
				}
			}
			fmt.Fprintf(c.ErrOrStderr(), "possed changes the site template on %s and applies it ...\n", box())
			if err := cl.DeleteAlias(ctx, address); err != nil {
				return aliasesError(err)
			}
			out := c.OutOrStdout()
			if del.asJSON {
				return printSafeJSON(out, deletedJSON{Deleted: address})
			}
			fmt.Fprintf(out, "deleted alias %s; the site was applied\n", printable.String(address))
			return nil
		},
	}
	deleteAlias.Flags().BoolVarP(&del.yes, "yes", "y", false, "delete without asking for confirmation")
	deleteAlias.Flags().BoolVar(&del.asJSON, "json", false, `print {"deleted": ADDRESS} as JSON`)

	mail.AddCommand(queue, aliases, setAlias, deleteAlias)
	rootCmd.AddCommand(mail)
}

// printMailQueue prints the queue in a sentence; times relative to now.
func printMailQueue(w io.Writer, q api.MailQueue, now time.Time) {
	if q.Messages == 0 {
		fmt.Fprintln(w, "mail queue: empty")
		return
	}
	oldest := printable.String(q.Oldest)
	if t, err := time.Parse(time.RFC3339, q.Oldest); err == nil {
		oldest = now.Sub(t).Round(time.Second).String() + " ago"
	}
	fmt.Fprintf(w, "mail queue: %d messages (%d deferred), the oldest arrived %s\n", q.Messages, q.Deferred, oldest)
}

// printAliases prints aliases as a table or JSON.
func printAliases(w io.Writer, as []api.Alias, asJSON bool) error {
	if asJSON {
		list := make([]aliasJSON, 0, len(as))
		for _, a := range as {
			list = append(list, aliasJSON{Address: a.Address, To: emptyIfNil(a.To)})
		}
		return printSafeJSON(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ALIAS\tDELIVERS TO")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\n", printable.String(a.Address), orDashList(a.To))
	}
	return tw.Flush()
}
