// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Lab networks. Boxes brought up with the same UpOptions.Network share one
// L2 segment: a network namespace "posselab-NET" holds a bridge, each box's
// veth has its outer end in that bridge, and one more veth pair connects the
// host to the bridge. The segment uses one /24 of Network like a single box
// does (10.88.IDX.0/24): the host is .1, the boxes get .2, .3, … in the
// order they come up. Nothing is routed or forwarded, so the host's kernel
// settings stay as they are; the host reaches every box directly on the
// segment, and the boxes reach each other and the host.
//
// The lab namespace and the host's veth (pseIDXh, as for a single box) exist
// while at least one box of the network has runtime state; the Down of the
// last box removes them.

const (
	labPrefix = "posselab-" // ip netns name of a lab network: posselab-NET
	labBridge = "br0"
	labUplink = "uplink" // the lab's end of the veth pair to the host
)

// netState is what a lab network leaves in RunDir/networks/NET.json.
type netState struct {
	Name    string    `json:"name"`
	Index   int       `json:"index"`
	Created time.Time `json:"created"`
}

func networksDir() string          { return filepath.Join(RunDir, "networks") }
func netStateFile(n string) string { return filepath.Join(networksDir(), n+".json") }
func labNetns(n string) string     { return labPrefix + n }
func labNetnsExists(n string) bool { return exists("/run/netns/" + labNetns(n)) }
func boxAddr(idx, host int) net.IP {
	return net.IPv4(Network[0], Network[1], byte(idx), byte(host)).To4()
}
func labPort(box string) string       { return box } // box names fit IFNAMSIZ
func (st *state) hostOctet() int      { return max(st.Host, 2) }
func (st *state) inLab() bool         { return st.Network != "" }
func netStateExists(n string) bool    { return exists(netStateFile(n)) }
func writeNetState(s *netState) error { return writeJSON(netStateFile(s.Name), s) }

// ValidateNetworkName checks a lab network name; the rules are those of box
// names.
func ValidateNetworkName(n string) error {
	if !nameRE.MatchString(n) {
		return fmt.Errorf("invalid network name %q: use a lowercase letter followed by up to 14 of [a-z0-9-]", n)
	}
	return nil
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o644)
}

func readNetState(n string) (*netState, error) {
	b, err := os.ReadFile(netStateFile(n))
	if err != nil {
		return nil, err
	}
	var s netState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("corrupt network state %s: %w", netStateFile(n), err)
	}
	if s.Name != n || s.Index < 1 || s.Index > maxIndex {
		return nil, fmt.Errorf("network state %s is not that of network %q", netStateFile(n), n)
	}
	return &s, nil
}

// pickHostOctet returns the lowest address in 2..254 that no box of the
// segment uses.
func pickHostOctet(used map[int]bool, network string) (int, error) {
	for h := 2; h <= maxIndex; h++ {
		if !used[h] {
			return h, nil
		}
	}
	return 0, fmt.Errorf("network %s is full (%d boxes): bring some of its boxes down", network, maxIndex-1)
}

// usedIndexes lists the /24 indexes boxes and lab networks use.
func usedIndexes(boxes []*Box) map[int]bool {
	used := map[int]bool{}
	for _, o := range boxes {
		used[o.st.Index] = true
	}
	for _, n := range Networks() {
		if s, err := readNetState(n); err == nil {
			used[s.Index] = true
		}
	}
	for idx := 1; idx <= maxIndex; idx++ {
		if exists("/sys/class/net/" + vethHost(idx)) {
			used[idx] = true
		}
	}
	return used
}

// ensureLab returns the index of lab network n, creating the network if it
// does not exist. Called with the run lock held.
func ensureLab(ctx context.Context, n string, boxes []*Box) (int, error) {
	if s, err := readNetState(n); err == nil && labNetnsExists(n) && exists("/sys/class/net/"+vethHost(s.Index)) {
		return s.Index, nil
	}
	// Whatever is left of an earlier network of that name goes first.
	for _, b := range boxes {
		if b.st.Network == n && b.Alive() {
			return 0, fmt.Errorf("network %s is broken (its namespace or host veth is gone) while box %s uses it: bring its boxes down first", n, b.st.Name)
		}
	}
	if err := teardownLab(ctx, n); err != nil {
		return 0, fmt.Errorf("cleaning up what an earlier network %q left: %w", n, err)
	}
	idx, err := pickIndex(usedIndexes(boxes), hostNetworks())
	if err != nil {
		return 0, err
	}
	if err := writeNetState(&netState{Name: n, Index: idx, Created: time.Now()}); err != nil {
		return 0, err
	}
	if err := setupLab(ctx, n, idx); err != nil {
		teardownLab(ctx, n)
		return 0, err
	}
	return idx, nil
}

// setupLab creates the lab namespace with its bridge and the veth pair that
// puts the host on the segment as .1.
func setupLab(ctx context.Context, n string, idx int) error {
	ns := labNetns(n)
	hostIP, _, _ := subnet(idx)
	steps := [][]string{
		{"netns", "add", ns},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "link", "add", labBridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"},
		{"-n", ns, "link", "set", labBridge, "up"},
		{"link", "add", vethHost(idx), "type", "veth", "peer", "name", labUplink, "netns", ns},
		{"-n", ns, "link", "set", labUplink, "master", labBridge},
		{"-n", ns, "link", "set", labUplink, "up"},
		{"addr", "add", hostIP.String() + "/24", "dev", vethHost(idx)},
		{"link", "set", vethHost(idx), "up"},
	}
	for _, s := range steps {
		if err := ip(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

// setupLabBox creates box name's network namespace with eth0 at .host of the
// segment, its outer end a port of the lab's bridge.
func setupLabBox(ctx context.Context, name, n string, idx, host int) error {
	ns, lab := netnsName(name), labNetns(n)
	hostIP, _, _ := subnet(idx)
	if exists("/run/netns/" + lab) {
		ip(ctx, "-n", lab, "link", "del", labPort(name)) // a dead box's port, if any
	}
	steps := [][]string{
		{"netns", "add", ns},
		{"-n", lab, "link", "add", labPort(name), "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"-n", lab, "link", "set", labPort(name), "master", labBridge},
		{"-n", lab, "link", "set", labPort(name), "up"},
		{"-n", ns, "addr", "add", boxAddr(idx, host).String() + "/24", "dev", "eth0"},
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

// teardownLab removes lab network n: its namespace (which takes the bridge
// and every veth pair with an end in it), the host's veth and its state.
// Missing pieces are not an error.
func teardownLab(ctx context.Context, n string) error {
	var errs []error
	idx := 0
	if s, err := readNetState(n); err == nil {
		idx = s.Index
	}
	if labNetnsExists(n) {
		errs = append(errs, ip(ctx, "netns", "del", labNetns(n)))
	}
	if idx > 0 {
		dev := "/sys/class/net/" + vethHost(idx)
		for i := 0; i < 40 && exists(dev); i++ { // the pair goes asynchronously
			time.Sleep(50 * time.Millisecond)
		}
		if exists(dev) {
			if err := ip(ctx, "link", "del", vethHost(idx)); err != nil && exists(dev) {
				errs = append(errs, err)
			}
		}
	}
	if err := os.Remove(netStateFile(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	os.Remove(networksDir()) // only if empty
	return errors.Join(errs...)
}

// networkUsers lists the boxes with runtime state that belong to network n.
func networkUsers(n string) []string {
	var out []string
	boxes, _ := List()
	for _, b := range boxes {
		if b.st.Network == n {
			out = append(out, b.st.Name)
		}
	}
	return out
}

// pruneLab removes lab network n if no box belongs to it any more. Called
// with the run lock held.
func pruneLab(ctx context.Context, n string) error {
	if len(networkUsers(n)) > 0 {
		return nil
	}
	return teardownLab(ctx, n)
}

// PruneNetwork removes lab network n if no box (running or with state left)
// belongs to it, and reports whether it was removed.
func PruneNetwork(ctx context.Context, n string) (bool, error) {
	if err := ValidateNetworkName(n); err != nil {
		return false, err
	}
	if os.Geteuid() != 0 {
		return false, errNotRoot
	}
	lock, err := lockFile(ctx, filepath.Join(RunDir, ".lock"))
	if err != nil {
		return false, err
	}
	defer lock.unlock()
	if len(networkUsers(n)) > 0 {
		return false, nil
	}
	return true, teardownLab(ctx, n)
}

// Networks returns the names of the lab networks that left any trace on the
// host: runtime state or a namespace.
func Networks() []string {
	seen := map[string]bool{}
	if entries, err := os.ReadDir(networksDir()); err == nil {
		for _, e := range entries {
			if n, ok := strings.CutSuffix(e.Name(), ".json"); ok && ValidateNetworkName(n) == nil {
				seen[n] = true
			}
		}
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if n, ok := strings.CutPrefix(e.Name(), labPrefix); ok && ValidateNetworkName(n) == nil {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// NetworkTraces lists, in words, what of lab network n exists on the host.
// Once its last box is down it is empty.
func NetworkTraces(n string) []string {
	var out []string
	if labNetnsExists(n) {
		out = append(out, "network namespace "+labNetns(n))
	}
	if s, err := readNetState(n); err == nil {
		out = append(out, "network state "+netStateFile(n))
		if exists("/sys/class/net/" + vethHost(s.Index)) {
			out = append(out, "veth "+vethHost(s.Index))
		}
	} else if netStateExists(n) {
		out = append(out, "network state "+netStateFile(n))
	}
	return out
}
