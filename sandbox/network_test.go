// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"net"
	"testing"
)

func mustCIDR(t *testing.T, s string) *net.IPNet {
	t.Helper()
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	n.IP = ip
	return n
}

func TestSubnet(t *testing.T) {
	h, b, c := subnet(7)
	if h.String() != "10.88.7.1" || b.String() != "10.88.7.2" || c.String() != "10.88.7.0/24" {
		t.Errorf("subnet(7) = %s %s %s", h, b, c)
	}
}

func TestPickIndex(t *testing.T) {
	for _, tc := range []struct {
		name    string
		used    map[int]bool
		nets    []string
		want    int
		wantErr bool
	}{
		{"first free", nil, nil, 1, false},
		{"skips used", map[int]bool{1: true, 2: true}, nil, 3, false},
		{"skips host subnet", map[int]bool{1: true}, []string{"10.88.2.5/24"}, 3, false},
		{"host /16 covers all", nil, []string{"10.88.0.1/16"}, 0, true},
		{"host /8 covers all", nil, []string{"10.1.2.3/8"}, 0, true},
		{"host /30 inside one /24", nil, []string{"10.88.1.9/30"}, 2, false},
		{"other ranges are fine", nil, []string{"10.77.40.1/24", "192.168.1.2/24"}, 1, false},
		{"all used", func() map[int]bool {
			m := map[int]bool{}
			for i := 1; i <= maxIndex; i++ {
				m[i] = true
			}
			return m
		}(), nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var nets []*net.IPNet
			for _, n := range tc.nets {
				nets = append(nets, mustCIDR(t, n))
			}
			got, err := pickIndex(tc.used, nets)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("pickIndex = %d, %v; want %d, err=%v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestVethNamesFitIFNAMSIZ(t *testing.T) {
	for _, n := range []string{vethHost(maxIndex), vethBox(maxIndex)} {
		if len(n) > 15 {
			t.Errorf("interface name %q is longer than 15 characters", n)
		}
	}
}

func TestLabAddresses(t *testing.T) {
	old := state{Index: 5} // state written before lab networks existed
	if got := boxAddr(old.Index, old.hostOctet()).String(); got != "10.88.5.2" {
		t.Errorf("box without a network at %s, want 10.88.5.2", got)
	}
	lab := state{Index: 5, Network: "lab", Host: 3}
	if got := boxAddr(lab.Index, lab.hostOctet()).String(); got != "10.88.5.3" || !lab.inLab() || old.inLab() {
		t.Errorf("lab box at %s (inLab %v), old box inLab %v", got, lab.inLab(), old.inLab())
	}
	if h, err := pickHostOctet(map[int]bool{2: true, 4: true}, "lab"); h != 3 || err != nil {
		t.Errorf("pickHostOctet = %d, %v; want 3", h, err)
	}
	full := map[int]bool{}
	for h := 2; h <= maxIndex; h++ {
		full[h] = true
	}
	if _, err := pickHostOctet(full, "lab"); err == nil {
		t.Error("a full segment gave an address")
	}
	for _, n := range []string{"lab", "t-join-ab12c", "office-1"} {
		if err := ValidateNetworkName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	for _, n := range []string{"", "Lab", "1lab", "lab/x", "a-very-long-network-name", "lab x"} {
		if ValidateNetworkName(n) == nil {
			t.Errorf("%q accepted", n)
		}
	}
	if len(labPort("abcdefghijklmno")) > 15 {
		t.Error("a lab port name is longer than IFNAMSIZ allows")
	}
}
