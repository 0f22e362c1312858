// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/services/ad"
)

// Step kinds this service executes itself.
const (
	// KindVmail creates the vmail system user and group.
	KindVmail = "mail.vmail"
	// KindAccount makes sure the directory service account exists with
	// the stored password (generated on first use).
	KindAccount = "mail.account"
	// KindSecretFile writes a file holding the service account's password;
	// the plan holds only a placeholder.
	KindSecretFile = "mail.secret-file"
	// KindTLSFile copies a file of the site PKI (in Posse's root-only
	// state directory) into Postfix's or Dovecot's configuration.
	KindTLSFile = "mail.tls-file"
	// KindFlushQueue asks Postfix to retry the queued mail now
	// (postqueue -f), after the relay's login changed.
	KindFlushQueue = "mail.flush-queue"
)

// TLSFileSpec is the spec of a KindTLSFile step: copy From to Path.
type TLSFileSpec struct {
	Path string `json:"path"`
	From string `json:"from"`
}

// AccountSpec is the spec of a KindAccount step. It names the admin
// password's secret, never a value.
type AccountSpec struct {
	Conn     ad.ConnSpec `json:"conn"`
	Username string      `json:"username"`
	// BindDN is the DN the mail services bind as; the account must end up
	// there (OU=Posse under the base DN).
	BindDN string `json:"bind_dn"`
}

// VmailSpec is the spec of a KindVmail step.
type VmailSpec struct {
	User string `json:"user"`
	ID   int    `json:"id"`
	Home string `json:"home"`
	// NeedGroup is set when the group is missing too.
	NeedGroup bool `json:"need_group"`
}

// ProbeSpec says what the probe checks.
type ProbeSpec struct {
	// FQDN is the name on the site certificate.
	FQDN string `json:"fqdn"`
	// Domain is a mail domain to send a probe recipient to.
	Domain string `json:"domain"`
	CAFile string `json:"ca_file"`
	BindDN string `json:"bind_dn"`
	// Rspamd is set when Rspamd signs (DKIM): rspamd.service must be
	// active and its milter must accept connections.
	Rspamd bool `json:"rspamd,omitempty"`
}

// AccountEnsurer creates or repairs the read-only directory account the
// mail services bind as. The directory service owns LDAP writes; this is
// all mail needs from it.
type AccountEnsurer interface {
	// EnsureAccount makes spec.Username an enabled user at spec.BindDN
	// whose password is password and never has to be changed.
	EnsureAccount(ctx context.Context, env *host.Env, spec AccountSpec, password string) error
}

// Binder checks that dn can bind with password over LDAPS to the local
// domain controller (fqdn is the name on its certificate, caFile the site
// CA's box path).
type Binder func(ctx context.Context, env *host.Env, fqdn, caFile, dn, password string) error

// Service is the mail service. The zero value is not usable; call New.
type Service struct {
	Accounts AccountEnsurer
	Bind     Binder
	// Dial opens TCP connections for the probe (SMTP and IMAPS banners).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// ProbeTimeout bounds the health probe's retries while the services start.
	ProbeTimeout time.Duration
	// Resolver answers possectl mail dns's checks; nil is the box's.
	Resolver Resolver

	mu      sync.Mutex
	backups map[string]fsutil.State // secret files before this apply wrote them
}

// New returns the mail service working on the local box.
func New() *Service {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &Service{
		Accounts:     DirectoryAccounts{},
		Bind:         LDAPSBind,
		Dial:         d.DialContext,
		ProbeTimeout: 60 * time.Second,
		backups:      map[string]fsutil.State{},
	}
}

// Name implements provisioning.Service.
func (s *Service) Name() string { return Name }

// Execute implements provisioning.Service for the mail kinds and the probe.
func (s *Service) Execute(ctx context.Context, step plan.Step, env *host.Env) error {
	switch step.Kind {
	case KindVmail:
		var spec VmailSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad vmail step: %w", err)
		}
		return createVmail(ctx, env, spec)
	case KindAccount:
		var spec AccountSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad account step: %w", err)
		}
		pw, _, err := EnsurePassword(env)
		if err != nil {
			return err
		}
		if s.Accounts == nil {
			return fmt.Errorf("no directory account manager configured")
		}
		return s.Accounts.EnsureAccount(ctx, env, spec, pw)
	case KindSecretFile:
		var spec plan.FileSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad secret file step: %w", err)
		}
		return s.writeSecretFile(env, spec)
	case KindTLSFile:
		var spec TLSFileSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad TLS file step: %w", err)
		}
		return s.writeTLSFile(env, spec)
	case KindDKIMKey:
		var spec DKIMKeySpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad DKIM key step: %w", err)
		}
		for _, p := range []string{DKIMDir, spec.Path} {
			if err := s.remember(env, p); err != nil {
				return err
			}
		}
		return ensureDKIMKey(env, spec)
	case KindFlushQueue:
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: postqueueFlush}); err != nil {
			return fmt.Errorf("postqueue -f: %w", err)
		}
		return nil
	case plan.KindProbe:
		var spec ProbeSpec
		if err := step.DecodeSpec(&spec); err != nil {
			return fmt.Errorf("bad probe step: %w", err)
		}
		_, err := s.Probe(ctx, env, spec)
		return err
	}
	return fmt.Errorf("mail cannot execute steps of kind %q", step.Kind)
}
