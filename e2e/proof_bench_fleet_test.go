// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// TestProofBenchFleet measures possectl fleet status of N boxes (10, or
// POSSE_BENCH_FLEET_BOXES) with the minimal site applied, against the sum
// of N single possectl --host BOX status calls, median of 3 each.
func TestProofBenchFleet(t *testing.T) {
	benchEnabled(t)
	n := 10
	if v := os.Getenv("POSSE_BENCH_FLEET_BOXES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := t.TempDir()
	var boxes []*harness.TestBox
	for i := range n {
		boxes = append(boxes, harness.Box(t, fmt.Sprintf("pbfl%d", i)))
	}
	key := sshKeyInto(t, dir, boxes...)
	template, _ := filepath.Abs("../examples/minimal.yaml")
	secrets := filepath.Join(dir, "minimal.secrets.yaml")
	b, err := os.ReadFile("../examples/minimal.secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(secrets, b, 0o600)
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "SSH_AUTH_SOCK="}
	keys := []string{"--identity", key, "--known-hosts", filepath.Join(dir, "known_hosts")}
	for i, tb := range boxes {
		tb.Apply(t, template, secrets)
		acceptHostKey(t, env, keys, "root@"+tb.IP())
		if o, e, code := harness.HostPossectl(t, env, "fleet", "add", fmt.Sprintf("office%d", i), "root@"+tb.IP()); code != 0 {
			t.Fatalf("fleet add: exit %d\n%s%s", code, o, e)
		}
	}

	var singles, fleets []time.Duration
	for range 3 {
		var sum time.Duration
		for _, tb := range boxes {
			start := time.Now()
			if o, e, code := harness.HostPossectl(t, env, append(keys, "--host", "root@"+tb.IP(), "status")...); code != 0 {
				t.Fatalf("status of %s: exit %d\n%s%s", tb.Name(), code, o, e)
			}
			sum += time.Since(start)
		}
		singles = append(singles, sum)
		start := time.Now()
		if o, e, code := harness.HostPossectl(t, env, append(keys, "fleet", "status", "--json")...); code != 0 {
			t.Fatalf("fleet status: exit %d\n%s%s", code, o, e)
		}
		fleets = append(fleets, time.Since(start))
	}
	benchLine(t, fmt.Sprintf("sum of %d single possectl --host BOX status calls, median of 3", n), secs(median(singles)))
	benchLine(t, fmt.Sprintf("possectl fleet status of the same %d boxes (status, health, backup, disk per box), median of 3", n), secs(median(fleets)))
	benchLine(t, "ratio fleet status / sum of single calls", fmt.Sprintf("%.2f×", median(fleets).Seconds()/median(singles).Seconds()))
}
