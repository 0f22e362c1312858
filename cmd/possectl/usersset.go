// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
)

// UpdateUser lets possed's client serve as a usersBackend.
func (p possedUsers) UpdateUser(ctx context.Context, username string, up daemon.UserUpdate) error {
	return p.Client.UpdateUser(ctx, username, client.UserUpdate(up))
}

func init() {
	users := subcommand(rootCmd, "users")
	if users == nil {
		panic("possectl: users set needs the users command")
	}
	users.AddCommand(usersSetCmd())
}

func usersSetCmd() *cobra.Command {
	var (
		given, surname, display, email string
		aliases                        []string
		asJSON, mustChange             bool
	)
	c := &cobra.Command{
		Use:   "set USERNAME",
		Short: "Change a user's names, mail address, aliases or first-logon password change (only the flags given)",
		Long: `Change the given name, surname, display name, mail address, aliases or
first-logon password change of a
user through possed (posse-office or posse-admin), as the app's user sheet
does. Only the flags given change; --aliases replaces the list (an empty
--aliases "" removes them all). possed checks every value by the site
template's rules: an address another user or alias already has is refused.
--must-change-password=false lets the password the user has stand, without
a change at the next logon (a scanner; a person who reads mail on a phone
before logging on to Windows, since until then IMAP says only "Login
denied"); =true asks for a new one at the next logon. 'users list' shows
who has not chosen their own password yet.
--json prints the user as 'users show --json' does.`,
		Args: exactArgs(1, "a username"),
		RunE: func(c *cobra.Command, args []string) error {
			name, err := userArg(args)
			if err != nil {
				return err
			}
			var up daemon.UserUpdate
			var changed []string
			str := func(flag string, v string, dst **string) {
				if c.Flags().Changed(flag) {
					s := v
					*dst = &s
					changed = append(changed, flag)
				}
			}
			str("given-name", given, &up.GivenName)
			str("surname", surname, &up.Surname)
			str("display-name", display, &up.DisplayName)
			str("email", email, &up.Email)
			if c.Flags().Changed("aliases") {
				list := []string{}
				for _, a := range aliases {
					if a = strings.TrimSpace(a); a != "" {
						list = append(list, a)
					}
				}
				up.Aliases = &list
				changed = append(changed, "aliases")
			}
			if c.Flags().Changed("must-change-password") {
				up.MustChangePassword = &mustChange
				changed = append(changed, "must-change-password="+strconv.FormatBool(mustChange))
			}
			if len(changed) == 0 {
				return usageError{errors.New("nothing to change: give at least one of --given-name, --surname, --display-name, --email, --aliases, --must-change-password")}
			}
			return theUsersFlags.run(c, func(be usersBackend) error {
				if err := be.UpdateUser(c.Context(), name, up); err != nil {
					return usersError(err)
				}
				if !asJSON {
					fmt.Fprintf(c.OutOrStdout(), "updated user %s: %s\n", name, strings.Join(changed, ", "))
					return nil
				}
				u, err := be.User(c.Context(), name)
				if err != nil {
					return usersError(err)
				}
				return printJSON(c.OutOrStdout(), u)
			})
		},
	}
	c.Flags().StringVar(&given, "given-name", "", "the given name")
	c.Flags().StringVar(&surname, "surname", "", "the surname")
	c.Flags().StringVar(&display, "display-name", "", "the name shown in lists and mail")
	c.Flags().StringVar(&email, "email", "", "the mail address")
	c.Flags().StringSliceVar(&aliases, "aliases", nil, "the mail aliases, comma-separated (replaces the list)")
	c.Flags().BoolVar(&mustChange, "must-change-password", true, "true: the next logon must choose a new password; false: the current password stands (a scanner, or a person who must read mail before logging on to Windows)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the changed user as JSON")
	return c
}
