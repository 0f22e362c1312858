// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/printable"
	"github.com/spf13/cobra"
)

// groupJSON is one group as possectl groups prints it with --json.
type groupJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members"`
}

func toGroupJSON(g api.Group) groupJSON {
	return groupJSON{Name: g.Name, Description: g.Description, Members: emptyIfNil(g.Members)}
}

// groupsError explains possed's errors of group management.
func groupsError(err error) error {
	return possedError(err, "manage groups", groupOffice, "see 'possectl groups list'")
}

// findGroup looks a group up in possed's list (possed has no call for one
// group); names compare case-insensitively, as the directory's do.
func findGroup(ctx context.Context, cl *client.Client, name string) (api.Group, bool, error) {
	gs, err := cl.Groups(ctx)
	return findNamed(gs, err, func(g api.Group) string { return g.Name }, name)
}

// errNoGroup is the answer for a group the box does not have.
func errNoGroup(name string) error {
	return fmt.Errorf("there is no group %s on %s: see 'possectl groups list'", printable.String(name), box())
}

// groupNames completes the first argument with the box's groups.
func groupNames(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
	if len(args) > 0 {
		return nil, nil
	}
	gs, err := cl.Groups(ctx)
	return namesOf(gs, err, func(g api.Group) string { return g.Name })
}

func init() {
	groups := &cobra.Command{
		Use:   "groups",
		Short: "Manage the domain's groups on the box (through possed)",
		Long: `List, show, add and delete the groups of the box's Samba AD domain and change
their members, through possed on the box (this one, or --host): members of
posse-office and posse-admin may, polkit decides. possed checks every name and
answers with what is wrong.

The site template stays the source of truth: a group the template lists comes
back with the next apply, with the template's description. Groups added here
are marked as made through possed; an apply never deletes them (not even with
prune), and plan reports them as not in the template.

There is no --direct path: these commands always go through possed.`,
	}

	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the groups with their members",
		Long: `List the domain's groups (built-in ones left out) with their description and
direct members. --json prints a list of {"name", "description", "members"}.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			gs, err := cl.Groups(c.Context())
			if err != nil {
				return groupsError(err)
			}
			return printGroups(c.OutOrStdout(), gs, listJSON)
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print the groups as JSON")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show GROUP",
		Short: "Show one group: its description and members",
		Long: `Show one group of the domain: its name, description and direct members.
--json prints {"name", "description", "members"}. Exits 1 when the box has no
such group.`,
		Args:              exactArgs(1, "a group name"),
		ValidArgsFunction: completeFromBox(groupNames),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			g, ok, err := findGroup(c.Context(), cl, args[0])
			if err != nil {
				return groupsError(err)
			}
			if !ok {
				return errNoGroup(args[0])
			}
			return printGroup(c.OutOrStdout(), g, showJSON)
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print the group as JSON")

	var add struct {
		description string
		members     []string
		asJSON      bool
	}
	addCmd := &cobra.Command{
		Use:   "add GROUP",
		Short: "Add a group (--description, --member USER…)",
		Long: `Add a group to the domain, with a description and members (users that
exist). possed checks the name by the site's rules (a-z, 0-9, '-', '_' and
'.', not a name Windows, Samba or Posse uses, not a user's name) and says what
is wrong. --json prints the group as the box now has it.`,
		Example: `  possectl groups add projects --description "Project files" --member anna --member bert`,
		Args:    exactArgs(1, "a group name"),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			g := api.Group{Name: args[0], Description: add.description, Members: add.members}
			if err := cl.CreateGroup(ctx, g); err != nil {
				return groupsError(err)
			}
			out := c.OutOrStdout()
			if add.asJSON {
				return printChangedGroup(ctx, cl, out, g)
			}
			fmt.Fprintf(out, "added group %s", printable.String(g.Name))
			if len(g.Members) > 0 {
				fmt.Fprintf(out, " with %s", orDashList(g.Members))
			}
			fmt.Fprintln(out)
			return nil
		},
	}
	addCmd.Flags().StringVar(&add.description, "description", "", "what the group is for")
	addCmd.Flags().StringSliceVar(&add.members, "member", nil, "`USER` to add to the group (repeatable, or comma-separated)")
	addCmd.Flags().BoolVar(&add.asJSON, "json", false, "print the group as JSON")
	addCmd.RegisterFlagCompletionFunc("member", completeFromBox(userNames))

	var del struct{ yes, asJSON bool }
	delCmd := &cobra.Command{
		Use:   "delete GROUP",
		Short: "Delete a group (asks first, unless --yes)",
		Long: `Delete a group from the domain. Its members stay; they lose the group's
rights (shares the group may read or write). possectl asks for confirmation on
a terminal; without one it refuses unless --yes is given. A group the site
template lists comes back with the next apply.`,
		Args:              exactArgs(1, "a group name"),
		ValidArgsFunction: completeFromBox(groupNames),
		RunE: func(c *cobra.Command, args []string) error {
			cl, err := possedClient(c)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx := c.Context()
			name := args[0]
			if !del.yes {
				g, ok, err := findGroup(ctx, cl, name)
				if err != nil {
					return groupsError(err)
				}
				if !ok {
					return errNoGroup(name)
				}
				q := fmt.Sprintf("Delete group %s of %s?", printable.String(g.Name), box())
				if n := len(g.Members); n > 0 {
					q = fmt.Sprintf("Delete group %s of %s? Its %d members (%s) stay, without the group's rights.", printable.String(g.Name), box(), n, orDashList(g.Members))
				}
				if err := confirmChange(c, q); err != nil {
					return err
				}
			}
			if err := cl.DeleteGroup(ctx, name); err != nil {
				return groupsError(err)
			}
			out := c.OutOrStdout()
			if del.asJSON {
				return printSafeJSON(out, deletedJSON{Deleted: name})
			}
			fmt.Fprintf(out, "deleted group %s\n", printable.String(name))
			return nil
		},
	}
	delCmd.Flags().BoolVarP(&del.yes, "yes", "y", false, "delete without asking for confirmation")
	delCmd.Flags().BoolVar(&del.asJSON, "json", false, `print {"deleted": GROUP} as JSON`)

	var addMember struct{ asJSON bool }
	addMemberCmd := &cobra.Command{
		Use:   "add-member GROUP USER...",
		Short: "Add users to a group",
		Long: `Add one or more users to a group. Users that are members already stay
members. --json prints the group as the box now has it.`,
		Example: `  possectl groups add-member staff anna bert`,
		Args:    minArgs(2, "a group name and at least one username"),
		ValidArgsFunction: completeFromBox(func(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
			if len(args) == 0 {
				return groupNames(ctx, cl, args)
			}
			return userNames(ctx, cl, nil)
		}),
		RunE: func(c *cobra.Command, args []string) error {
			return setMembers(c, args[0], args[1:], nil, addMember.asJSON)
		},
	}
	addMemberCmd.Flags().BoolVar(&addMember.asJSON, "json", false, "print the group as JSON")

	var removeMember struct{ yes, asJSON bool }
	removeMemberCmd := &cobra.Command{
		Use:   "remove-member GROUP USER...",
		Short: "Remove users from a group (asks first, unless --yes)",
		Long: `Remove one or more users from a group; the users stay. possectl asks for
confirmation on a terminal; without one it refuses unless --yes is given.
--json prints the group as the box now has it.`,
		Example: `  possectl groups remove-member staff bert --yes`,
		Args:    minArgs(2, "a group name and at least one username"),
		ValidArgsFunction: completeFromBox(func(ctx context.Context, cl *client.Client, args []string) ([]string, error) {
			if len(args) == 0 {
				return groupNames(ctx, cl, args)
			}
			g, ok, err := findGroup(ctx, cl, args[0])
			if !ok {
				return nil, err
			}
			return g.Members, nil
		}),
		RunE: func(c *cobra.Command, args []string) error {
			if !removeMember.yes {
				q := fmt.Sprintf("Remove %s from group %s of %s?", orDashList(args[1:]), printable.String(args[0]), box())
				if err := confirmChange(c, q); err != nil {
					return err
				}
			}
			return setMembers(c, args[0], nil, args[1:], removeMember.asJSON)
		},
	}
	removeMemberCmd.Flags().BoolVarP(&removeMember.yes, "yes", "y", false, "remove without asking for confirmation")
	removeMemberCmd.Flags().BoolVar(&removeMember.asJSON, "json", false, "print the group as JSON")

	groups.AddCommand(list, show, addCmd, delCmd, addMemberCmd, removeMemberCmd)
	rootCmd.AddCommand(groups)
}

// setMembers has possed add and remove members of group and says what
// changed.
func setMembers(c *cobra.Command, group string, add, remove []string, asJSON bool) error {
	cl, err := possedClient(c)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := c.Context()
	if err := cl.SetMembers(ctx, group, add, remove); err != nil {
		return possedError(err, "manage groups", groupOffice, "see 'possectl groups list' and 'possectl users list'")
	}
	out := c.OutOrStdout()
	if asJSON {
		return printChangedGroup(ctx, cl, out, api.Group{Name: group})
	}
	if len(add) > 0 {
		fmt.Fprintf(out, "added %s to group %s\n", orDashList(add), printable.String(group))
	}
	if len(remove) > 0 {
		fmt.Fprintf(out, "removed %s from group %s\n", orDashList(remove), printable.String(group))
	}
	return nil
}

// printChangedGroup prints a group as possed lists it after a change; if
// it is not (yet) listed, as the command sent it.
func printChangedGroup(ctx context.Context, cl *client.Client, out io.Writer, sent api.Group) error {
	g, ok, err := findGroup(ctx, cl, sent.Name)
	if err != nil {
		return fmt.Errorf("the change was made, but reading the group back failed: %w", groupsError(err))
	}
	if !ok {
		g = sent
	}
	return printSafeJSON(out, toGroupJSON(g))
}

// userNames completes usernames from possed's list.
func userNames(ctx context.Context, cl *client.Client, _ []string) ([]string, error) {
	us, err := cl.Users(ctx, "")
	names := make([]string, 0, len(us))
	for _, u := range us {
		names = append(names, u.Username)
	}
	return names, err
}

// printGroups prints groups as a table or JSON.
func printGroups(w io.Writer, gs []api.Group, asJSON bool) error {
	if asJSON {
		list := make([]groupJSON, 0, len(gs))
		for _, g := range gs {
			list = append(list, toGroupJSON(g))
		}
		return printSafeJSON(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tDESCRIPTION\tMEMBERS")
	for _, g := range gs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", printable.String(g.Name), printable.String(orDash(g.Description)), orDashList(g.Members))
	}
	return tw.Flush()
}

// printGroup prints one group as "field: value" lines or JSON.
func printGroup(w io.Writer, g api.Group, asJSON bool) error {
	if asJSON {
		return printSafeJSON(w, toGroupJSON(g))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "group:\t%s\n", printable.String(g.Name))
	fmt.Fprintf(tw, "description:\t%s\n", printable.String(orDash(g.Description)))
	fmt.Fprintf(tw, "members:\t%s\n", orDashList(g.Members))
	return tw.Flush()
}

// minArgs is exactArgs for at least n arguments: fewer are a usage error.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usageError{fmt.Errorf("%s needs %s\nrun '%s --help' for usage", c.CommandPath(), what, c.CommandPath())}
		}
		return nil
	}
}
