// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Part is what the box is in the site's domain: the first domain
// controller, which provisions the domain, or an additional one, which
// joins it. Without a servers list the box is the first DC.
type Part struct {
	// Join is set for an additional domain controller.
	Join bool
	// Self is the box's entry in servers; zero without servers.
	Self site.Server
	// First is the first domain controller of servers; zero without.
	First site.Server
}

// PartOf finds the box (by host name, else by address) in the site's
// servers. It refuses a box that the list does not name.
func PartOf(st *site.Site, hostname, ip string) (Part, error) {
	if len(st.Servers) == 0 {
		return Part{}, nil
	}
	dcs := st.DCs()
	if len(dcs) == 0 {
		return Part{}, fmt.Errorf("the template's servers list no domain controller: give the first server role: dc")
	}
	i := st.FindServer(hostname, ip)
	if i < 0 {
		names := make([]string, len(st.Servers))
		for j, sv := range st.Servers {
			names[j] = sv.Name + " (" + sv.Address + ")"
		}
		return Part{}, fmt.Errorf("this box (host name %s, address %s) is not among the template's servers %s: apply the template on one of them, or add this box under servers", quote(hostname), quote(ip), strings.Join(names, ", "))
	}
	self := st.Servers[i]
	if self.Role != site.RoleDC {
		return Part{}, fmt.Errorf("server %s has role %s; only dc is supported", self.Name, quote(self.Role))
	}
	return Part{Join: self.Name != dcs[0].Name, Self: self, First: dcs[0]}, nil
}

// ADSite is the AD site the box provisions or joins: "" without servers
// (Samba's default).
func (p Part) ADSite() string {
	if p.Self.Name == "" {
		return ""
	}
	return p.Self.SiteOf()
}

// JoinArgv is the samba-tool command line that joins the box to the
// domain of dnsDomain as an additional DC, replicating from the DC at
// server. It holds no password: samba-tool reads it from stdin
// (PASSWD_FD=0, see JoinEnv).
func JoinArgv(dnsDomain, workgroup, server, adSite string) []string {
	argv := []string{"samba-tool", "domain", "join", dnsDomain, "DC",
		"--server=" + server, "--username=Administrator", "--workgroup=" + workgroup,
		"--dns-backend=SAMBA_INTERNAL", "--option=idmap_ldb:use rfc2307 = yes"}
	if adSite != "" {
		argv = append(argv, "--site="+adSite)
	}
	return argv
}

// JoinEnv makes samba-tool (4.17 and later) read the password from file
// descriptor 0, the command's stdin, so that it is in neither argv nor
// the environment.
var JoinEnv = []string{"PASSWD_FD=0"}

// RenderJoinResolvConf points the box's resolver at the first domain
// controller while it joins: the join finds the domain's DCs and KDC in
// its DNS.
func RenderJoinResolvConf(realm, first string) string {
	return "# Managed by Posse: joining the domain " + ad.DNSDomain(realm) + ".\n" +
		"search " + ad.DNSDomain(realm) + "\nnameserver " + first + "\n"
}

// RenderDCResolvConf is the resolver of an additional domain controller:
// its own DNS server first, then the first domain controller.
func RenderDCResolvConf(realm, first string) string {
	return RenderResolvConf(realm) + "nameserver " + first + "\n"
}

// ADState is the AD sites and subnets a domain has, as sitesPy prints
// them.
type ADState struct {
	Sites   []string        `json:"sites"`
	Subnets []site.ADSubnet `json:"subnets"`
	// OwnSite is the site of the domain controller that was asked.
	OwnSite string `json:"own_site"`
}

// ParseADState reads sitesPy's output.
func ParseADState(out []byte) (ADState, error) {
	var st ADState
	if err := json.Unmarshal(out, &st); err != nil {
		return ADState{}, fmt.Errorf("reading the AD sites: %w", err)
	}
	return st, nil
}

// SitesSpec is the spec of a KindSites step: what the first DC creates.
type SitesSpec struct {
	Sites   []string        `json:"sites,omitempty"`
	Subnets []site.ADSubnet `json:"subnets,omitempty"`
	// Move lists subnets that exist in another site.
	Move []site.ADSubnet `json:"move,omitempty"`
}

// Empty reports whether the spec changes nothing.
func (s SitesSpec) Empty() bool { return len(s.Sites)+len(s.Subnets)+len(s.Move) == 0 }

// DiffSites returns what makes have hold the wanted sites and subnets.
// Site names compare case-insensitively, as AD does; nothing is removed.
func DiffSites(wantSites []string, wantNets []site.ADSubnet, have ADState) SitesSpec {
	var d SitesSpec
	hasSite := func(name string) bool {
		return slices.ContainsFunc(have.Sites, func(h string) bool { return strings.EqualFold(h, name) })
	}
	for _, s := range wantSites {
		if !hasSite(s) {
			d.Sites = append(d.Sites, s)
		}
	}
	for _, n := range wantNets {
		i := slices.IndexFunc(have.Subnets, func(h site.ADSubnet) bool { return h.CIDR == n.CIDR })
		switch {
		case i < 0:
			d.Subnets = append(d.Subnets, n)
		case !strings.EqualFold(have.Subnets[i].Site, n.Site):
			d.Move = append(d.Move, n)
		}
	}
	return d
}

// SitesArgvs are the samba-tool commands that carry out a SitesSpec, in
// order: sites first, then subnets.
func SitesArgvs(s SitesSpec) [][]string {
	var out [][]string
	for _, name := range s.Sites {
		out = append(out, []string{"samba-tool", "sites", "create", name})
	}
	for _, n := range s.Subnets {
		out = append(out, []string{"samba-tool", "sites", "subnet", "create", n.CIDR, n.Site})
	}
	for _, n := range s.Move {
		out = append(out, []string{"samba-tool", "sites", "subnet", "set-site", n.CIDR, n.Site})
	}
	return out
}

// sitesPy prints the domain's AD sites, subnets (with their site) and the
// local DC's own site as JSON, read from the local sam.ldb (samba-tool
// 4.17 has no sites list).
const sitesPy = `import json, ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load_default()
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
base = "CN=Sites," + str(db.get_config_basedn())
def rdn(dn):
    first = str(dn).split(",")[0]
    return first.split("=", 1)[1] if "=" in first else ""
sites = [str(m["cn"][0]) for m in db.search(base=base, scope=ldb.SCOPE_ONELEVEL, expression="(objectClass=site)", attrs=["cn"])]
nets = []
for m in db.search(base="CN=Subnets," + base, scope=ldb.SCOPE_ONELEVEL, expression="(objectClass=subnet)", attrs=["cn", "siteObject"]):
    nets.append({"cidr": str(m["cn"][0]), "site": rdn(m["siteObject"][0]) if "siteObject" in m else ""})
own = str(db.get_serverName()).split(",")
print(json.dumps({"sites": sorted(sites), "subnets": nets, "own_site": own[2].split("=", 1)[1] if len(own) > 2 else ""}))
`
