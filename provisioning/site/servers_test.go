// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"reflect"
	"strings"
	"testing"
)

const serversSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
servers:
  - {name: dc1, address: 10.1.0.10, role: dc, ad_site: Hauptsitz, subnet: 10.1.0.0/24}
  - {name: dc2, address: 10.1.0.11, role: dc, ad_site: Hauptsitz, subnet: 10.1.0.0/24}
  - {name: dc3, address: 10.2.0.10, role: dc, ad_site: Filiale, subnet: 10.2.0.0/24}
  - {name: dc4, address: 10.1.0.12, role: dc}
`

func TestServersTemplate(t *testing.T) {
	s, err := Parse("site.yaml", []byte(serversSite))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.DCs()) != 4 || s.DCs()[0].Name != "dc1" {
		t.Errorf("dcs = %+v", s.DCs())
	}
	for _, tc := range []struct {
		host string
		ips  []string
		want int
	}{
		{"dc1", nil, 0},
		{"DC2.ad.test.example", []string{"10.9.9.9"}, 1},
		{"other", []string{"10.2.0.10"}, 2},
		{"dc3", []string{"10.1.0.10"}, 2}, // the name wins over the address
		{"other", []string{"10.9.9.9"}, -1},
		{"", nil, -1},
	} {
		if got := s.FindServer(tc.host, tc.ips...); got != tc.want {
			t.Errorf("FindServer(%q, %v) = %d, want %d", tc.host, tc.ips, got, tc.want)
		}
	}
	sites, nets := s.ADSites()
	if !reflect.DeepEqual(sites, []string{"Hauptsitz", "Filiale", DefaultADSite}) {
		t.Errorf("sites = %v", sites)
	}
	if !reflect.DeepEqual(nets, []ADSubnet{{"10.1.0.0/24", "Hauptsitz"}, {"10.2.0.0/24", "Filiale"}}) {
		t.Errorf("subnets = %v", nets)
	}
	// Without servers the site is one box and has no AD sites to make.
	plain, err := Parse("site.yaml", []byte(strings.Split(serversSite, "servers:")[0]))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Servers != nil || plain.DCs() != nil || plain.FindServer("dc1") != -1 {
		t.Errorf("plain site: %+v", plain.Servers)
	}
	if a, b := plain.ADSites(); a != nil || b != nil {
		t.Errorf("plain site AD sites: %v %v", a, b)
	}
}

func TestServersProblems(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"role: dc, ad_site: Filiale", "role: DC, ad_site: Filiale", `site.yaml:7:43: server role "DC" is not dc`},
		{"name: dc2", "name: dc1", `site.yaml:6:12: duplicate server "dc1" (first defined at site.yaml:5:12)`},
		{"10.1.0.11", "10.1.0.10", `duplicate server address "10.1.0.10"`},
		{"subnet: 10.2.0.0/24", "subnet: 10.2.0.0/8", `site.yaml:7:73: server subnet 10.2.0.0/8 has host bits set`},
		{"subnet: 10.2.0.0/24", "subnet: 10.3.0.0/24", `server address 10.2.0.10 is not in its subnet 10.3.0.0/24`},
		{"subnet: 10.2.0.0/24", "subnet: banana", `server subnet "banana" is not an IPv4 network`},
		{"name: dc4", "name: dc_4", `server name "dc_4" is not a host name`},
		{"address: 10.1.0.12", "address: 0.0.0.0", `server address "0.0.0.0" is not an IPv4 address`},
	} {
		src := strings.Replace(serversSite, tc.from, tc.to, 1)
		if src == serversSite {
			t.Fatalf("%q not in the template", tc.from)
		}
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}
