// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	benchSite    = "../bench/office25.yaml"
	benchSecrets = "../bench/office25.secrets.yaml"
)

// benchLine prints one figure for scripts/bench.sh, which collects the
// lines starting with "BENCH|" into a table.
func benchLine(t *testing.T, what, value string) {
	t.Helper()
	fmt.Printf("BENCH|%s|%s\n", what, value)
}

func benchEnabled(t *testing.T) {
	if os.Getenv("POSSE_E2E_BENCH") != "1" {
		t.Skip("set POSSE_E2E_BENCH=1 to run the benchmarks (make bench)")
	}
}

// timedInBox runs a shell command inside the box and returns its wall
// time measured inside the box (no sandbox round trip) and its output.
func timedInBox(t *testing.T, tb *harness.TestBox, script string) (time.Duration, string) {
	t.Helper()
	o := tb.MustRun(t, "sh", "-c", "s=$(date +%s%N); "+script+" >/tmp/timed.out 2>&1; rc=$?; e=$(date +%s%N); echo $((e-s)) $rc; cat /tmp/timed.out; rm -f /tmp/timed.out")
	first, rest, _ := strings.Cut(o, "\n")
	f := strings.Fields(first)
	if len(f) != 2 || f[1] != "0" {
		t.Fatalf("%s: %s\n%s", script, first, rest)
	}
	ns, _ := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns), rest
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// TestProofBenchOffice25 measures the full apply of bench/office25.yaml (28
// users, 6 groups, 5 shares, homes, mail, backup) on a fresh box, broken
// down per service from the apply journal, and the no-op re-apply (median
// of 5) measured inside the box and from the host. With ansible-playbook
// on the host it then runs bench/ansible/office25.yml against a second
// fresh box over SSH, twice, and reports the no-op re-run next to Posse's.
func TestProofBenchOffice25(t *testing.T) {
	benchEnabled(t)
	tb := harness.Box(t, "pbench")
	secrets := copySecrets(t, benchSecrets)

	start := time.Now()
	tb.Apply(t, benchSite, secrets)
	full := time.Since(start)
	r := tb.LastJournal(t)
	benchLine(t, "posse: full apply of office25 (host wall clock, includes copying the template in)", secs(full))
	benchLine(t, "posse: full apply of office25 (engine, from the apply journal)", fmt.Sprintf("%.2f s, %d steps", float64(r.DurationMS)/1000, len(r.Steps)))
	per := map[string]int64{}
	count := map[string]int{}
	var order []string
	for _, s := range r.Steps {
		if _, ok := per[s.Service]; !ok {
			order = append(order, s.Service)
		}
		per[s.Service] += s.DurationMS
		count[s.Service]++
	}
	for _, svc := range order {
		benchLine(t, "posse: full apply, service "+svc, fmt.Sprintf("%.2f s, %d steps", float64(per[svc])/1000, count[svc]))
	}
	// The slowest steps, for the record.
	type st struct {
		name string
		ms   int64
	}
	var slow []st
	for _, s := range r.Steps {
		slow = append(slow, st{s.Service + " " + s.Kind, s.DurationMS})
	}
	sort.Slice(slow, func(i, j int) bool { return slow[i].ms > slow[j].ms })
	for _, s := range slow[:min(3, len(slow))] {
		t.Logf("slow step: %s %d ms", s.name, s.ms)
	}

	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/bench")
	tb.CopyIn(t, benchSite, "/root/bench/site.yaml", 0o600)
	tb.CopyIn(t, secrets, "/root/bench/secrets.yaml", 0o600)
	var inBox, fromHost []time.Duration
	for range 5 {
		d, out := timedInBox(t, tb, "possectl apply /root/bench/site.yaml --secrets /root/bench/secrets.yaml --yes")
		if !strings.Contains(out, "No changes") {
			t.Errorf("re-apply changed something:\n%s", out)
		}
		inBox = append(inBox, d)
		s := time.Now()
		tb.Apply(t, benchSite, secrets)
		fromHost = append(fromHost, time.Since(s))
	}
	benchLine(t, "posse: no-op re-apply, median of 5 (in the box: possectl apply through possed)", secs(median(inBox)))
	benchLine(t, "posse: no-op re-apply, median of 5 (from the host through the sandbox)", secs(median(fromHost)))

	benchAnsible(t, median(inBox), full)
}

// benchAnsible runs bench/ansible/office25.yml against a second fresh box
// over SSH: once to configure it, then three times more; the median of the
// no-op re-runs is compared with Posse's no-op re-apply.
func benchAnsible(t *testing.T, posseNoop, posseFull time.Duration) {
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Log("ansible-playbook is not on the host (apt-get install ansible): no Ansible comparison")
		return
	}
	tb := harness.Box(t, "pansibl")
	dir := t.TempDir()
	key, pub := harness.HostKey(t, dir)
	tb.AuthorizeKey(t, "root", pub)
	tb.MustRun(t, "systemctl", "start", "ssh.service")
	playbookDir, _ := filepath.Abs("../bench/ansible")
	run := func() (time.Duration, string) {
		c := exec.Command("ansible-playbook", "-i", tb.IP()+",", "-u", "root", "--private-key", key, "office25.yml")
		c.Dir = playbookDir
		c.Env = append(os.Environ(), "HOME="+dir, "ANSIBLE_CONFIG="+filepath.Join(playbookDir, "ansible.cfg"), "ANSIBLE_NOCOLOR=1")
		start := time.Now()
		out, err := c.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			t.Fatalf("ansible-playbook: %v\n%s", err, lastLines(string(out), 30))
		}
		return d, string(out)
	}
	harness.Eventually(t, 30*time.Second, func() error {
		out, err := exec.Command("ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "root@"+tb.IP(), "true").CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh: %v %s", err, out)
		}
		return nil
	})
	full, out := run()
	benchLine(t, "ansible: first run of bench/ansible/office25.yml on a fresh box", secs(full))
	t.Logf("first run:\n%s", lastLines(out, 3))
	var noops []time.Duration
	for range 3 {
		d, out := run()
		if !strings.Contains(out, "changed=0") || !strings.Contains(out, "failed=0") {
			t.Errorf("the re-run changed something:\n%s", lastLines(out, 3))
		}
		noops = append(noops, d)
	}
	for _, u := range []string{"samba-ad-dc.service", tb.PostfixUnit(), "dovecot.service", "site-backup.timer"} {
		if st := strings.TrimSpace(tb.MustRun(t, "sh", "-c", "systemctl is-active "+u+" || true")); st != "active" {
			t.Errorf("after the playbook, %s is %s", u, st)
		}
	}
	an := median(noops)
	benchLine(t, "ansible: no-op re-run, median of 3 (from the host over SSH, pipelining, ControlPersist)", secs(an))
	benchLine(t, "ratio: ansible no-op re-run / posse no-op re-apply", fmt.Sprintf("%.1fx", an.Seconds()/posseNoop.Seconds()))
	benchLine(t, "ratio: ansible first run / posse full apply", fmt.Sprintf("%.2fx", full.Seconds()/posseFull.Seconds()))
}
