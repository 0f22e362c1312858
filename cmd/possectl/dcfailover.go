// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/posse-project/posse/internal/printable"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/rules"
	"github.com/posse-project/posse/services/ad"
)

// dcRolesResult is what dc seize-roles and dc transfer-roles did.
type dcRolesResult struct {
	// Server is this DC's name, which holds the roles afterwards.
	Server string `json:"server"`
	// Action is "seized", "transferred" or "none" (all roles were here).
	Action string `json:"action"`
	// From are the DCs that held roles before.
	From    []string         `json:"from,omitempty"`
	Roles   []fsmo.RoleOwner `json:"roles"`
	Seconds float64          `json:"seconds"`
}

// dcStart checks that dc seize-roles, transfer-roles and remove run here,
// as root on a domain controller, and returns what they need: the
// context, this box's environment, its DC name (upper case) and realm.
func dcStart(c *cobra.Command) (context.Context, context.CancelFunc, *host.Env, string, string, error) {
	if err := localOnly(c); err != nil {
		return nil, nil, nil, "", "", err
	}
	if os.Geteuid() != 0 {
		return nil, nil, nil, "", "", fmt.Errorf("%s changes the domain on this domain controller's sam.ldb: run it as root (sudo)", c.CommandPath())
	}
	realm, err := dcRealm()
	if err != nil {
		return nil, nil, nil, "", "", err
	}
	if realm == "" {
		return nil, nil, nil, "", "", fmt.Errorf("this box is no domain controller: run %s on a surviving domain controller of the domain", c.CommandPath())
	}
	ctx, stop := migrateContext(c)
	env := newMigrateEnv()
	return ctx, stop, env, strings.ToUpper(env.Hostname), realm, nil
}

func dcSeizeRolesCmd() *cobra.Command {
	var asJSON, yes bool
	c := &cobra.Command{
		Use:   "seize-roles [--yes] [--json]",
		Short: "Take every FSMO role for this DC when their holder is gone for good",
		Long: `Make this domain controller the holder of every FSMO role (the five of the
forest and domain and the two DNS zones') when the DC that holds them is
gone for good: samba-tool fsmo seize --role=all --force on this DC's
sam.ldb, after showing which roles move and asking (or --yes).

It refuses while a holder still answers (LDAP or SMB, at its address from
the applied template's servers or from DNS): a DC that is up must hand its
roles over with possectl dc transfer-roles instead, and a seized DC must
never come back (remove it with possectl dc remove NAME). Running it again
changes nothing. It runs here, as root, not through possed.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop, env, me, realm, err := dcStart(c)
			if err != nil {
				return err
			}
			defer stop()
			roles, err := fsmoRoles(ctx, env)
			if err != nil {
				return err
			}
			holders := fsmo.RoleHolders(roles, me)
			if len(holders) == 0 {
				return printRolesResult(c, asJSON, dcRolesResult{Server: me, Action: "none", Roles: roles})
			}
			addrs := map[string][]string{}
			for _, h := range holders {
				addrs[h] = dcAddresses(ctx, env, h, realm)
			}
			if err := seizeRefusal(holders, addrs, answering); err != nil {
				return err
			}
			writeRolesPlan(c, "Seize", roles, me)
			if !yes {
				if err := confirmChange(c, "Seize the roles for this box? The DCs that held them must never come back."); err != nil {
					return err
				}
			}
			start := time.Now()
			progressf(c, "seizing the FSMO roles (samba-tool fsmo seize --role=all --force)")
			if roles, err = seizeRoles(ctx, env, me, "possectl dc seize-roles"); err != nil {
				return err
			}
			return printRolesResult(c, asJSON, dcRolesResult{Server: me, Action: "seized", From: holders, Roles: roles, Seconds: time.Since(start).Seconds()})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the role owners afterwards as JSON")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "seize the roles without asking")
	return c
}

func dcTransferRolesCmd() *cobra.Command {
	var asJSON, yes, fromStdin bool
	var user string
	c := &cobra.Command{
		Use:   "transfer-roles --password-stdin [--user NAME] [--yes] [--json]",
		Short: "Move every FSMO role to this DC from a holder that is up",
		Long: `Move every FSMO role (the five of the forest and domain and the two DNS
zones') to this domain controller from the DCs that hold them, which must
be up: samba-tool fsmo transfer --role=all, after showing which roles move
and asking (or --yes). This is the way to move the roles off a DC that
still answers, before switching it off for good.

The DNS zones' roles need the domain's admin login: --user (default
Administrator) and its password on stdin (--password-stdin), which goes
to samba-tool on its stdin (PASSWD_FD=0), never into argv. Running it
again changes nothing. It runs here, as root, not through possed.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !fromStdin {
				return usageError{errors.New("dc transfer-roles needs the domain admin's password on stdin: pass --password-stdin")}
			}
			if user == "" || rules.HasControl(user) || len(user) > 256 {
				return usageError{fmt.Errorf("--user %q is not a user name", rules.ClipName(user))}
			}
			ctx, stop, env, me, _, err := dcStart(c)
			if err != nil {
				return err
			}
			defer stop()
			password, err := readPassword(c.InOrStdin())
			if err != nil || password == "" {
				return usageError{errors.New("no password on stdin: give the domain admin's password, one line")}
			}
			roles, err := fsmoRoles(ctx, env)
			if err != nil {
				return err
			}
			holders := fsmo.RoleHolders(roles, me)
			if len(holders) == 0 {
				return printRolesResult(c, asJSON, dcRolesResult{Server: me, Action: "none", Roles: roles})
			}
			writeRolesPlan(c, "Transfer", roles, me)
			if !yes {
				if err := confirmChange(c, "Move the roles to this box?"); err != nil {
					return err
				}
			}
			start := time.Now()
			progressf(c, "moving the FSMO roles (samba-tool fsmo transfer --role=all)")
			if roles, err = transferRoles(ctx, env, me, user, password, strings.Join(holders, " and "), "possectl dc transfer-roles"); err != nil {
				return fmt.Errorf("%w\n(a DC that is gone for good cannot hand its roles over: use possectl dc seize-roles)", err)
			}
			return printRolesResult(c, asJSON, dcRolesResult{Server: me, Action: "transferred", From: holders, Roles: roles, Seconds: time.Since(start).Seconds()})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the role owners afterwards as JSON")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "move the roles without asking")
	c.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the domain admin's password from stdin (one line)")
	c.Flags().StringVar(&user, "user", "Administrator", "the domain admin `NAME` samba-tool logs in as for the DNS zones' roles")
	return c
}

// seizeRefusal refuses to seize roles while one of their holders answers
// at one of its addresses (answers returns "addr:port" when something
// does) or when a holder's address is unknown, so that it cannot be told
// to be gone.
func seizeRefusal(holders []string, addrs map[string][]string, answers func(string) string) error {
	for _, h := range holders {
		if len(addrs[h]) == 0 {
			return fmt.Errorf("cannot tell whether %s, which holds FSMO roles, is gone: it is neither in the applied template's servers nor in DNS. Add its address to the template's servers and apply it, or, when it is certainly gone, run samba-tool fsmo seize --role=all --force", printable.String(h))
		}
		for _, a := range addrs[h] {
			if hp := answers(a); hp != "" {
				return fmt.Errorf("%s still answers at %s: roles are seized only from a DC that is gone for good (a seized DC that comes back splits the domain). Move them with possectl dc transfer-roles --password-stdin while it is up, or switch it off for good and run this again", printable.String(h), hp)
			}
		}
	}
	return nil
}

// dcAddresses are the addresses of the DC named name: its entry in the
// applied template's servers and its DNS name in the domain, without
// this box's own address and loopback.
func dcAddresses(ctx context.Context, env *host.Env, name, realm string) []string {
	var out []string
	add := func(a string) {
		ip := net.ParseIP(a)
		if ip == nil || ip.IsLoopback() || a == env.IP {
			return
		}
		for _, o := range out {
			if o == a {
				return
			}
		}
		out = append(out, a)
	}
	if st, _, err := provisioning.LoadApplied(env); err == nil {
		for _, sv := range st.Servers {
			if strings.EqualFold(sv.Name, name) {
				add(sv.Address)
			}
		}
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if as, err := net.DefaultResolver.LookupHost(lctx, strings.ToLower(name)+"."+ad.DNSDomain(realm)); err == nil {
		for _, a := range as {
			add(a)
		}
	}
	return out
}

// writeRolesPlan lists the roles that move to me on stderr.
func writeRolesPlan(c *cobra.Command, verb string, roles []fsmo.RoleOwner, me string) {
	away := fsmo.RolesElsewhere(roles, me)
	fmt.Fprintf(c.ErrOrStderr(), "%s plan: %d FSMO roles to this box (%s):\n", verb, len(away), me)
	for _, r := range away {
		fmt.Fprintf(c.ErrOrStderr(), "  ~ %s: %s → %s\n", r.Role, printable.String(r.Server), me)
	}
}

func printRolesResult(c *cobra.Command, asJSON bool, r dcRolesResult) error {
	out := c.OutOrStdout()
	if asJSON {
		return printSafeJSON(out, r)
	}
	switch r.Action {
	case "none":
		fmt.Fprintf(out, "All %d FSMO roles are on this box (%s) already: nothing to do.\n", len(r.Roles), r.Server)
	case "seized":
		fmt.Fprintf(out, "Seized the FSMO roles of %s in %.0fs: all %d are on this box (%s) now.\nNext: %s must never come back; remove it from the directory with possectl dc remove %s.\n",
			printable.String(strings.Join(r.From, ", ")), r.Seconds, len(r.Roles), r.Server, printable.String(strings.Join(r.From, ", ")), printable.String(r.From[0]))
	default:
		fmt.Fprintf(out, "Moved the FSMO roles from %s in %.0fs: all %d are on this box (%s) now.\n",
			printable.String(strings.Join(r.From, ", ")), r.Seconds, len(r.Roles), r.Server)
	}
	return nil
}
