// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// TLSSpec is the spec of a KindTLS step.
type TLSSpec struct {
	// Dir is the box path of the PKI directory.
	Dir   string      `json:"dir"`
	Names ad.TLSNames `json:"names"`
}

// ProvisionSpec is the spec of a KindProvision step.
type ProvisionSpec struct {
	Conn      ad.ConnSpec `json:"conn"`
	Workgroup string      `json:"workgroup"`
	Hostname  string      `json:"hostname"`
	IP        string      `json:"ip"`
	// ADSite is the AD site of the first DC; "" for Samba's default.
	ADSite string `json:"ad_site,omitempty"`
	// SMBConf, KRB5Conf and ResolvConf are written after samba-tool ran.
	SMBConf    string `json:"smb_conf"`
	KRB5Conf   string `json:"krb5_conf"`
	ResolvConf string `json:"resolv_conf"`
}

// PolicySpec is the spec of a KindPolicy step.
type PolicySpec struct {
	Conn   ad.ConnSpec `json:"conn"`
	Policy ad.Policy   `json:"policy"`
}

// GroupSpec is the spec of a KindGroup step.
type GroupSpec struct {
	Conn        ad.ConnSpec `json:"conn"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	// Set names the fields an update replaces: description, origin (the
	// posse:template mark). Empty means description (plans made before
	// groups were marked).
	Set []string `json:"set,omitempty"`
}

// UserSpec is the spec of a KindUser step.
type UserSpec struct {
	Conn ad.ConnSpec `json:"conn"`
	User UserData    `json:"user"`
	// Set names the fields an update replaces: given_name, surname,
	// display_name, email, aliases, disabled, home_directory, home_drive,
	// origin, password_never_expires, admin (Domain Admins).
	Set          []string `json:"set,omitempty"`
	AddGroups    []string `json:"add_groups,omitempty"`
	RemoveGroups []string `json:"remove_groups,omitempty"`
	// PasswordSecret names the initial password's secret (create only).
	PasswordSecret string `json:"password_secret,omitempty"`
	MustChange     bool   `json:"must_change,omitempty"`

	// posseHome is the home path Posse would set on this host (plan time
	// only): with homes off, only this value is cleared.
	posseHome string
}

// UserData is a user's desired attributes in a step.
type UserData struct {
	Username    string   `json:"username"`
	GivenName   string   `json:"given_name,omitempty"`
	Surname     string   `json:"surname,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Email       string   `json:"email,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
	// Service marks a service account (kind: service): no mail address,
	// no home, the password never expires.
	Service bool `json:"service,omitempty"`
	// Admin makes the user a member of Domain Admins (admins:).
	Admin  bool     `json:"admin,omitempty"`
	Groups []string `json:"groups,omitempty"`
	// HomeDirectory and HomeDrive are set when the site enables homes.
	HomeDirectory string `json:"home_directory,omitempty"`
	HomeDrive     string `json:"home_drive,omitempty"`
}

func (d UserData) user() ad.User {
	return ad.User{Username: d.Username, GivenName: d.GivenName, Surname: d.Surname, DisplayName: d.DisplayName,
		Email: d.Email, Aliases: d.Aliases, Disabled: d.Disabled, Groups: d.Groups, PasswordNeverExpires: d.Service,
		HomeDirectory: d.HomeDirectory, HomeDrive: d.HomeDrive}
}

// Plan implements provisioning.Service.
func (s *Service) Plan(ctx context.Context, st *site.Site, env *host.Env) ([]plan.Step, []plan.Note, error) {
	in, err := newSiteInfo(st, env)
	if err != nil {
		return nil, nil, err
	}
	part, err := PartOf(st, env.Hostname, env.IP)
	if err != nil {
		return nil, nil, err
	}
	gcfg := GlobalConfig{Hostname: in.hostname, Realm: in.realm, Workgroup: in.workgroup, Forwarder: forwarder(env), TLSDir: in.tlsDir}
	smb, krb, resolv := RenderSMBConf(gcfg), RenderKRB5Conf(in.realm, in.hostname), RenderResolvConf(in.realm)
	if part.Join {
		resolv = RenderDCResolvConf(in.realm, part.First.Address)
	}
	if env.Offline {
		steps, err := fileSteps(env, smb, krb, resolv)
		return steps, nil, err
	}
	have, err := ProvisionedRealm(env)
	if err != nil {
		return nil, nil, err
	}
	if have != "" && have != in.realm {
		return nil, nil, fmt.Errorf("this box is already the domain controller of %s; refusing to re-provision it as %s (fix site.realm/site.domain, or use a fresh box)", have, in.realm)
	}
	if have != "" {
		if err := checkIdentity(env, in); err != nil {
			return nil, nil, err
		}
	}
	var steps []plan.Step
	names := ad.TLSNames{Hostname: in.hostname, FQDN: in.fqdn}
	if env.IP != "" {
		names.IPs = []string{env.IP}
	}
	tlsState := ad.CheckTLS(env.Path(in.tlsDir), names, s.Now())
	if tlsState.NewServer {
		action := plan.Update
		if tlsState.NewCA {
			action = plan.Create
		}
		step := plan.NewStep(Name, action, KindTLS, in.tlsDir, "site CA and LDAPS certificate: "+tlsState.Reason, TLSSpec{Dir: in.tlsDir, Names: names})
		step.Changes = []plan.Change{{Field: "subject_alt_names", After: strings.Join(append(names.DNSNames(), names.IPs...), ", ")}}
		steps = append(steps, step)
	}
	if part.Join {
		return s.planJoined(env, in, part, have, steps, smb, krb, resolv)
	}
	desired, err := desiredState(st, in)
	if err != nil {
		return nil, nil, err
	}
	if have == "" {
		if env.IP == "" {
			return nil, nil, fmt.Errorf("cannot find the box's IP address for the domain controller's DNS records: configure a global IPv4 address")
		}
		if env.Secrets == nil {
			return nil, nil, fmt.Errorf("provisioning needs the admin password: pass --secrets FILE")
		}
		if _, ok := env.Secrets.Lookup(in.conn.AdminSecret); !ok {
			return nil, nil, fmt.Errorf("secret %s (the domain admin password) is missing: add it to the secrets file or set POSSE_SECRET_%s", in.conn.AdminSecret, strings.ToUpper(in.conn.AdminSecret))
		}
		ps := ProvisionSpec{Conn: in.conn, Workgroup: in.workgroup, Hostname: in.hostname, IP: env.IP, ADSite: part.ADSite(), SMBConf: smb, KRB5Conf: krb, ResolvConf: resolv}
		step := plan.NewStep(Name, plan.Create, KindProvision, in.realm,
			"provision the Samba AD domain "+in.realm+" ("+in.workgroup+") and start "+Unit, ps)
		step.Changes = []plan.Change{{Field: "realm", After: in.realm}, {Field: "workgroup", After: in.workgroup},
			{Field: "host", After: in.fqdn + " " + env.IP}, {Field: "admin_password", After: "${secret:" + in.conn.AdminSecret + "}"}}
		if ps.ADSite != "" {
			step.Changes = append(step.Changes, plan.Change{Field: "ad_site", After: ps.ADSite})
		}
		steps = append(steps, step)
		wantSites, wantNets := st.ADSites()
		if sp := DiffSites(wantSites, wantNets, ADState{Sites: []string{part.ADSite()}}); !sp.Empty() {
			steps = append(steps, sitesStep(sp))
		}
		dsteps, notes := diffDirectory(in.conn, desired, nil, nil, st.Directory.Prune, applied{})
		if p, ok := desired.policy(); ok {
			steps = append(steps, policyStep(in.conn, nil, p))
		}
		steps = append(steps, dsteps...)
		asteps, anotes := posseAdminStep(env, st, in.workgroup, applied{})
		steps = append(steps, asteps...)
		notes = append(notes, anotes...)
		steps = append(steps, probeStep(in.conn))
		return steps, notes, nil
	}

	fsteps, err := fileSteps(env, smb, krb, resolv)
	if err != nil {
		return nil, nil, err
	}
	steps = append(steps, fsteps...)
	smbChanged := slices.ContainsFunc(fsteps, func(x plan.Step) bool { return x.Target == SMBConfPath || x.Target == SharesInclude })
	if smbChanged {
		steps = append(steps, plan.CheckStep(Name, "testparm", "--suppress-prompt", "-s", SMBConfPath))
	}
	if smbChanged || tlsState.NewServer {
		steps = append(steps, plan.UnitStep(Name, Unit, "restart"))
	}
	var notes []plan.Note
	if len(st.Servers) > 0 {
		sp, n, err := planSites(ctx, env, st, part)
		if err != nil {
			return nil, nil, err
		}
		if !sp.Empty() {
			steps = append(steps, sitesStep(sp))
		}
		notes = append(notes, n...)
	}
	d, err := s.directory(ctx, env, in.conn, false)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the directory: %w", err)
	}
	users, err := d.Users(ctx)
	if err == nil {
		var groups []ad.Group
		groups, err = d.Groups(ctx)
		if err == nil {
			var cur ad.Policy
			cur, err = d.Policy(ctx)
			if p, ok := desired.policy(); ok && err == nil && cur != p {
				steps = append(steps, policyStep(in.conn, &cur, p))
			}
			if err == nil {
				dsteps, dnotes := diffDirectory(in.conn, desired, users, groups, st.Directory.Prune, lastApplied(env))
				notes = append(notes, dnotes...)
				if err := addressClashes(st, users, dsteps); err != nil {
					return nil, nil, err
				}
				steps = append(steps, dsteps...)
				asteps, anotes := posseAdminStep(env, st, in.workgroup, lastApplied(env))
				steps = append(steps, asteps...)
				notes = append(notes, anotes...)
				if len(steps) > 0 {
					steps = append(steps, probeStep(in.conn))
				}
				return steps, notes, nil
			}
		}
	}
	s.dropDirectory()
	return nil, nil, fmt.Errorf("reading the directory: %w", err)
}

// addressClashes refuses a template that hands out an address (a user's
// email or alias, a site alias) that a user outside the template already
// has in the directory, one added through possed or the CSV import: mail
// to it would reach two people, and Dovecot could log either in. Users
// this plan deletes (prune) do not count.
func addressClashes(st *site.Site, users []ad.User, steps []plan.Step) error {
	want := st.Addresses()
	inTemplate := map[string]bool{}
	for _, u := range st.Users {
		inTemplate[strings.ToLower(u.Username)] = true
	}
	deleted := map[string]bool{}
	for _, s := range steps {
		if s.Action == plan.Delete && s.Kind == KindUser {
			deleted[strings.ToLower(strings.TrimPrefix(s.Target, "user "))] = true
		}
	}
	var clashes []string
	for _, u := range users {
		name := strings.ToLower(u.Username)
		if inTemplate[name] || deleted[name] {
			continue
		}
		for _, a := range append([]string{u.Email}, u.Aliases...) {
			if h, ok := want.Holder(a); ok && a != "" {
				clashes = append(clashes, fmt.Sprintf("the template gives %s to %s, but user %s (not in the template) has it already", strings.ToLower(a), h, u.Username))
			}
		}
	}
	if len(clashes) > 0 {
		return fmt.Errorf("%s: every mail address belongs to one user or site alias; change the template, or that user's addresses (possectl export shows them)", strings.Join(clashes, "; "))
	}
	return nil
}

// fileSteps returns the file steps for smb.conf, krb5.conf and resolv.conf.
func fileSteps(env *host.Env, smb, krb, resolv string) ([]plan.Step, error) {
	var steps []plan.Step
	for _, f := range []plan.FileSpec{
		{Path: SMBConfPath, Content: smb, Mode: 0o644},
		{Path: KRB5ConfPath, Content: krb, Mode: 0o644},
		{Path: ResolvPath, Content: resolv, Mode: 0o644},
	} {
		st, changed, err := plan.FileStep(Name, env, f)
		if err != nil {
			return nil, err
		}
		if changed {
			steps = append(steps, st)
		}
	}
	// The shares include must exist for samba to start; its content
	// belongs to the files service, so it is only created when missing.
	if _, err := os.Stat(env.Path(SharesInclude)); os.IsNotExist(err) {
		st, _, err := plan.FileStep(Name, env, plan.FileSpec{Path: SharesInclude, Content: sharesIncludeStub, Mode: 0o644})
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func policyStep(c ad.ConnSpec, cur *ad.Policy, p ad.Policy) plan.Step {
	action := plan.Update
	var ch []plan.Change
	add := func(field, before, after string) {
		if before != after {
			ch = append(ch, plan.Change{Field: field, Before: before, After: after})
		}
	}
	var b ad.Policy
	if cur != nil {
		b = *cur
	}
	bs := func(v string) string {
		if cur == nil {
			return ""
		}
		return v
	}
	add("min_length", bs(strconv.Itoa(b.MinLength)), strconv.Itoa(p.MinLength))
	add("complexity", bs(strconv.FormatBool(b.Complexity)), strconv.FormatBool(p.Complexity))
	add("max_age_days", bs(strconv.Itoa(b.MaxAgeDays)), strconv.Itoa(p.MaxAgeDays))
	st := plan.NewStep(Name, action, KindPolicy, "password policy", "domain password policy", PolicySpec{Conn: c, Policy: p})
	st.Changes = ch
	return st
}

// checkIdentity refuses changes a provisioned DC cannot take by rewriting
// smb.conf: a new NetBIOS domain name or a new host name.
func checkIdentity(env *host.Env, in siteInfo) error {
	conf, err := os.ReadFile(env.Path(SMBConfPath))
	if err != nil {
		return err
	}
	if wg := strings.ToUpper(ad.ConfGlobal(conf, "workgroup")); wg != "" && wg != in.workgroup {
		return fmt.Errorf("the domain's workgroup (NetBIOS name) is %s, the template says %s: a domain cannot be renamed; set site.workgroup: %s", wg, in.workgroup, wg)
	}
	if nb := strings.ToUpper(ad.ConfGlobal(conf, "netbios name")); nb != "" && nb != strings.ToUpper(in.hostname) {
		return fmt.Errorf("this domain controller is named %s but the box's host name is now %s: renaming a domain controller is not supported; set the host name back to %s", nb, in.hostname, strings.ToLower(nb))
	}
	return nil
}

// appliedSiteFile is the template last applied to the box, under the state
// directory (provisioning.AppliedSiteFile; provisioning imports this
// package).
const appliedSiteFile = "site.yaml"

// applied holds the lower-cased user and group names and admins of the
// template last applied to the box; all are nil when there is none.
type applied struct {
	users, groups, admins map[string]bool
}

// lastApplied reads the names of the template last applied to the box;
// it is empty when there is none or it does not load.
func lastApplied(env *host.Env) applied {
	s, err := site.Load(env.State(appliedSiteFile))
	if err != nil {
		return applied{}
	}
	a := applied{users: make(map[string]bool, len(s.Users)), groups: make(map[string]bool, len(s.Groups))}
	for _, u := range s.Users {
		a.users[strings.ToLower(u.Username)] = true
	}
	for _, g := range s.Groups {
		a.groups[strings.ToLower(g.Name)] = true
	}
	a.admins = make(map[string]bool, len(s.Admins))
	for _, n := range s.Admins {
		a.admins[strings.ToLower(n)] = true
	}
	return a
}
