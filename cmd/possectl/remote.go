// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/spf13/cobra"
)

// connFlags say which box's possed to talk to, or to change this box
// without it (--direct).
var connFlags struct {
	host          string
	acceptHostKey string
	knownHosts    string
	identities    []string
	busAddress    string
	direct        bool
}

func init() {
	p := rootCmd.PersistentFlags()
	p.StringVar(&connFlags.host, "host", "", "manage the box at `user@box[:port]` over SSH (its possed, authorised by its polkit for that user)")
	p.StringVar(&connFlags.acceptHostKey, "accept-host-key", "", "accept and remember the box's SSH host key if its fingerprint is `SHA256:…` (check it on the box first)")
	p.StringVar(&connFlags.knownHosts, "known-hosts", "", "known_hosts `FILE` for --host (default ~/.ssh/known_hosts)")
	p.StringArrayVarP(&connFlags.identities, "identity", "i", nil, "private key `FILE` for --host, tried after the SSH agent (repeatable; default ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
	p.StringVar(&connFlags.busAddress, "bus-address", "", "talk to possed on this D-Bus `ADDRESS` instead of the system bus (for tests)")
	p.MarkHidden("bus-address")
	p.BoolVar(&connFlags.direct, "direct", false, "change this box in process as root, without possed (for recovery, and for boxes without the daemon)")
}

// direct reports whether the command changes the box in process; it
// refuses --direct together with --host.
func direct() (bool, error) {
	if !connFlags.direct {
		return false, nil
	}
	if connFlags.host != "" {
		return false, usageError{errors.New("--direct works only on the box itself, as root: drop --host, or drop --direct to go through possed")}
	}
	return true, nil
}

// notDirect refuses a flag that only the in-process path understands.
func notDirect(c *cobra.Command, flags ...string) error {
	for _, f := range flags {
		if c.Flags().Changed(f) {
			return usageError{fmt.Errorf("--%s works only with --direct (possed uses the site applied on the box)", f)}
		}
	}
	return nil
}

// ignoredWithoutDirect notes on stderr flags that only the in-process path
// uses; possed takes the site and secrets the box kept.
func ignoredWithoutDirect(c *cobra.Command, flags ...string) {
	var set []string
	for _, f := range flags {
		if c.Flags().Changed(f) {
			set = append(set, "--"+f)
		}
	}
	if len(set) > 0 {
		fmt.Fprintf(c.ErrOrStderr(), "possectl: note: %s only count with --direct; possed uses the site applied on the box and the secrets it kept\n", strings.Join(set, ", "))
	}
}

// dial connects to possed on this box or on --host. The connection is
// made lazily: errors of an absent possed show up at the first call and
// go through daemonError.
func dial(ctx context.Context) (*client.Client, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	opts := client.Options{
		BusAddress:     connFlags.busAddress,
		Host:           connFlags.host,
		KnownHostsFile: connFlags.knownHosts,
		AcceptHostKey:  connFlags.acceptHostKey,
		IdentityFiles:  connFlags.identities,
	}
	c, err := client.Dial(ctx, opts)
	if err != nil {
		var hke *client.HostKeyError
		if errors.As(err, &hke) {
			return nil, err
		}
		if connFlags.host != "" {
			return nil, fmt.Errorf("cannot reach possed on %s: %w", connFlags.host, err)
		}
		return nil, fmt.Errorf("%w%s", err, directHint())
	}
	return c, nil
}

// Groups that polkit's rules (packaging/polkit/50-posse.rules) let manage
// a box.
const (
	groupAdmin  = "posse-admin"
	groupOffice = "posse-office"
)

// daemonError turns possed's refusals into what to do: what is the
// action in words ("apply a site"), group the polkit group that may do it.
func daemonError(err error, what, group string) error {
	if err == nil {
		return nil
	}
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err
	}
	switch {
	case client.IsNotAuthorized(err):
		if strings.Contains(ce.Message, "polkit is not running") {
			return fmt.Errorf("%s: %s", box(), ce.Message)
		}
		who := "ask an administrator to add you to " + group
		if group == groupOffice {
			who = "ask an administrator to add you to " + groupOffice + " (or " + groupAdmin + ")"
		}
		return fmt.Errorf("you are not allowed to %s on %s: %s", what, box(), who)
	case ce.Name == "org.freedesktop.DBus.Error.ServiceUnknown", ce.Name == "org.freedesktop.DBus.Error.NameHasNoOwner":
		return fmt.Errorf("possed is not running on %s and the bus cannot start it: start it as root with 'systemctl start possed' (if there is no such unit, install the posse package)%s", box(), directHint())
	}
	return err
}

// box names the box in messages.
func box() string {
	if connFlags.host != "" {
		return connFlags.host
	}
	return "this box"
}

// directHint tells root where possed is missing what else to do: on a
// Posse box, --direct works without possed; on a machine that only runs
// sandbox boxes (no site applied here), possectl belongs inside a box.
func directHint() string {
	if connFlags.host != "" || os.Geteuid() != 0 {
		return ""
	}
	if _, err := os.Stat(filepath.Join(host.DefaultStateDir, "site.yaml")); err != nil {
		return "\nto manage a sandbox box from here: possectl sandbox run BOX -- possectl ...; a remote box: --host USER@HOST"
	}
	return "\nas root on this box, --direct changes it without possed (for recovery)"
}
