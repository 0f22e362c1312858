// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/migrate"
	"github.com/spf13/cobra"
)

type cutoverOptions struct {
	from      string
	secrets   string
	yes       bool
	removeOld bool
}

func migrateCutoverCmd() *cobra.Command {
	var opt cutoverOptions
	c := &cobra.Command{
		Use:   "cutover --from ADDRESS --secrets FILE [--remove-old]",
		Short: "Move the FSMO roles to this box; with --remove-old remove the old DC (phase 4)",
		Long: `Move every FSMO role from the old domain controller to this box (samba-tool
fsmo transfer --role=all, the old DC must be up), after showing which roles
move and asking (or --yes).

With --remove-old, and only when the old DC at ADDRESS no longer answers
(demoted there, or switched off), remove it from the domain: its DC object,
computer account, DNS records and replication links (samba-tool domain
demote --remove-other-dead-server), after a confirmation of its own.

It runs here, as root (not through possed). The old domain's admin
password goes to samba-tool on its stdin (PASSWD_FD=0), never into argv.
Running it again changes nothing that is done. See docs/migration.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if connFlags.host != "" || connFlags.direct {
				return usageError{errors.New("migrate cutover runs on the box that takes the domain over: drop --host and --direct")}
			}
			return runMigrateCutover(c, opt)
		},
	}
	f := c.Flags()
	f.StringVar(&opt.from, "from", "", "the old domain controller's `ADDRESS` (default: the one migrate join used)")
	f.StringVar(&opt.secrets, "secrets", "", "secrets `FILE` with legacy_admin_user and legacy_admin (mode 0600)")
	f.BoolVarP(&opt.yes, "yes", "y", false, "move the roles (and with --remove-old remove the old DC) without asking")
	f.BoolVar(&opt.removeOld, "remove-old", false, "remove the old DC, which must be gone, from the domain")
	c.MarkFlagRequired("secrets")
	return c
}

func runMigrateCutover(c *cobra.Command, opt cutoverOptions) error {
	if os.Geteuid() != 0 {
		return errors.New("migrate cutover changes the domain from this box: run it as root")
	}
	ctx, stop := migrateContext(c)
	defer stop()
	statePath, st, env, have, err := migrateStart()
	if err != nil {
		return err
	}
	if !st.Reached(migrate.PhaseJoined) || have == "" || have != st.Realm {
		return errors.New("this box has not joined the old domain: run possectl migrate join first")
	}
	if opt.from == "" {
		opt.from = st.From
	}
	lopt := migrateOptions{from: opt.from, secrets: opt.secrets}
	user, password, err := migrateLogin(lopt)
	if err != nil {
		return err
	}
	out := c.OutOrStdout()
	me := strings.ToUpper(env.Hostname)

	roles, err := fsmoRoles(ctx, env)
	if err != nil {
		return err
	}
	if away := fsmo.RolesElsewhere(roles, me); len(away) > 0 {
		fmt.Fprintf(c.ErrOrStderr(), "Cut-over plan: move %d FSMO roles to this box (%s):\n", len(away), me)
		for _, r := range away {
			fmt.Fprintf(c.ErrOrStderr(), "  ~ %s: %s → %s\n", r.Role, r.Server, me)
		}
		if !opt.yes {
			if err := confirmChange(c, "Move the roles to this box?"); err != nil {
				return err
			}
		}
		progressf(c, "moving the FSMO roles (samba-tool fsmo transfer --role=all)")
		if roles, err = transferRoles(ctx, env, me, user, password, "the old DC "+st.OldDC, "possectl migrate cutover"); err != nil {
			return err
		}
		st.RolesMoved = time.Now()
		fmt.Fprintf(out, "All %d FSMO roles are on this box (%s) now.\n", len(roles), me)
	} else {
		fmt.Fprintf(out, "All %d FSMO roles are on this box (%s) already.\n", len(roles), me)
		if st.RolesMoved.IsZero() {
			st.RolesMoved = time.Now()
		}
	}
	if !st.Reached(migrate.PhaseRoles) {
		st.Phase = migrate.PhaseRoles
	}
	if err := migrate.SaveState(statePath, st); err != nil {
		return err
	}
	if !opt.removeOld {
		fmt.Fprintf(out, "Next: point the clients' DNS (DHCP) at this box, then demote the old DC %s (or switch it off) and run possectl migrate cutover --remove-old.\n", st.OldDC)
		return nil
	}
	return removeOldDC(ctx, c, env, &st, opt)
}

// removeOldDC removes the old DC from the domain once it is gone.
func removeOldDC(ctx context.Context, c *cobra.Command, env *host.Env, st *migrate.State, opt cutoverOptions) error {
	out := c.OutOrStdout()
	dcs, err := domainControllers(ctx, env)
	if err != nil {
		return err
	}
	if !isDC(dcs, st.OldName) {
		fmt.Fprintf(out, "The old DC %s is no longer a domain controller of %s: nothing to remove.\n", st.OldName, st.Domain)
		return finishRemoval(st)
	}
	if addr := answering(opt.from); addr != "" {
		return fmt.Errorf("the old DC %s still answers at %s: Posse removes only a DC that is gone. Demote it there (Windows: remove the AD DS role; Samba: samba-tool domain demote -U ADMIN) or switch it off, then run this again", st.OldName, addr)
	}
	fmt.Fprintf(c.ErrOrStderr(), "Removal plan:\n  - the domain controller %s (%s, no longer answering at %s): its DC object, computer account,\n    DNS records and replication links are removed from %s for good\n", st.OldName, st.OldDC, opt.from, st.Domain)
	if !opt.yes {
		if err := confirmChange(c, "Remove the old domain controller "+st.OldName+" for good?"); err != nil {
			return err
		}
	}
	progressf(c, "removing %s (samba-tool domain demote --remove-other-dead-server)", st.OldName)
	if err := removeDeadDC(ctx, env, st.OldName, "possectl migrate cutover --remove-old"); err != nil {
		return err
	}
	fmt.Fprintf(out, "Removed the old DC %s from %s.\n", st.OldName, st.Domain)
	return finishRemoval(st)
}

func finishRemoval(st *migrate.State) error {
	st.Phase = migrate.PhaseOldRemoved
	if st.OldRemoved.IsZero() {
		st.OldRemoved = time.Now()
	}
	return migrate.SaveState(migrateStatePath(), *st)
}
