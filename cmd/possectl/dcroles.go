// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/fsmo"
	"github.com/posse-project/posse/provisioning/host"
)

// The FSMO roles and the removal of a dead domain controller, shared by
// possectl migrate cutover and possectl dc.

// fsmoRoles reads the role owners from the local sam.ldb.
func fsmoRoles(ctx context.Context, env *host.Env) ([]fsmo.RoleOwner, error) {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: fsmo.ShowArgv})
	if err != nil {
		return nil, fmt.Errorf("samba-tool fsmo show: %v: %s", err, strings.TrimSpace(string(res.Stderr)))
	}
	return fsmo.ParseShow(res.Stdout)
}

// domainControllers are the names of the domain's DCs in the local sam.ldb.
func domainControllers(ctx context.Context, env *host.Env) ([]string, error) {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"python3", "-c", fsmo.DCsPy}})
	if err != nil {
		return nil, fmt.Errorf("reading the domain controllers: %v: %s", err, strings.TrimSpace(string(res.Stderr)))
	}
	return fsmo.ParseDCs(res.Stdout), nil
}

// isDC says whether name is among the domain's DCs (any case).
func isDC(dcs []string, name string) bool {
	return slices.ContainsFunc(dcs, func(d string) bool { return strings.EqualFold(d, name) })
}

// transferRoles moves every FSMO role to this DC (me) with samba-tool fsmo
// transfer, logged in as user with password on stdin, and waits up to 30 s
// for the DNS zones' roles, which change on their owner and replicate here.
// again is the command to run again after a failure; owner names the DC
// that must be up.
func transferRoles(ctx context.Context, env *host.Env, me, user, password, owner, again string) ([]fsmo.RoleOwner, error) {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: fsmo.TransferArgv(user), Env: fsmo.PasswdEnv, Stdin: []byte(password + "\n")})
	if err != nil {
		return nil, fmt.Errorf("samba-tool fsmo transfer failed: %v: %s\ncheck that %s is up (a transfer needs it) and run %s again", err, scrubLines(res.Stderr, res.Stdout), owner, again)
	}
	return waitRoles(ctx, env, me, "samba-tool fsmo transfer", again)
}

// seizeRoles takes every FSMO role for this DC (me) without asking their
// owner, which must be gone: samba-tool fsmo seize --role=all --force on
// the local sam.ldb.
func seizeRoles(ctx context.Context, env *host.Env, me, again string) ([]fsmo.RoleOwner, error) {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: fsmo.SeizeArgv})
	if err != nil {
		return nil, fmt.Errorf("samba-tool fsmo seize failed: %v: %s\nrun %s again", err, scrubLines(res.Stderr, res.Stdout), again)
	}
	return waitRoles(ctx, env, me, "samba-tool fsmo seize", again)
}

// waitRoles reads the role owners until all are on me, for up to 30 s.
func waitRoles(ctx context.Context, env *host.Env, me, what, again string) ([]fsmo.RoleOwner, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		roles, err := fsmoRoles(ctx, env)
		if err != nil {
			return nil, err
		}
		away := fsmo.RolesElsewhere(roles, me)
		if len(away) == 0 {
			return roles, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return roles, fmt.Errorf("after %s %d roles are still elsewhere (%s on %s): run %s again", what, len(away), away[0].Role, away[0].Server, again)
		}
		time.Sleep(2 * time.Second)
	}
}

// removeDeadDC removes the DC named name, which is gone, from the domain
// with samba-tool domain demote --remove-other-dead-server. name has
// passed rules.ServerNameError or comes from the migration's state.
func removeDeadDC(ctx context.Context, env *host.Env, name, again string) error {
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: fsmo.RemoveDeadServerArgv(name)})
	if err != nil {
		return fmt.Errorf("samba-tool domain demote --remove-other-dead-server=%s failed: %v: %s\nrun %s again", name, err, scrubLines(res.Stderr, res.Stdout), again)
	}
	return nil
}

// answering returns "addr:port" of one of a DC's LDAP and SMB ports that
// accepts a connection, or "" when none does within 3 s: both are tried
// at once, so a DC that is gone costs 3 s, not a timeout per port.
func answering(addr string) string {
	return answeringOn(addr, []string{"389", "445"}, 3*time.Second)
}

// answeringOn tries every port of addr at once and returns the first that
// accepts a connection within timeout, or "".
func answeringOn(addr string, ports []string, timeout time.Duration) string {
	got := make(chan string, len(ports))
	for _, port := range ports {
		go func(hp string) {
			conn, err := net.DialTimeout("tcp", hp, timeout)
			if err != nil {
				got <- ""
				return
			}
			conn.Close()
			got <- hp
		}(net.JoinHostPort(addr, port))
	}
	for range ports {
		if hp := <-got; hp != "" {
			return hp
		}
	}
	return ""
}

// scrubLines is the last lines of a command's output without any line
// that mentions a password.
func scrubLines(outs ...[]byte) string {
	var keep []string
	for _, o := range outs {
		for _, l := range strings.Split(string(o), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(strings.ToLower(l), "pass") {
				keep = append(keep, l)
			}
		}
	}
	if len(keep) > 8 {
		keep = keep[len(keep)-8:]
	}
	return strings.Join(keep, "\n")
}
