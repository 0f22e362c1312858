// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/migrate"
	"github.com/posse-project/posse/rules"
	"github.com/spf13/cobra"
)

// sysvolDir is where Samba keeps SYSVOL.
const sysvolDir = "/var/lib/samba/sysvol"

func migrateJoinCmd() *cobra.Command {
	var opt migrateOptions
	var yes bool
	c := &cobra.Command{
		Use:   "join --from ADDRESS --secrets FILE",
		Short: "Join the old domain as an additional domain controller (phase 2)",
		Long: `Run the pre-flight against the old domain controller at ADDRESS, refuse unless
it passes and this box has no site applied, show what will change, and after
confirmation (or --yes) make this box an additional domain controller of the
old domain: samba-tool domain join … DC replicates users, groups, computers,
password hashes, SIDs and the DNS zones; then SYSVOL is copied from the old
DC and its ACLs reset (samba-tool ntacl sysvolreset).

It runs here, as root, like migrate plan (not through possed). The
password goes to samba-tool on its stdin and to smbclient in a private
authentication file, never into argv. Running it again on a box that has
joined changes nothing; after an interruption it resumes. See
docs/migration.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if connFlags.host != "" || connFlags.direct {
				return usageError{errors.New("migrate join runs on the box that takes the domain over: drop --host and --direct")}
			}
			return runMigrateJoin(c, opt, yes)
		},
	}
	addMigrateFlags(c, &opt)
	c.Flags().BoolVarP(&yes, "yes", "y", false, "join without asking for confirmation")
	return c
}

func migrateStatusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "Show the phase the migration of this box has reached",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, stop := migrateContext(c)
			defer stop()
			st, err := migrate.LoadState(migrateStatePath())
			if err != nil {
				return err
			}
			p := migrateProgress(ctx, newMigrateEnv(), st)
			if asJSON {
				return printSafeJSON(c.OutOrStdout(), p)
			}
			return migrate.WriteProgress(c.OutOrStdout(), p)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return c
}

// migrateStart reads what join and cutover start from: the migration's
// state file and the state it holds, the box's environment, and the realm
// this box is a domain controller of ("" if none).
func migrateStart() (statePath string, st migrate.State, env *host.Env, realm string, err error) {
	statePath = migrateStatePath()
	if st, err = migrate.LoadState(statePath); err != nil {
		return "", st, nil, "", err
	}
	if realm, err = dcRealm(); err != nil {
		return "", st, nil, "", err
	}
	return statePath, st, newMigrateEnv(), realm, nil
}

func migrateStatePath() string {
	return filepath.Join(host.DefaultStateDir, migrate.StateFile)
}

// newMigrateEnv is the live box, without systemd (added where units
// change) and without secrets.
func newMigrateEnv() *host.Env {
	name, _ := os.Hostname()
	name, _, _ = strings.Cut(strings.ToLower(name), ".")
	return &host.Env{Root: "/", StateDir: host.DefaultStateDir, Runner: execx.New(), Hostname: name, IP: host.PrimaryIP()}
}

// migrateProgress adds to st what the local DC says: the role owners and
// the domain controllers.
func migrateProgress(ctx context.Context, env *host.Env, st migrate.State) migrate.Progress {
	p := migrate.Progress{State: st, Next: migrate.NextStep(st.Phase)}
	if have, _ := dcRealm(); have == "" || os.Geteuid() != 0 {
		return p
	}
	roles, err := fsmoRoles(ctx, env)
	if err != nil {
		p.Problem = err.Error()
	}
	p.Roles = roles
	dcs, err := domainControllers(ctx, env)
	if err != nil {
		p.Problem = err.Error()
	}
	p.DCs = dcs
	return p
}

// progressf prints a progress line on stderr, so that stdout stays clean
// for --json.
func progressf(c *cobra.Command, format string, a ...any) {
	fmt.Fprintf(c.ErrOrStderr(), "• "+format+"\n", a...)
}

func runMigrateJoin(c *cobra.Command, opt migrateOptions, yes bool) error {
	user, password, err := migrateLogin(opt)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("migrate join changes this box: run it as root")
	}
	ctx, stop := migrateContext(c)
	defer stop()
	statePath, st, env, have, err := migrateStart()
	if err != nil {
		return err
	}
	out := c.OutOrStdout()
	if st.Reached(migrate.PhaseJoined) && have == st.Realm {
		if opt.asJSON {
			return printSafeJSON(out, migrateProgress(ctx, env, st))
		}
		fmt.Fprintf(out, "This box joined %s as a domain controller already (%s, phase %s): nothing changed.\nNext: %s\n",
			st.Domain, st.Joined.UTC().Format(time.RFC3339), st.Phase, migrate.NextStep(st.Phase))
		return nil
	}
	if have != "" && (st.Realm == "" || have != st.Realm) {
		return fmt.Errorf("this box is already a domain controller of %s: taking over a domain starts on a fresh Posse box", have)
	}
	if len(env.Hostname) > 15 || env.Hostname == "" {
		return fmt.Errorf("this box's host name %q cannot be a domain controller's NetBIOS name (1 to 15 characters): rename it with hostnamectl set-hostname", rules.ClipName(env.Hostname))
	}
	if env.IP == "" {
		return errors.New("cannot find this box's IP address for the domain's DNS records: configure a global IPv4 address")
	}
	if err := noSiteApplied(ctx); err != nil {
		return err
	}
	progressf(c, "pre-flight against %s", opt.from)
	r, err := preflight(ctx, opt, user, password)
	if err != nil {
		return err
	}
	if err := notReady(r); err != nil {
		return err
	}
	if st.Realm != "" && st.Realm != r.Realm {
		return fmt.Errorf("an earlier migrate join on this box was for %s, but %s serves %s: finish that one, or start on a fresh box", st.Realm, opt.from, r.Realm)
	}
	tlsDir := (&possed.Box{}).LegacyTLSDir()
	jp := migrate.NewJoinPlan(r, env.Hostname, env.IP, tlsDir)
	if err := migrate.WriteJoinPlan(c.ErrOrStderr(), jp); err != nil {
		return err
	}
	if !yes {
		if err := confirmChange(c, "Join "+r.Domain+" as an additional domain controller?"); err != nil {
			return err
		}
	}

	start := time.Now()
	st = migrate.State{Phase: migrate.PhaseJoining, From: opt.from, OldDC: r.DC, OldName: migrate.ShortName(r.DC),
		Domain: r.Domain, Realm: r.Realm, NetBIOS: r.NetBIOS, Host: jp.Host, JoinStarted: start}
	if err := migrate.SaveState(statePath, st); err != nil {
		return err
	}
	b, closeBox, err := localBox("")
	if err != nil {
		return err
	}
	defer closeBox()
	j := possed.LegacyJoin{Report: r, User: user, Password: password, Hostname: env.Hostname, IP: env.IP, Secret: secretLegacyPassword}
	if err := b.JoinLegacy(ctx, j, func(line string) { progressf(c, "%s", line) }); err != nil {
		return err
	}
	progressf(c, "joined after %.0fs", time.Since(start).Seconds())

	progressf(c, "copying SYSVOL from \\\\%s\\sysvol", opt.from)
	if err := os.MkdirAll(sysvolDir, 0o755); err != nil {
		return err
	}
	if err := migrate.CopyShare(ctx, env.Runner, opt.from, r.NetBIOS, user, password, "sysvol", sysvolDir); err != nil {
		return fmt.Errorf("%w\nthe box is a domain controller now; run possectl migrate join again to copy SYSVOL", err)
	}
	st.SysvolFiles = countFiles(filepath.Join(sysvolDir, r.Domain))
	progressf(c, "copied %d SYSVOL files; resetting their ACLs (samba-tool ntacl sysvolreset)", st.SysvolFiles)
	if res, err := env.Runner.Run(ctx, host.Cmd{Argv: migrate.SysvolResetArgv}); err != nil {
		return fmt.Errorf("samba-tool ntacl sysvolreset: %v: %s\nrun possectl migrate join again when it is fixed", err, strings.TrimSpace(string(res.Stderr)))
	}

	st.Phase = migrate.PhaseJoined
	st.Joined = time.Now()
	st.JoinSeconds = st.Joined.Sub(start).Seconds()
	if err := migrate.SaveState(statePath, st); err != nil {
		return err
	}
	if opt.asJSON {
		return printSafeJSON(out, migrateProgress(ctx, env, st))
	}
	fmt.Fprintf(out, "Joined %s as the domain controller %s in %.0fs (SYSVOL: %d files).\nNext: %s\n",
		r.Domain, jp.Host, st.JoinSeconds, st.SysvolFiles, migrate.NextStep(st.Phase))
	return nil
}

// dcRealm is the realm this box is a domain controller of, or "".
func dcRealm() (string, error) { return (&possed.Box{}).DCRealm() }

// countFiles counts the regular files under dir.
func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}
