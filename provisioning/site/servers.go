// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"github.com/posse-project/posse/rules"
	"net/netip"
	"regexp"
	"strings"
)

// Server is one box of the site. Without a servers list the site is one
// box, the first domain controller; with one, the first server with role
// dc provisions the domain and every other dc joins it (docs/second-dc.md).
type Server struct {
	// Name is the box's host name: 1–15 of a-z, 0-9 and -, the DC's
	// NetBIOS name.
	Name string `yaml:"name" json:"name"`
	// Address is the box's IPv4 address.
	Address string `yaml:"address" json:"address"`
	// Role is what the box is; dc (a domain controller) is the only one.
	Role string `yaml:"role" json:"role"`
	// ADSite is the AD site the server belongs to; default
	// DefaultADSite.
	ADSite string `yaml:"ad_site" json:"ad_site,omitempty"`
	// Subnet is the IPv4 network (CIDR) of the server's AD site; it must
	// hold Address.
	Subnet string `yaml:"subnet" json:"subnet,omitempty"`
}

// Server roles.
const (
	RoleDC = "dc"
)

// DefaultADSite is the AD site Samba provisions when none is named.
const DefaultADSite = "Default-First-Site-Name"

// Patterns of the servers keys.
const (
	// ServerNamePattern is a host name that can be a NetBIOS name.
	ServerNamePattern = rules.ServerNamePattern
	// ADSitePattern is an AD site name: a DNS label (it becomes one in
	// _ldap._tcp.SITE._sites).
	ADSitePattern = `^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`
)

var (
	serverNameRE = regexp.MustCompile(ServerNamePattern)
	adSiteRE     = regexp.MustCompile(ADSitePattern)
)

// SiteOf returns the server's AD site, DefaultADSite when none is written.
func (sv Server) SiteOf() string {
	if sv.ADSite == "" {
		return DefaultADSite
	}
	return sv.ADSite
}

// DCs returns the servers with role dc in template order; the first one
// provisions the domain.
func (s *Site) DCs() []Server {
	var out []Server
	for _, sv := range s.Servers {
		if sv.Role == RoleDC {
			out = append(out, sv)
		}
	}
	return out
}

// FindServer returns the index in Servers of the box with host name
// hostname (its first label, case-insensitively) or, failing that, with
// one of the addresses addrs; -1 when the template names neither.
func (s *Site) FindServer(hostname string, addrs ...string) int {
	h, _, _ := strings.Cut(strings.ToLower(hostname), ".")
	for i, sv := range s.Servers {
		if h != "" && sv.Name == h {
			return i
		}
	}
	for i, sv := range s.Servers {
		for _, a := range addrs {
			if a != "" && sv.Address == a {
				return i
			}
		}
	}
	return -1
}

// ADSubnet is one AD subnet with the site it belongs to.
type ADSubnet struct {
	CIDR string `json:"cidr"`
	Site string `json:"site"`
}

// ADSites returns the AD sites the servers name, in template order, and
// their subnets (each once). Both are empty without servers.
func (s *Site) ADSites() (sites []string, subnets []ADSubnet) {
	seenSite, seenNet := map[string]bool{}, map[string]bool{}
	for _, sv := range s.DCs() {
		if st := sv.SiteOf(); !seenSite[strings.ToLower(st)] {
			seenSite[strings.ToLower(st)] = true
			sites = append(sites, st)
		}
		if sv.Subnet != "" {
			p, err := netip.ParsePrefix(sv.Subnet)
			if err != nil {
				continue
			}
			c := p.Masked().String()
			if !seenNet[c] {
				seenNet[c] = true
				subnets = append(subnets, ADSubnet{CIDR: c, Site: sv.SiteOf()})
			}
		}
	}
	return sites, subnets
}

const (
	errServerRole        = "server role %q is not dc"
	hintServerRole       = "write role: dc (the only role so far)"
	errServerName        = "server name %q is not a host name a domain controller can have"
	hintServerName       = "use the box's host name: 1 to 15 of a-z, 0-9 and -, not starting or ending with -"
	errServerAddress     = "server address %q is not an IPv4 address"
	hintServerAddress    = "write the box's address such as 10.1.0.10, without a prefix length"
	errServerSubnet      = "server subnet %q is not an IPv4 network"
	hintServerSubnet     = "write the network in CIDR form such as 10.1.0.0/24"
	errServerNotInSubnet = "server address %s is not in its subnet %s"
	hintServerNotInSub   = "fix the address or the subnet: the subnet is the network of the server's AD site"
	errServerSubnetHost  = "server subnet %s has host bits set"
	hintServerSubnetHost = "write the network address: %s"
	errServerADSite      = "server ad_site %q is not a valid AD site name"
	hintServerADSite     = "use 1 to 63 of A-Z, a-z, 0-9 and -, not starting or ending with - (it becomes a DNS label)"
	errSubnetTwoSites    = "subnet %s is given to AD site %s here and to %s at %s"
	hintSubnetTwoSites   = "a subnet belongs to one AD site: give both servers the same ad_site, or each its own subnet"
	errNoFirstDC         = "servers lists no server with role dc"
	hintNoFirstDC        = "the first server with role dc provisions the domain: add one"
)

// servers checks the servers list.
func (v *validator) servers() {
	if v.s.Servers == nil {
		return
	}
	if len(v.s.Servers) == 0 {
		v.add("servers", errNoFirstDC, hintNoFirstDC)
		return
	}
	names, addrs := seen{}, seen{}
	type netAt struct{ site, path string }
	nets := map[string]netAt{}
	for i, sv := range v.s.Servers {
		p := joinIndex("servers", i)
		if v.required(p+".name", sv.Name == "", hintServerName) {
			if !serverNameRE.MatchString(sv.Name) {
				v.add(p+".name", fmt.Sprintf(errServerName, sv.Name), hintServerName)
			} else {
				v.dup(names, sv.Name, p+".name", "server", sv.Name)
			}
		}
		var addr netip.Addr
		if v.required(p+".address", sv.Address == "", hintServerAddress) {
			a, err := netip.ParseAddr(sv.Address)
			if err != nil || !a.Is4() || a.String() != sv.Address || !a.IsGlobalUnicast() {
				v.add(p+".address", fmt.Sprintf(errServerAddress, sv.Address), hintServerAddress)
			} else {
				addr = a
				v.dup(addrs, sv.Address, p+".address", "server address", sv.Address)
			}
		}
		if v.required(p+".role", sv.Role == "", hintServerRole) {
			if sv.Role != RoleDC {
				v.add(p+".role", fmt.Sprintf(errServerRole, sv.Role), hintServerRole)
			}
		}
		if sv.ADSite != "" && !adSiteRE.MatchString(sv.ADSite) {
			v.add(p+".ad_site", fmt.Sprintf(errServerADSite, sv.ADSite), hintServerADSite)
		}
		if sv.Subnet == "" {
			continue
		}
		pre, err := netip.ParsePrefix(sv.Subnet)
		if err != nil || !pre.Addr().Is4() {
			v.add(p+".subnet", fmt.Sprintf(errServerSubnet, sv.Subnet), hintServerSubnet)
			continue
		}
		if pre.Masked() != pre {
			v.add(p+".subnet", fmt.Sprintf(errServerSubnetHost, sv.Subnet), fmt.Sprintf(hintServerSubnetHost, pre.Masked()))
			continue
		}
		if addr.IsValid() && !pre.Contains(addr) {
			v.add(p+".subnet", fmt.Sprintf(errServerNotInSubnet, sv.Address, sv.Subnet), hintServerNotInSub)
		}
		key := pre.String()
		if first, ok := nets[key]; ok && !strings.EqualFold(first.site, sv.SiteOf()) {
			v.add(p+".subnet", fmt.Sprintf(errSubnetTwoSites, key, sv.SiteOf(), first.site, v.where(first.path)), hintSubnetTwoSites)
		} else if !ok {
			nets[key] = netAt{site: sv.SiteOf(), path: p + ".subnet"}
		}
	}
}
