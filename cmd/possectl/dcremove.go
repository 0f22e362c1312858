// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/rules"
	"github.com/posse-project/posse/services/ad"
)

// dcRemoveResult is what dc remove did.
type dcRemoveResult struct {
	Name string `json:"name"`
	// Removed is false when NAME was no DC of the domain (any more).
	Removed bool    `json:"removed"`
	Seconds float64 `json:"seconds"`
}

func dcRemoveCmd() *cobra.Command {
	var asJSON, yes bool
	c := &cobra.Command{
		Use:   "remove NAME [--yes] [--json]",
		Short: "Remove a dead domain controller from the directory and DNS",
		Long: `Remove the domain controller NAME, which is gone for good, from the domain:
its DC object, computer account, DNS records and replication links
(samba-tool domain demote --remove-other-dead-server=NAME on this DC's
sam.ldb), after a confirmation (or --yes).

It refuses while NAME still answers (LDAP or SMB, at its address from the
applied template's servers or from DNS) and while it holds an FSMO role
(run possectl dc seize-roles first). A NAME that is no domain controller
of the domain (any more) is left as it is and said so. It runs here, as
root, not through possed.`,
		Args: exactArgs(1, "the name of the dead domain controller"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := rules.ServerNameError(strings.ToLower(args[0])); err != nil {
				return usageError{err}
			}
			ctx, stop, env, me, realm, err := dcStart(c)
			if err != nil {
				return err
			}
			defer stop()
			name, err := checkRemoveName(args[0], me)
			if err != nil {
				return err
			}
			domain := ad.DNSDomain(realm)
			dcs, err := domainControllers(ctx, env)
			if err != nil {
				return err
			}
			if !isDC(dcs, name) {
				if asJSON {
					return printSafeJSON(c.OutOrStdout(), dcRemoveResult{Name: name})
				}
				fmt.Fprintf(c.OutOrStdout(), "%s is no domain controller of %s (any more): nothing to remove.\n", name, domain)
				return nil
			}
			roles, err := fsmoRoles(ctx, env)
			if err != nil {
				return err
			}
			addrs := dcAddresses(ctx, env, name, realm)
			if err := removeRefusal(name, roles, addrs, answering); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "Removal plan:\n  - the domain controller %s (no longer answering at %s): its DC object, computer account,\n    DNS records and replication links are removed from %s for good\n",
				name, printable.String(strings.Join(addrs, ", ")), domain)
			if !yes {
				if err := confirmChange(c, "Remove the domain controller "+name+" for good?"); err != nil {
					return err
				}
			}
			start := time.Now()
			progressf(c, "removing %s (samba-tool domain demote --remove-other-dead-server)", name)
			if err := removeDeadDC(ctx, env, name, "possectl dc remove "+name); err != nil {
				return err
			}
			res := dcRemoveResult{Name: name, Removed: true, Seconds: time.Since(start).Seconds()}
			if asJSON {
				return printSafeJSON(c.OutOrStdout(), res)
			}
			fmt.Fprintf(c.OutOrStdout(), "Removed the domain controller %s from %s in %.0fs: its DC object, computer account, DNS records and replication links.\nNext: take %s out of the template's servers (if it is listed there) and apply the template.\n",
				name, domain, res.Seconds, name)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print what was done as JSON")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "remove the domain controller without asking")
	return c
}

// checkRemoveName checks the NAME of dc remove: a DC's host name, not
// this box's (me); it returns it upper case, as Samba names DCs.
func checkRemoveName(name, me string) (string, error) {
	if err := rules.ServerNameError(strings.ToLower(name)); err != nil {
		return "", usageError{err}
	}
	name = strings.ToUpper(name)
	if name == me {
		return "", usageError{fmt.Errorf("%s is this box: a DC removes another, dead DC (to take this one out of the domain, demote it with samba-tool domain demote)", name)}
	}
	return name, nil
}

// removeRefusal refuses to remove the DC name while it holds a role or
// answers at one of addrs.
func removeRefusal(name string, roles []fsmo.RoleOwner, addrs []string, answers func(string) string) error {
	if held := fsmo.RolesHeldBy(roles, name); len(held) > 0 {
		return fmt.Errorf("%s holds %d FSMO roles (%s, …): run possectl dc seize-roles on this box first, then this again", name, len(held), held[0].Role)
	}
	for _, a := range addrs {
		if hp := answers(a); hp != "" {
			return fmt.Errorf("%s still answers at %s: Posse removes only a DC that is gone. Demote it there (samba-tool domain demote -U ADMIN) or switch it off for good, then run this again", name, hp)
		}
	}
	return nil
}
