// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// planJoined plans an additional domain controller: the join when the box
// is not a DC yet, else only its own files. Users, groups and the password
// policy are the domain's: they replicate from the other DCs, and the first
// DC applies them from the template, so that two DCs never create the same
// object.
func (s *Service) planJoined(env *host.Env, in siteInfo, part Part, have string, steps []plan.Step, smb, krb, resolv string) ([]plan.Step, []plan.Note, error) {
	notes := []plan.Note{{Service: Name, Target: in.realm, Message: fmt.Sprintf(
		"this box is the additional domain controller %s: users, groups and the password policy replicate from the domain; %s applies them from the template", part.Self.Name, part.First.Name)}}
	if have == "" {
		if env.IP == "" {
			return nil, nil, fmt.Errorf("cannot find the box's IP address for the domain controller's DNS records: configure a global IPv4 address")
		}
		if env.Secrets == nil {
			return nil, nil, fmt.Errorf("joining the domain needs the admin password: pass --secrets FILE")
		}
		if _, ok := env.Secrets.Lookup(in.conn.AdminSecret); !ok {
			return nil, nil, fmt.Errorf("secret %s (the domain admin password) is missing: add it to the secrets file or set POSSE_SECRET_%s", in.conn.AdminSecret, strings.ToUpper(in.conn.AdminSecret))
		}
		if part.Self.Address != env.IP {
			notes = append(notes, plan.Note{Service: Name, Target: in.realm, Message: fmt.Sprintf(
				"the template gives %s the address %s, but this box's address is %s: the domain's DNS gets %s", part.Self.Name, part.Self.Address, env.IP, env.IP)})
		}
		js := JoinSpec{Conn: in.conn, Workgroup: in.workgroup, Hostname: in.hostname, IP: env.IP,
			First: part.First.Address, FirstName: part.First.Name, ADSite: part.ADSite(),
			SMBConf: smb, KRB5Conf: krb, ResolvConf: resolv}
		step := plan.NewStep(Name, plan.Create, KindJoin, in.realm,
			"join the Samba AD domain "+in.realm+" as an additional domain controller, replicating from "+part.First.Name+" ("+part.First.Address+"), and start "+Unit, js)
		step.Changes = []plan.Change{{Field: "realm", After: in.realm}, {Field: "host", After: in.fqdn + " " + env.IP},
			{Field: "ad_site", After: js.ADSite}, {Field: "replicate_from", After: part.First.Name + " " + part.First.Address},
			{Field: "admin_password", After: "${secret:" + in.conn.AdminSecret + "}"}}
		steps = append(steps, step, probeStep(in.conn))
		return steps, notes, nil
	}
	fsteps, err := fileSteps(env, smb, krb, resolv)
	if err != nil {
		return nil, nil, err
	}
	tlsChanged := len(steps) > 0
	steps = append(steps, fsteps...)
	smbChanged := slices.ContainsFunc(fsteps, func(x plan.Step) bool { return x.Target == SMBConfPath || x.Target == SharesInclude })
	if smbChanged {
		steps = append(steps, plan.CheckStep(Name, "testparm", "--suppress-prompt", "-s", SMBConfPath))
	}
	if smbChanged || tlsChanged {
		steps = append(steps, plan.UnitStep(Name, Unit, "restart"))
	}
	if len(steps) > 0 {
		steps = append(steps, probeStep(in.conn))
	}
	return steps, notes, nil
}

// sitesStep creates AD sites and subnets, or moves subnets to their site.
func sitesStep(sp SitesSpec) plan.Step {
	var what []string
	var ch []plan.Change
	for _, n := range sp.Sites {
		what = append(what, "site "+n)
		ch = append(ch, plan.Change{Field: "site", After: n})
	}
	for _, n := range sp.Subnets {
		what = append(what, "subnet "+n.CIDR+" in "+n.Site)
		ch = append(ch, plan.Change{Field: "subnet " + n.CIDR, After: n.Site})
	}
	for _, n := range sp.Move {
		what = append(what, "subnet "+n.CIDR+" moved to "+n.Site)
		ch = append(ch, plan.Change{Field: "subnet " + n.CIDR, After: n.Site})
	}
	action := plan.Create
	if len(sp.Sites)+len(sp.Subnets) == 0 {
		action = plan.Update
	}
	st := plan.NewStep(Name, action, KindSites, "AD sites", "AD sites and subnets: "+strings.Join(what, ", "), sp)
	st.Changes = ch
	return st
}

// planSites compares the domain's AD sites and subnets with the
// template's, on the first DC.
func planSites(ctx context.Context, env *host.Env, st *site.Site, part Part) (SitesSpec, []plan.Note, error) {
	have, err := readADState(ctx, env)
	if err != nil {
		return SitesSpec{}, nil, err
	}
	wantSites, wantNets := st.ADSites()
	var notes []plan.Note
	if want := part.ADSite(); want != "" && have.OwnSite != "" && !strings.EqualFold(want, have.OwnSite) {
		notes = append(notes, plan.Note{Service: Name, Target: "AD sites", Message: fmt.Sprintf(
			"this domain controller is in AD site %s, the template puts %s in %s: Posse does not move a domain controller to another site; move it in Active Directory Sites and Services, or set ad_site: %s",
			have.OwnSite, part.Self.Name, want, have.OwnSite)})
	}
	return DiffSites(wantSites, wantNets, have), notes, nil
}
