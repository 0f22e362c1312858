// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/sandbox"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() {
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Throwaway boxes with their own systemd, for rehearsals and tests",
		Long: `A sandbox box is a Debian system (13 by default, 12 with --release bookworm)
with its own systemd as PID 1, running in Linux namespaces on this host: its
root is an overlay on an image built once per release with mmdebstrap, it has its own network (reachable from the host only), and
the Posse binaries are mounted read-only at /usr/local/bin inside. The host's
/etc, packages and services are not changed. Needs root.`,
	}
	c.AddCommand(sandboxUpCmd(), sandboxDownCmd(), sandboxListCmd(), sandboxRunCmd(false),
		sandboxRunCmd(true), sandboxShellCmd(), sandboxCpCmd(), sandboxApplyCmd(),
		sandboxImageCmd(), sandboxInnerCmd())
	rootCmd.AddCommand(c)
}

func sandboxUpCmd() *cobra.Command {
	var opts sandbox.UpOptions
	var disk string
	c := &cobra.Command{
		Use:   "up NAME",
		Short: "Create and boot a box; wait until its systemd is up",
		Long: `Create and boot box NAME (a lowercase letter, then up to 14 of a-z, 0-9, -),
building the image first if needed (about a minute, once). Waits until
'systemctl is-system-running' inside says running or degraded.

smbd, nmbd and winbind are masked at boot, because a stock Samba started
before an AD DC is provisioned leaves a cache that breaks logons;
--no-samba-mask boots them as Debian ships them.`,
		Args: exactArgs(1, "a box NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := sandbox.CheckRelease(opts.Release); err != nil {
				return usageError{err}
			}
			if disk != "" {
				size, err := sandbox.ParseDiskSize(disk)
				if err != nil {
					return usageError{err}
				}
				opts.Disk = size
			}
			opts.Progress = c.ErrOrStderr()
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop() // an interrupted up cleans up after itself
			b, err := sandbox.Up(ctx, args[0], opts)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			fmt.Fprintf(out, "box %s (Debian %s) is up at %s (host side %s)\n", b.Name(), b.Release(), b.IP(), b.HostIP())
			self := os.Args[0] // as typed: bin/possectl in a checkout
			fmt.Fprintf(out, "  %s sandbox shell %s\n", self, b.Name())
			fmt.Fprintf(out, "  %s sandbox run %s -- systemctl is-system-running\n", self, b.Name())
			fmt.Fprintf(out, "  %s sandbox down %s\n", self, b.Name())
			return nil
		},
	}
	c.Flags().StringVar(&opts.Release, "release", sandbox.DefaultRelease, "Debian release of the box: "+strings.Join(sandbox.Releases, " or "))
	c.Flags().BoolVar(&opts.NoSambaMask, "no-samba-mask", false, "do not mask smbd, nmbd and winbind at boot")
	c.Flags().StringVar(&opts.BinDir, "bin", "", "directory of the Posse binaries to mount at /usr/local/bin (default $POSSE_BIN, else possectl's own)")
	c.Flags().DurationVar(&opts.BootTimeout, "timeout", 3*time.Minute, "how long to wait for the box to boot")
	c.Flags().StringVar(&opts.Network, "network", "", "put the box on lab network `NET`, shared with the other boxes up with the same name (they reach each other; created with its first box, removed with its last)")
	c.Flags().StringVar(&disk, "disk", "", "give the box a btrfs data disk of `SIZE` (such as 1G) at /srv: an image file on the host, removed with the box")
	return c
}

func sandboxDownCmd() *cobra.Command {
	var keep bool
	c := &cobra.Command{
		Use:   "down NAME",
		Short: "Halt a box and remove everything it left",
		Long: `Halt box NAME and remove its processes, mounts, network namespace, veth,
cgroup, runtime state and files. --keep-files keeps its files (the overlay
upper dir), so the next 'up NAME' continues where it stopped.`,
		Args: exactArgs(1, "a box NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			start := time.Now()
			if err := sandbox.Down(c.Context(), args[0], sandbox.DownOptions{Purge: !keep}); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "box %s is down (%.1fs)\n", args[0], time.Since(start).Seconds())
			return nil
		},
	}
	c.Flags().BoolVar(&keep, "keep-files", false, "keep the box's files for the next up")
	return c
}

func sandboxListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List boxes",
		Args:  noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			boxes, err := sandbox.List()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tRELEASE\tIP\tPID\tSTATE\tUP SINCE")
			for _, b := range boxes {
				pid := "-"
				if b.Alive() {
					pid = strconv.Itoa(b.PID())
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", b.Name(), b.Release(), b.IP(), pid, b.State(c.Context()),
					b.Started().Format(time.DateTime))
			}
			return w.Flush()
		},
	}
}

// sandboxRunCmd is `run` (a transient unit inside, through systemd) or,
// with plain set, `exec` (nsenter only, for when systemd is not up).
func sandboxRunCmd(plain bool) *cobra.Command {
	use, short := "run NAME -- CMD...", "Run a command inside a box as a transient unit; its exit code is passed on"
	if plain {
		use, short = "exec NAME -- CMD...", "Run a command inside a box with plain nsenter (when systemd is not up)"
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usageError{fmt.Errorf("%s needs a box NAME and a command\nrun '%s --help' for usage", c.CommandPath(), c.CommandPath())}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			b, err := sandbox.Get(args[0])
			if err != nil {
				return err
			}
			opts := sandbox.RunOptions{Stdin: os.Stdin, Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr()}
			run := b.Run
			if plain {
				run = b.Exec
			}
			argv := args[1:]
			if argv[0] == "--" { // flag parsing stops at NAME, so "--" arrives here
				argv = argv[1:]
			}
			if len(argv) == 0 {
				return usageError{fmt.Errorf("%s needs a command after NAME --", c.CommandPath())}
			}
			code, err := run(c.Context(), opts, argv...)
			if err != nil {
				return err
			}
			if code != 0 {
				os.Exit(code) // the command's own exit code, passed on
			}
			return nil
		},
	}
	c.Flags().SetInterspersed(false) // flags after NAME belong to CMD
	return c
}

func sandboxShellCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "shell NAME",
		Short: "Open a root login shell inside a box",
		Args:  exactArgs(1, "a box NAME"),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := sandbox.Get(args[0])
			if err != nil {
				return err
			}
			argv := []string{"/bin/bash", "-l"}
			if term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) {
				// a pty of the box's own devpts: job control and tty(1) work
				argv = []string{"systemd-run", "--pty", "--quiet", "--collect", "-p", "User=root",
					"-p", "WorkingDirectory=/root", "/bin/bash", "-l"}
			}
			code, err := b.Exec(c.Context(), sandbox.RunOptions{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, argv...)
			if err != nil {
				return err
			}
			if code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}

func sandboxCpCmd() *cobra.Command {
	var mode string
	c := &cobra.Command{
		Use:   "cp SRC NAME:DST | NAME:SRC DST",
		Short: "Copy a file into or out of a box",
		Long: `Copy one regular file between the host and a box. Box paths are absolute and
resolved as the box sees them; a path that would lead out of the box is
refused. Files copied in get --mode (default 0644); files copied out keep
their permission bits.`,
		Args: exactArgs(2, "a source and a destination, one of them NAME:PATH"),
		RunE: func(c *cobra.Command, args []string) error {
			m, err := strconv.ParseUint(mode, 8, 32)
			if err != nil || m > 0o7777 {
				return usageError{fmt.Errorf("invalid --mode %q: use octal like 0644", mode)}
			}
			srcBox, srcPath, srcIn := splitBoxPath(args[0])
			dstBox, dstPath, dstIn := splitBoxPath(args[1])
			switch {
			case srcIn && !dstIn:
				b, err := sandbox.Get(srcBox)
				if err != nil {
					return err
				}
				return b.CopyOut(srcPath, dstPath)
			case dstIn && !srcIn:
				b, err := sandbox.Get(dstBox)
				if err != nil {
					return err
				}
				return b.CopyIn(srcPath, dstPath, os.FileMode(m))
			default:
				return usageError{errors.New("exactly one of SRC and DST must be NAME:PATH (a box path)")}
			}
		},
	}
	c.Flags().StringVar(&mode, "mode", "0644", "permission bits of a file copied into the box")
	return c
}

// splitBoxPath splits NAME:/path; host paths have no colon before the
// first slash.
func splitBoxPath(s string) (name, path string, inBox bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || strings.Contains(s[:i], "/") {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

func sandboxApplyCmd() *cobra.Command {
	var secrets string
	c := &cobra.Command{
		Use:   "apply NAME FILE --secrets F",
		Short: "Apply a site template inside a running box",
		Long: `Copy FILE and its secrets into box NAME (mode 0600), run
'possectl apply FILE --secrets F --yes' inside and remove the copies
afterwards, also when the apply fails. Apply again after each edit. A
template with include: is sent as one merged template.`,
		Args: exactArgs(2, "a box NAME and a site template FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			if secrets == "" {
				return usageError{errors.New("--secrets is required: name the secrets file of the site")}
			}
			// The same rules as apply on the box: a secrets file others can
			// read is refused before it is copied anywhere.
			if _, err := loadSecrets(secrets); err != nil {
				return err
			}
			b, err := sandbox.Get(args[0])
			if err != nil {
				return err
			}
			template, done, err := mergedTemplate(args[1])
			if err != nil {
				return err
			}
			defer done()
			code, err := b.Apply(c.Context(), template, secrets, c.OutOrStdout(), c.ErrOrStderr())
			if err != nil {
				return err
			}
			if code != 0 {
				return fmt.Errorf("apply inside box %s failed (exit code %d); see the output above", b.Name(), code)
			}
			return nil
		},
	}
	c.Flags().StringVar(&secrets, "secrets", "", "secrets file of the site (required)")
	return c
}

// mergedTemplate returns file, or, when it includes fragments, a private
// temporary copy of the merged template under the same base name (the box
// gets one file); done removes the copy. A template with problems is
// returned as it is.
func mergedTemplate(file string) (string, func(), error) {
	_, flat, err := site.LoadFlat(file)
	raw, rerr := os.ReadFile(file)
	if err != nil || rerr != nil || bytes.Equal(raw, flat) {
		// Problems are reported by possectl in the box, as without include.
		return file, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "possectl-merged-")
	if err != nil {
		return "", nil, err
	}
	done := func() { os.RemoveAll(dir) }
	out := filepath.Join(dir, filepath.Base(file))
	if err := os.WriteFile(out, flat, 0o600); err != nil {
		done()
		return "", nil, err
	}
	return out, done, nil
}

func sandboxImageCmd() *cobra.Command {
	var release string
	c := &cobra.Command{
		Use:   "image",
		Short: "Build the box image of a release if needed and show where it is",
		Args:  noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := sandbox.CheckRelease(release); err != nil {
				return usageError{err}
			}
			start := time.Now()
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			dir, err := sandbox.EnsureImage(ctx, release, c.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "image %s (Debian %s, %d packages) ready in %.1fs\n",
				dir, release, len(sandbox.Packages), time.Since(start).Seconds())
			return nil
		},
	}
	c.Flags().StringVar(&release, "release", sandbox.DefaultRelease, "Debian release: "+strings.Join(sandbox.Releases, " or "))
	return c
}

// sandboxInnerCmd is the hidden command the launcher execs as PID 1 of a
// box's new namespaces.
func sandboxInnerCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "_inner CONFIG",
		Hidden: true,
		Args:   exactArgs(1, "a config file"),
		RunE: func(c *cobra.Command, args []string) error {
			err := sandbox.Inner(args[0])
			fmt.Fprintln(os.Stderr, "possectl sandbox _inner:", err)
			os.Exit(1)
			return nil
		},
	}
}
