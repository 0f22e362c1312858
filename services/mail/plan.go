// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Checkers run after the files are written and before any reload. Postfix
// check and doveconf read the new files from their default places.
var (
	postfixCheck   = []string{"postfix", "check"}
	doveconfN      = []string{"doveconf", "-n"}
	postqueueFlush = []string{"postqueue", "-f"}
)

// Plan implements provisioning.Service: it compares the rendered
// configuration with the box and returns only what differs, ordered: the
// vmail user, the directory account, files, the mailbox directory, the
// checkers, unit jobs, the probe. A site without a mail section plans
// nothing. Offline (--root) it renders the plain files only.
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	if st.Mail == nil {
		return nil, nil, nil
	}
	s.Forget()
	c, err := NewConfig(st, env)
	if err != nil {
		return nil, nil, err
	}
	if env.Offline {
		steps, _, err := fileSteps(env, c)
		if err != nil {
			return nil, nil, err
		}
		if step, ok, err := vmailDirStep(env, false); err != nil {
			return nil, nil, err
		} else if ok {
			steps = append(steps, step)
		}
		rs, _, err := rspamdSteps(env, c)
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, rs...)
		cs, err := collectSteps(ctx, env, c.Collect)
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, cs...)
		note := plan.Note{Service: Name, Target: strings.Join([]string{LDAPMailboxesPath, LDAPAliasesPath, LDAPSendersPath, DovecotLDAPPath}, ", "),
			Message: "hold the mail service account's password; written only on the box, like the copies of the site certificate and key"}
		return steps, []plan.Note{note}, nil
	}

	pre, pw, err := s.boxSteps(ctx, st, env, c)
	if err != nil {
		return nil, nil, err
	}
	files, ch, err := fileSteps(env, c)
	if err != nil {
		return nil, nil, err
	}
	private, pch, err := privateSteps(env, c, pw)
	if err != nil {
		return nil, nil, err
	}
	ch.postfix, ch.dovecot = ch.postfix || pch.postfix, ch.dovecot || pch.dovecot
	steps := append(append(pre, files...), private...)
	newVmail := len(pre) > 0 && pre[0].Kind == KindVmail
	if step, ok, err := vmailDirStep(env, newVmail); err != nil {
		return nil, nil, err
	} else if ok {
		steps = append(steps, step)
	}
	rs, rspamdChanged, err := rspamdSteps(env, c)
	if err != nil {
		return nil, nil, err
	}
	steps = append(steps, rs...)
	if ch.postfix || ch.dovecot {
		steps = append(steps, plan.CheckStep(Name, postfixCheck...), plan.CheckStep(Name, doveconfN...))
	}
	if ch.sieve {
		steps = append(steps, plan.CheckStep(Name, sievec...))
	}
	if c.DKIM {
		// Rspamd first: Postfix's new milter should find it listening.
		ru, err := rspamdUnitSteps(ctx, env, rspamdChanged)
		if err != nil {
			return nil, nil, err
		}
		steps = append(steps, ru...)
	}
	units, err := unitSteps(ctx, env, ch)
	if err != nil {
		return nil, nil, err
	}
	steps = append(steps, units...)
	// Postfix takes the collected mail: its units first.
	cs, err := collectSteps(ctx, env, c.Collect)
	if err != nil {
		return nil, nil, err
	}
	steps = append(steps, cs...)
	if ch.relay && c.Relay != nil {
		// Mail the relay refused waits for Postfix's next retry, up to
		// about an hour: send it now with the new login.
		steps = append(steps, plan.NewStep(Name, plan.Run, KindFlushQueue, "mail queue", "retry the queued mail through the relay now", nil))
	}
	if len(steps) > 0 {
		summary := "postfix and dovecot active, SMTP and IMAPS answer, directory lookups work"
		if c.DKIM {
			summary = "postfix, dovecot and rspamd active, SMTP, IMAPS and the milter answer, directory lookups work"
		}
		steps = append(steps, plan.NewStep(Name, plan.Run, plan.KindProbe, "mail", summary,
			ProbeSpec{FQDN: c.FQDN, Domain: c.Domains[0], CAFile: c.CAFile(), BindDN: c.BindDN, Rspamd: c.DKIM}))
	}
	return steps, nil, nil
}

// changed says which daemons' files a plan changes.
type changed struct {
	postfix, dovecot bool
	// listeners is set when Dovecot needs a restart, not a reload.
	listeners bool
	// relay is set when the relay's login table changed.
	relay bool
	// sieve is set when a global Sieve script changed: sievec compiles
	// them after doveconf -n.
	sieve bool
}

// boxSteps plans the vmail user and the directory account (checking the
// packages first) and returns the stored password ("" when there is none
// yet).
func (s *Service) boxSteps(ctx context.Context, st *site.Site, env *host.Env, c Config) ([]plan.Step, string, error) {
	if err := checkPackages(env); err != nil {
		return nil, "", err
	}
	if c.Spam() {
		if err := checkSpamPackages(env); err != nil {
			return nil, "", err
		}
	}
	if c.Relay != nil && c.Relay.Username != "" {
		if err := checkSASLModules(env); err != nil {
			return nil, "", err
		}
	}
	var steps []plan.Step
	haveUser, haveGroup, err := vmailState(env)
	if err != nil {
		return nil, "", err
	}
	if !haveUser {
		steps = append(steps, plan.NewStep(Name, plan.Create, KindVmail, "user "+VmailUser,
			fmt.Sprintf("system user and group %s (id %d) owning the mailboxes", VmailUser, VmailID),
			VmailSpec{User: VmailUser, ID: VmailID, Home: VmailDir, NeedGroup: !haveGroup}))
	}
	step, ok, err := s.accountStep(ctx, st, env, c)
	if err != nil {
		return nil, "", err
	}
	if ok {
		steps = append(steps, step)
	}
	// The files compare against the stored password; a repaired account
	// keeps it, a new one gets a new password.
	pw, err := ReadPassword(env)
	if err != nil && !errors.Is(err, errNoPassword) {
		return nil, "", err
	}
	return steps, pw, nil
}

// fileSteps plans the files without the service account's password: the
// configuration, and the relay's password table (a template secret).
func fileSteps(env *host.Env, c Config) ([]plan.Step, changed, error) {
	var steps []plan.Step
	var ch changed
	dovecotConf := RenderDovecotConf(c)
	for _, f := range []plan.FileSpec{
		{Path: MainCfPath, Content: RenderMainCf(c), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: MasterCfPath, Content: RenderMasterCf(), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: AliasesPath, Content: RenderAliases(c), Mode: 0o644, Owner: "root", Group: "root"},
		{Path: DovecotConfPath, Content: dovecotConf, Mode: 0o644, Owner: "root", Group: "root"},
	} {
		step, diff, err := plan.FileStep(Name, env, f)
		if err != nil {
			return nil, ch, err
		}
		if !diff {
			continue
		}
		steps = append(steps, step)
		if f.Path == DovecotConfPath {
			ch.dovecot, ch.listeners = true, needsRestart(env, dovecotConf)
		} else {
			ch.postfix = true
		}
	}
	step, diff, err := relayFileStep(env, c)
	if err != nil {
		return nil, ch, err
	}
	if diff {
		steps = append(steps, step)
		ch.postfix, ch.relay = true, true
	}
	spam, sieve, err := spamSteps(env, c)
	if err != nil {
		return nil, ch, err
	}
	if len(spam) > 0 {
		steps = append(steps, spam...)
		ch.dovecot, ch.sieve = true, sieve
	}
	return steps, ch, nil
}

// privateSteps plans the copies of the site PKI and the files holding the
// service account's password.
func privateSteps(env *host.Env, c Config, pw string) ([]plan.Step, changed, error) {
	var steps []plan.Step
	var ch changed
	mark := func(postfix bool) {
		ch.postfix = ch.postfix || postfix
		ch.dovecot = ch.dovecot || !postfix
	}
	for _, cp := range tlsCopies {
		step, diff, err := tlsFileStep(env, cp, c.TLSDir)
		if err != nil {
			return nil, ch, err
		}
		if diff {
			steps = append(steps, step)
			mark(cp.postfix)
		}
	}
	contents := RenderLDAPMaps(c)
	contents[DovecotLDAPPath] = RenderDovecotLDAP(c)
	for _, f := range secretFiles {
		spec := plan.FileSpec{Path: f.path, Content: contents[f.path], Mode: f.mode, Owner: f.owner, Group: f.group, Secret: true}
		step, diff, err := secretFileStep(env, spec, pw)
		if err != nil {
			return nil, ch, err
		}
		if diff {
			steps = append(steps, step)
			mark(f.path != DovecotLDAPPath)
		}
	}
	return steps, ch, nil
}

// vmailDirStep plans /var/vmail, vmail:vmail 0770. When the vmail user is
// created in the same apply the owner is looked up when the step runs.
func vmailDirStep(env *host.Env, newVmail bool) (plan.Step, bool, error) {
	vm := plan.DirSpec{Path: VmailDir, Mode: 0o770, Owner: VmailUser, Group: VmailUser}
	if newVmail {
		step := plan.NewStep(Name, plan.Create, plan.KindDir, VmailDir, "", vm)
		step.Changes = []plan.Change{{Field: "mode", After: "0770"}, {Field: "owner", After: "vmail:vmail"}}
		return step, true, nil
	}
	return plan.DirStep(Name, env, vm)
}

// accountStep plans the directory service account when there is no
// stored password yet, or when a bind with it fails (the account is
// missing, disabled or has another password; or the directory is not
// up yet, as on a fresh box).
func (s *Service) accountStep(ctx context.Context, st *site.Site, env *host.Env, c Config) (plan.Step, bool, error) {
	admin, ok := st.Directory.AdminPassword.Name()
	if !ok {
		return plan.Step{}, false, fmt.Errorf("directory.admin_password must be a secret reference: the mail service account is created as the domain admin")
	}
	spec := AccountSpec{
		Conn:     ad.ConnSpec{Realm: st.RealmName(), FQDN: c.FQDN, AdminSecret: admin},
		Username: ServiceAccount,
		BindDN:   c.BindDN,
	}
	pw, err := ReadPassword(env)
	var why string
	switch {
	case errors.Is(err, errNoPassword):
		why = "create the read-only directory account the mail services bind as"
	case err != nil:
		return plan.Step{}, false, err
	case s.Bind == nil:
		return plan.Step{}, false, nil
	default:
		berr := s.Bind(ctx, env, c.FQDN, c.CAFile(), c.BindDN, pw)
		if berr == nil {
			return plan.Step{}, false, nil
		}
		why = "repair the mail service account (" + berr.Error() + ")"
	}
	step := plan.NewStep(Name, plan.Create, KindAccount, c.BindDN, why, spec)
	step.Changes = []plan.Change{{Field: "password", After: "generated, stored in " + stateFile(env, PasswordFile)}}
	if err == nil {
		step.Action = plan.Update
	}
	return step, true, nil
}

// unitSteps reloads what changed (restarts Dovecot when its listeners
// changed), starts what is not running, and enables what is not enabled.
// Postfix's master runs in postfixInstance (see PostfixInstanceUnit).
func unitSteps(ctx context.Context, env *host.Env, ch changed) ([]plan.Step, error) {
	if env.Units == nil {
		return nil, errors.New("no systemd connection configured")
	}
	var steps []plan.Step
	// After an upgrade from Debian 12, Postfix's master may still run in
	// the old instance postfix@-, which Debian 13's postfix.service
	// conflicts with: stop it first, then start the master in
	// postfix.service.
	oldInstance := false
	if pf := postfixInstance(env); pf == PostfixUnit {
		old, err := env.Units.Status(ctx, PostfixInstance)
		if err != nil {
			return nil, fmt.Errorf("reading the state of %s: %w", PostfixInstance, err)
		}
		if old.ActiveState == "active" || old.ActiveState == "activating" || old.ActiveState == "reloading" {
			steps = append(steps, plan.UnitStep(Name, PostfixInstance, "stop"))
			oldInstance = true
		}
	}
	for _, u := range []struct {
		instance, unit   string
		changed, restart bool
	}{
		{postfixInstance(env), PostfixUnit, ch.postfix, oldInstance},
		{DovecotUnit, DovecotUnit, ch.dovecot, ch.listeners},
	} {
		st, err := env.Units.Status(ctx, u.instance)
		if err != nil {
			return nil, fmt.Errorf("reading the state of %s: %w", u.instance, err)
		}
		switch {
		case st.ActiveState != "active" || u.restart:
			steps = append(steps, plan.UnitStep(Name, u.instance, "restart"))
		case u.changed:
			steps = append(steps, plan.UnitStep(Name, u.instance, "reload"))
		}
		fs, err := env.Units.Status(ctx, u.unit)
		if err != nil {
			return nil, fmt.Errorf("reading the state of %s: %w", u.unit, err)
		}
		if fs.UnitFileState != "enabled" {
			steps = append(steps, plan.UnitStep(Name, u.unit, "enable"))
		}
	}
	return steps, nil
}

// stateFile is the box path of a file under the state directory.
func stateFile(env *host.Env, name string) string {
	sd := env.StateDir
	if sd == "" {
		sd = host.DefaultStateDir
	}
	return strings.TrimSuffix(sd, "/") + "/" + name
}
