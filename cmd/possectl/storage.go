// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/storage"
	"github.com/spf13/cobra"
)

func init() {
	c := &cobra.Command{
		Use:   "storage",
		Short: "Prepare the data disk the shares live on (btrfs at /srv, for Previous Versions)",
	}
	c.AddCommand(storagePrepareCmd())
	rootCmd.AddCommand(c)
}

func storagePrepareCmd() *cobra.Command {
	var yes, asJSON bool
	c := &cobra.Command{
		Use:   "prepare DEVICE --yes",
		Short: "Format an empty disk as btrfs and mount it at /srv (a systemd mount unit)",
		Long: `Format DEVICE, an empty disk, as btrfs (label posse-data) and mount it at
/srv with the systemd unit srv.mount, enabled for every boot. Shares and
home folders on it get Previous Versions (docs/snapshots.md).

It runs as root on the box, in this process. It refuses a device that
holds a file system or a partition table, that is mounted or has
partitions, and a /srv that is already a mount point or holds files:
nothing is changed then. Without --yes it only checks and says what it
would do. A site template never formats a disk; only this command does.`,
		Example: `  possectl storage prepare /dev/sdb          # check, and say what would happen
  possectl storage prepare /dev/sdb --yes    # format and mount`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if os.Geteuid() != 0 {
				return errors.New("storage prepare formats a disk: run it as root on the box (sudo)")
			}
			env := &host.Env{Root: "/", Runner: &execx.Runner{}}
			box := storage.System{}
			p, err := storage.Check(c.Context(), env, box, args[0])
			if err != nil {
				return fmt.Errorf("%w\nnothing was changed", err)
			}
			if !yes {
				fmt.Fprintf(c.ErrOrStderr(), "%s (%s) is empty: with --yes possectl formats it as btrfs (label %s, everything on it is lost) and mounts it at %s (%s, enabled for every boot)\n",
					p.Device, bytesText(p.Size), p.Label, p.Mountpoint, p.Unit)
				return usageError{errors.New("formatting a disk needs --yes: nothing was changed")}
			}
			progress := func(s string) { fmt.Fprintf(c.ErrOrStderr(), "possectl: %s…\n", s) }
			if asJSON {
				progress = func(string) {}
			}
			res, err := storage.Prepare(c.Context(), env, box, args[0], progress)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(c.OutOrStdout(), res)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s is btrfs (UUID %s, %s), mounted at %s by %s; shares under %s can have Previous Versions\n",
				res.Device, res.UUID, bytesText(res.Size), res.Mountpoint, res.Unit, res.Mountpoint)
			return nil
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "format the disk (without it: only check and say what would happen)")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was done as JSON")
	return c
}
