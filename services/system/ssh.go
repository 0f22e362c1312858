// SPDX-License-Identifier: GPL-3.0-or-later

package system

import (
	"context"
	"fmt"
	"os"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

// SSHConfPath is Posse's drop-in for the OpenSSH server. Debian's
// sshd_config includes /etc/ssh/sshd_config.d/*.conf first, and sshd keeps
// the first value it reads for a setting, so these settings win over the
// defaults below them.
const SSHConfPath = "/etc/ssh/sshd_config.d/posse.conf"

// SSHUnit is Debian's OpenSSH server unit.
const SSHUnit = "ssh.service"

// sshdPath tells whether the OpenSSH server is installed.
const sshdPath = "/usr/sbin/sshd"

// SSHLoginGroups are the local groups whose members may log in over SSH:
// root and sudo for the integrator, posse-admin and posse-office for the
// people who run the app and possectl over SSH, and posse-ssh for any
// other local account the integrator lets in on purpose (an sftp target's
// account, say). Domain users are in none of them (winbind resolves them
// on the DC, and pam_winbind would accept their passwords), so they are
// refused before authentication.
var SSHLoginGroups = []string{"root", "sudo", "posse-admin", "posse-office", "posse-ssh"}

// RenderSSHConf renders the drop-in: only SSHLoginGroups log in, and the
// office managers' sessions may not forward ports, sockets, X11 or agents,
// so a tunnel cannot reach services that trust the box itself (the app
// needs none: it runs systemd-stdio-bridge in the session).
func RenderSSHConf() string {
	s := "# Written by Posse (the system service); changes are overwritten.\n" +
		"# SSH to the domain controller is for the integrator and the office\n" +
		"# manager's app, never for domain users (docs/security.md).\n" +
		"AllowGroups"
	for _, g := range SSHLoginGroups {
		s += " " + g
	}
	return s + "\n" +
		"PermitTunnel no\n" +
		"\n" +
		"Match Group posse-office,!root,!sudo,!posse-admin\n" +
		"\tDisableForwarding yes\n" +
		"\tAllowTcpForwarding no\n" +
		"\tAllowStreamLocalForwarding no\n" +
		"\tAllowAgentForwarding no\n" +
		"\tX11Forwarding no\n" +
		"\tPermitTunnel no\n"
}

// sshSteps plans the drop-in on a box with the OpenSSH server: the file,
// sshd's own check, and a reload when sshd runs. Offline only the file.
func sshSteps(ctx context.Context, env *host.Env) ([]plan.Step, error) {
	if _, err := os.Stat(env.Path(sshdPath)); err != nil {
		return nil, nil // no SSH server: nothing to restrict
	}
	step, changed, err := plan.FileStep(Name, env, plan.FileSpec{Path: SSHConfPath, Content: RenderSSHConf(), Mode: 0o644, Owner: "root", Group: "root"})
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, nil
	}
	steps := []plan.Step{step}
	if env.Offline {
		return steps, nil
	}
	steps = append(steps, plan.CheckStep(Name, "sshd", "-t"))
	if env.Units == nil {
		return nil, fmt.Errorf("no systemd connection configured")
	}
	st, err := env.Units.Status(ctx, SSHUnit)
	if err != nil {
		return nil, fmt.Errorf("reading the state of %s: %w", SSHUnit, err)
	}
	if st.ActiveState == "active" {
		steps = append(steps, plan.UnitStep(Name, SSHUnit, "reload"))
	}
	return steps, nil
}
