// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"
)

// Network is the private /16 boxes get their /24s from: box IDX uses
// 10.88.IDX.0/24, the host side of the veth is .1 and the box is .2. It is
// not the range sdct uses (10.77), and subnets already on a host interface
// are skipped.
var Network = [2]byte{10, 88}

const maxIndex = 254

// subnet returns the host and box addresses of index idx.
func subnet(idx int) (hostIP, boxIP net.IP, cidr *net.IPNet) {
	base := net.IPv4(Network[0], Network[1], byte(idx), 0).To4()
	cidr = &net.IPNet{IP: base, Mask: net.CIDRMask(24, 32)}
	hostIP = net.IPv4(Network[0], Network[1], byte(idx), 1).To4()
	boxIP = net.IPv4(Network[0], Network[1], byte(idx), 2).To4()
	return hostIP, boxIP, cidr
}

// pickIndex returns the lowest index in 1..254 that no box uses and whose
// /24 overlaps none of the host's networks.
func pickIndex(used map[int]bool, hostNets []*net.IPNet) (int, error) {
	for idx := 1; idx <= maxIndex; idx++ {
		if used[idx] {
			continue
		}
		_, _, c := subnet(idx)
		if overlapsAny(c, hostNets) {
			continue
		}
		return idx, nil
	}
	return 0, fmt.Errorf("no free box network left in %d.%d.0.0/16: bring some boxes down ('possectl sandbox list')", Network[0], Network[1])
}

func overlapsAny(c *net.IPNet, nets []*net.IPNet) bool {
	for _, n := range nets {
		if n.Contains(c.IP) || c.Contains(n.IP) {
			return true
		}
	}
	return false
}

// hostNetworks lists the IPv4 networks on the host's interfaces.
func hostNetworks() []*net.IPNet {
	addrs, _ := net.InterfaceAddrs()
	var out []*net.IPNet
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			out = append(out, n)
		}
	}
	return out
}

func vethHost(idx int) string { return fmt.Sprintf("%s%dh", vethPrefix, idx) }
func vethBox(idx int) string  { return fmt.Sprintf("%s%dc", vethPrefix, idx) }

// ip runs the ip command with argv.
func ip(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// setupNetwork creates the box's network namespace and veth pair.
func setupNetwork(ctx context.Context, name string, idx int) error {
	ns := netnsName(name)
	hostIP, boxIP, _ := subnet(idx)
	steps := [][]string{
		{"netns", "add", ns},
		{"link", "add", vethHost(idx), "type", "veth", "peer", "name", vethBox(idx)},
		{"link", "set", vethBox(idx), "netns", ns},
		{"-n", ns, "link", "set", vethBox(idx), "name", "eth0"},
		{"addr", "add", hostIP.String() + "/24", "dev", vethHost(idx)},
		{"link", "set", vethHost(idx), "up"},
		{"-n", ns, "addr", "add", boxIP.String() + "/24", "dev", "eth0"},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "link", "set", "eth0", "up"},
		{"-n", ns, "route", "add", "default", "via", hostIP.String()},
	}
	for _, s := range steps {
		if err := ip(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

// teardownNetwork removes the namespace and the veth; missing pieces are
// not an error.
func teardownNetwork(ctx context.Context, name string, idx int) error {
	var errs []error
	if exists("/run/netns/" + netnsName(name)) {
		errs = append(errs, ip(ctx, "netns", "del", netnsName(name)))
	}
	if idx > 0 {
		// Deleting the namespace destroys the pair, but asynchronously:
		// wait for that before deleting the host end by hand.
		dev := "/sys/class/net/" + vethHost(idx)
		for i := 0; i < 40 && exists(dev); i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if exists(dev) {
			if err := ip(ctx, "link", "del", vethHost(idx)); err != nil && exists(dev) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
