// SPDX-License-Identifier: GPL-3.0-or-later

// Samba (and older Windows CAs) make certificates with random serial
// numbers that are negative about half the time; Go refuses to parse
// those unless told otherwise, which would turn away a real old domain
// controller even with --ca or --insecure-tls. A negative serial number
// weakens nothing: the certificate is still verified against --ca.

//go:debug x509negativeserial=1

package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/migrate"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
	"github.com/spf13/cobra"
)

// Secrets of the old domain's admin account in the secrets file.
const (
	secretLegacyUser     = "legacy_admin_user"
	secretLegacyPassword = "legacy_admin"
)

type migrateOptions struct {
	from        string
	secrets     string
	ca          string
	insecureTLS bool
	timeout     time.Duration
	asJSON      bool
}

func init() {
	migrateCmd := &cobra.Command{
		Use:   "migrate",
		Short: "Take over an existing Windows domain: plan, join, cutover, status",
		Args:  noArgs,
	}
	var opt migrateOptions
	planCmd := &cobra.Command{
		Use:   "plan --from ADDRESS --secrets FILE",
		Short: "Check an existing Windows domain and show the plan of taking it over; changes nothing",
		Long: `Ask the old domain controller at ADDRESS (over LDAPS or StartTLS, its DNS
server and SMB) what taking its domain over will meet, and print the plan of
the later phases (join, files, cut-over, adopt). Nothing is changed, neither
here nor on the old server.

The secrets file (YAML, mode 0600) holds the old domain's admin account:
  legacy_admin_user: Administrator
  legacy_admin: the password
The password goes only to the old DC's LDAP login and into a private
authentication file for smbclient, never into argv, logs or the report.

It refuses before anything else: a wrong login, an address where no domain
controller answers, a server that is no Active Directory DC, a domain or
forest functional level below Windows Server 2008 R2, and a box that
already has a site applied. Old DCs often have a self-signed certificate:
give its CA with --ca FILE, or accept any certificate with --insecure-tls.
Exits 1 when a check fails. See docs/migration.md.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if connFlags.host != "" || connFlags.direct {
				return usageError{errors.New("migrate plan runs on the box that takes the domain over: drop --host and --direct (run it there, or through 'possectl sandbox run BOX -- possectl migrate plan …')")}
			}
			return runMigratePlan(c, opt)
		},
	}
	addMigrateFlags(planCmd, &opt)
	migrateCmd.AddCommand(planCmd, migrateJoinCmd(), migrateStatusCmd(), migrateCutoverCmd())
	rootCmd.AddCommand(migrateCmd)
}

// addMigrateFlags adds the flags that reach the old DC.
func addMigrateFlags(cmd *cobra.Command, opt *migrateOptions) {
	f := cmd.Flags()
	f.StringVar(&opt.from, "from", "", "the old domain controller's `ADDRESS` (IP or host name)")
	f.StringVar(&opt.secrets, "secrets", "", "secrets `FILE` with legacy_admin_user and legacy_admin (mode 0600)")
	f.StringVar(&opt.ca, "ca", "", "trust the old DC's certificate if this CA `FILE` (PEM) signed it")
	f.BoolVar(&opt.insecureTLS, "insecure-tls", false, "accept any certificate of the old DC (self-signed); the connection is still encrypted")
	f.DurationVar(&opt.timeout, "timeout", 15*time.Second, "how long to wait for the old DC to answer")
	f.BoolVar(&opt.asJSON, "json", false, "print the report as JSON")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("secrets")
}

// checkAddress accepts an IP address or a DNS name, without a port.
func checkAddress(a string) error {
	if net.ParseIP(a) != nil {
		return nil
	}
	if rules.ValidDomain(strings.ToLower(a)) || (len(a) <= 63 && a != "" && strings.Trim(strings.ToLower(a), "abcdefghijklmnopqrstuvwxyz0123456789-") == "" && !strings.HasPrefix(a, "-")) {
		return nil
	}
	return fmt.Errorf("--from %q is neither an IP address nor a host name", rules.ClipName(a))
}

// noSiteApplied refuses a box that already has a site applied: taking a
// domain over starts on a fresh box. As root it looks at the state
// directory; otherwise it asks possed, when there is one.
func noSiteApplied(ctx context.Context) error {
	refuse := errors.New("this box already has a site applied: taking over an existing domain starts on a fresh Posse box (its domain comes from the old one); use a box without a site")
	_, err := os.Stat(filepath.Join(host.DefaultStateDir, provisioning.AppliedSiteFile))
	switch {
	case err == nil:
		return refuse
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case !errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot tell whether a site is applied on this box: %v", err)
	}
	// Not root: possed knows.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cl, err := dial(ctx)
	if err == nil {
		defer cl.Close()
		s, err := cl.Status(ctx)
		if err == nil {
			if s.Site != "" {
				return refuse
			}
			return nil
		}
	}
	return errors.New("cannot tell whether a site is applied on this box: possed does not answer and " + host.DefaultStateDir + " is not readable; run as root")
}

func runMigratePlan(c *cobra.Command, opt migrateOptions) error {
	user, password, err := migrateLogin(opt)
	if err != nil {
		return err
	}
	ctx, stop := migrateContext(c)
	defer stop()
	if err := noSiteApplied(ctx); err != nil {
		return err
	}
	r, err := preflight(ctx, opt, user, password)
	if err != nil {
		return err
	}
	out := c.OutOrStdout()
	if opt.asJSON {
		err = printSafeJSON(out, r)
	} else {
		err = migrate.WriteText(out, r)
	}
	if err != nil {
		return err
	}
	return notReady(r)
}

// migrateContext is the command's context, cancelled by an interrupt, so
// that the commands stop and the authentication file is removed on the
// way out.
func migrateContext(c *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// migrateLogin checks the options and reads the old domain's admin
// account and password from the secrets file.
func migrateLogin(opt migrateOptions) (user, password string, err error) {
	if err := checkAddress(opt.from); err != nil {
		return "", "", usageError{err}
	}
	if opt.insecureTLS && opt.ca != "" {
		return "", "", usageError{errors.New("--ca and --insecure-tls do not go together: --ca checks the certificate, --insecure-tls accepts any")}
	}
	store, err := loadSecrets(opt.secrets)
	if err != nil {
		return "", "", err
	}
	user, _ = store.Lookup(secretLegacyUser)
	password, ok := store.Lookup(secretLegacyPassword)
	switch {
	case user == "":
		return "", "", fmt.Errorf("%s has no %s: add the old domain's admin account (e.g. %s: Administrator)", opt.secrets, secretLegacyUser, secretLegacyUser)
	case !ok || password == "":
		return "", "", fmt.Errorf("%s has no %s: add the password of %s", opt.secrets, secretLegacyPassword, rules.ClipName(user))
	case rules.HasControl(user) || len(user) > 256:
		return "", "", fmt.Errorf("%s in %s is not a user name", secretLegacyUser, opt.secrets)
	}
	return user, password, nil
}

// preflight runs the pre-flight against the old DC: it changes nothing.
func preflight(ctx context.Context, opt migrateOptions, user, password string) (*migrate.Report, error) {
	mode := migrate.TLSMode{Insecure: opt.insecureTLS}
	if opt.ca != "" {
		pem, err := os.ReadFile(opt.ca)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s holds no PEM certificate", opt.ca)
		}
		mode.CA = pool
	}
	dir, err := migrate.DialLDAP(ctx, migrate.DialOptions{Addr: opt.from, TLS: mode, Timeout: opt.timeout})
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	src := migrate.Source{
		Directory: dir,
		Resolver:  migrate.NewResolver(opt.from, opt.timeout),
		Files: func(workgroup, _ string) (migrate.Files, error) {
			return migrate.NewFiles(execx.New(), opt.from, workgroup, user, password, 0)
		},
	}
	free, where := sharesFree()
	return migrate.Run(ctx, src, migrate.Options{From: opt.from, User: user, Password: password, FreeBytes: free, FreeWhere: where})
}

// notReady is the error of a report with a failed check.
func notReady(r *migrate.Report) error {
	if r.Ready {
		return nil
	}
	var failed []string
	for _, ch := range r.Checks {
		if ch.Status == migrate.StatusFail {
			failed = append(failed, ch.Name)
		}
	}
	return fmt.Errorf("the old domain is not ready to be taken over: %s failed (possectl migrate plan shows why)", strings.Join(failed, ", "))
}

// sharesFree is the free space where the copied shares will live: /srv,
// or / while there is no /srv yet (0 when it cannot be read).
func sharesFree() (int64, string) {
	where := site.SharesRoot
	if _, err := os.Stat(where); err != nil {
		where = "/"
	}
	free, _, err := fsutil.Space(where)
	if err != nil {
		return 0, where
	}
	return int64(min(free, math.MaxInt64)), where
}
