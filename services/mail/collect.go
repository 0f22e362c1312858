// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// Collecting mail from the provider (mail.collect): fetchmail, run by a
// systemd timer as the fetchmail package's system user, fetches each
// mailbox over TLS with the certificate checked and hands every message
// to Postfix on the loopback address for the Posse user's address, so
// that Rspamd and the Sieve scripts see it like any incoming mail.
const (
	// CollectRCPath is fetchmail's configuration, 0600 fetchmail: it
	// holds the provider passwords.
	CollectRCPath = "/etc/posse/fetchmailrc"
	// CollectDir holds the configuration (root, 0755).
	CollectDir = "/etc/posse"
	// CollectService runs fetchmail once; CollectTimer every 5 minutes.
	CollectService = "posse-collect.service"
	CollectTimer   = "posse-collect.timer"
	// CollectUser is the fetchmail package's system user.
	CollectUser    = "fetchmail"
	collectGroup   = "root"
	collectPackage = "fetchmail"
	collectBinary  = "/usr/bin/fetchmail"
	systemdDir     = "/etc/systemd/system"
)

// Collect is one mailbox at the provider and the address its mail goes
// to.
type Collect struct {
	// To is the Posse user's address.
	To       string
	Server   string
	Protocol string
	Username string
	// PasswordSecret names the secret holding the password.
	PasswordSecret string
	Keep           bool
}

// collectConfig derives the collect entries of s.
func collectConfig(s *site.Site) ([]Collect, error) {
	var out []Collect
	for _, e := range s.Mail.Collect {
		u, ok := s.FindUser(e.User)
		if !ok {
			return nil, fmt.Errorf("mail.collect: %q is not a user of the site", e.User)
		}
		name, ok := e.Password.Name()
		if !ok {
			return nil, fmt.Errorf("mail.collect password of %s must be a secret reference: write ${secret:NAME}", e.Username)
		}
		out = append(out, Collect{To: strings.ToLower(s.UserEmail(*u)), Server: e.Server, Protocol: e.Protocol,
			Username: e.Username, PasswordSecret: name, Keep: e.Keep})
	}
	return out, nil
}

// validate checks every value that reaches fetchmailrc.
func (c Collect) validate() error {
	if err := checkAddress(c.To); err != nil {
		return fmt.Errorf("collect %w", err)
	}
	if !site.ValidRelayHost(c.Server) {
		return fmt.Errorf("collect server %q is not a DNS name or an IPv4 address", c.Server)
	}
	if c.Protocol != site.CollectPOP3 && c.Protocol != site.CollectIMAP {
		return fmt.Errorf("collect protocol %q is not pop3 or imap", c.Protocol)
	}
	if !site.ValidRelayUsername(c.Username) || strings.ContainsAny(c.Username, `"\`) {
		return fmt.Errorf("collect username %q cannot go into fetchmailrc", c.Username)
	}
	if !site.ValidSecretName(c.PasswordSecret) {
		return fmt.Errorf("collect password secret %q is not a valid secret name", c.PasswordSecret)
	}
	return nil
}

// collectPort is the TLS port of a protocol.
func collectPort(protocol string) int {
	if protocol == site.CollectIMAP {
		return 993
	}
	return 995
}

// RenderFetchmailRC renders fetchmail's configuration: one poll entry
// per mailbox, TLS from the first byte with the certificate checked
// against the system's CAs, delivery by SMTP to Postfix on 127.0.0.1
// for the user's address. Passwords stand as ${secret:NAME} references,
// filled in only when the file is written on the box.
func RenderFetchmailRC(cs []Collect) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("# Mailboxes at the provider collected into Posse users' INBOXes (mail.collect).\n")
	b.WriteString("set no bouncemail\n")
	b.WriteString("set no spambounce\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "\npoll %q protocol %s service %d timeout 60\n", c.Server, strings.ToUpper(c.Protocol), collectPort(c.Protocol))
		fmt.Fprintf(&b, "  user %q there with password \"%s\"\n", c.Username, site.NewSecretRef(c.PasswordSecret))
		fmt.Fprintf(&b, "  smtphost \"127.0.0.1\" smtpname %q\n", c.To)
		b.WriteString("  ssl sslcertck sslproto \"TLS1.2+\"\n")
		if c.Keep {
			b.WriteString("  keep\n")
			if c.Protocol == site.CollectPOP3 {
				b.WriteString("  uidl\n")
			}
		} else {
			b.WriteString("  nokeep fetchall\n")
		}
	}
	return b.String()
}

// RenderCollectUnits renders the service running fetchmail once
// (exit 1 is "no mail") and the timer running it every 5 minutes.
func RenderCollectUnits() map[string]string {
	svc := `# Managed by Posse: changes here are overwritten by the next apply.
[Unit]
Description=Posse: collect mail from the provider (fetchmail)
After=network-online.target postfix.service
Wants=network-online.target

[Service]
Type=oneshot
User=` + CollectUser + `
StateDirectory=posse-collect
StateDirectoryMode=0700
Environment=FETCHMAILHOME=/var/lib/posse-collect
ExecStart=` + collectBinary + ` --fetchmailrc ` + CollectRCPath + ` --idfile /var/lib/posse-collect/fetchids --nodetach --nosyslog
SuccessExitStatus=1
TimeoutStartSec=15min
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
`
	timer := `# Managed by Posse: changes here are overwritten by the next apply.
[Unit]
Description=Posse: collect mail from the provider every 5 minutes

[Timer]
OnBootSec=2min
OnUnitActiveSec=5min

[Install]
WantedBy=timers.target
`
	return map[string]string{CollectService: svc, CollectTimer: timer}
}

// checkFetchmail refuses a box without fetchmail when mail is collected.
func checkFetchmail(env *host.Env) error {
	if _, err := os.Stat(env.Path(collectBinary)); err != nil {
		return fmt.Errorf("mail.collect needs the package %s: install it with apt-get install %s, then plan again", collectPackage, collectPackage)
	}
	return nil
}

// collectSteps plans fetchmailrc and the units: written and the timer
// enabled when mail is collected; the timer stopped and the files
// removed when the template no longer collects.
func collectSteps(ctx context.Context, env *host.Env, cs []Collect) ([]plan.Step, error) {
	names := []string{CollectService, CollectTimer}
	if len(cs) == 0 {
		if env.Offline {
			return nil, nil
		}
		steps, err := plan.RemoveUnitsSteps(Name, env, systemdDir, names, func(t string) bool { return collectTimerOn(ctx, env, false) })
		if err != nil {
			return nil, err
		}
		st, ok, err := plan.DeleteFileStep(Name, env, CollectRCPath)
		if err != nil {
			return nil, err
		}
		if ok {
			steps = append([]plan.Step{st}, steps...)
		}
		return steps, nil
	}
	for _, c := range cs {
		if err := c.validate(); err != nil {
			return nil, err
		}
	}
	if !env.Offline {
		if err := checkFetchmail(env); err != nil {
			return nil, err
		}
	}
	var steps []plan.Step
	if st, ok, err := plan.DirStep(Name, env, plan.DirSpec{Path: CollectDir, Mode: 0o755, Owner: "root", Group: "root"}); err != nil {
		return nil, err
	} else if ok {
		steps = append(steps, st)
	}
	st, rcChanged, err := plan.FileStep(Name, env, plan.FileSpec{Path: CollectRCPath, Content: RenderFetchmailRC(cs),
		Mode: 0o600, Owner: CollectUser, Group: collectGroup, Secret: true})
	if err != nil {
		return nil, err
	}
	if rcChanged {
		steps = append(steps, st)
	}
	units := RenderCollectUnits()
	unitsChanged := false
	for _, n := range names {
		st, ok, err := plan.FileStep(Name, env, plan.FileSpec{Path: systemdDir + "/" + n, Content: units[n], Mode: 0o644, Owner: "root", Group: "root"})
		if err != nil {
			return nil, err
		}
		if ok {
			steps, unitsChanged = append(steps, st), true
		}
	}
	if env.Offline {
		return steps, nil
	}
	if unitsChanged {
		steps = append(steps, plan.UnitStep(Name, "", "daemon-reload"))
	}
	if unitsChanged || !collectTimerOn(ctx, env, true) {
		steps = append(steps, plan.UnitStep(Name, CollectTimer, "enable-now"))
	}
	return steps, nil
}

// collectTimerOn reports whether the timer is enabled and active (all,
// for a wanted timer) or either (for one to stop).
func collectTimerOn(ctx context.Context, env *host.Env, all bool) bool {
	if env.Units == nil {
		return all
	}
	st, err := env.Units.Status(ctx, CollectTimer)
	if err != nil {
		return false
	}
	enabled, active := st.UnitFileState == "enabled", st.ActiveState == "active"
	if all {
		return enabled && active
	}
	return enabled || active
}
