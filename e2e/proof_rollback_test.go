// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

const (
	rollbackOld     = "testdata/proof/rollback-old.yaml"
	rollbackNew     = "testdata/proof/rollback-new.yaml"
	rollbackSecrets = "testdata/proof/rollback.secrets.yaml"
	rollbackAlicePW = "Rollback-Kanzlei-71!"
	quotaSocket     = "/var/spool/postfix/private/quota-status"
)

// squatterSource is a listener that holds an address (tcp:HOST:PORT or
// unix:PATH) and accepts and drops connections, as a stray program that
// took a service's address would.
const squatterSource = `package main

import (
	"net"
	"os"
	"strings"
)

func main() {
	network, addr, _ := strings.Cut(os.Args[1], ":")
	l, err := net.Listen(network, addr)
	if err != nil {
		println(err.Error())
		os.Exit(1)
	}
	for {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
	}
}
`

// buildSquatter builds the squatter as a static binary on the host.
func buildSquatter(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module squatter\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(squatterSource), 0o644)
	c := exec.Command("go", "build", "-o", "squatter", ".")
	c.Dir = dir
	c.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("building the squatter: %v\n%s", err, out)
	}
	return filepath.Join(dir, "squatter")
}

// planStep is a step of possectl plan --json.
type planStep struct {
	Service string `json:"service"`
	Kind    string `json:"kind"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Summary string `json:"summary"`
	Spec    struct {
		Unit string `json:"unit"`
		Op   string `json:"op"`
	} `json:"spec"`
	Changes []struct {
		Field  string `json:"field"`
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"changes"`
}

// boxPlan returns the steps possectl plan prints for a template inside the
// box (probes left out).
func boxPlan(t *testing.T, tb *harness.TestBox, template, secrets string) []planStep {
	t.Helper()
	tb.MustRun(t, "install", "-d", "-m", "0700", "/root/plan")
	tb.CopyIn(t, template, "/root/plan/site.yaml", 0o600)
	tb.CopyIn(t, secrets, "/root/plan/secrets.yaml", 0o600)
	defer tb.MustRun(t, "rm", "-rf", "/root/plan")
	out := tb.MustRun(t, "possectl", "plan", "/root/plan/site.yaml", "--secrets", "/root/plan/secrets.yaml", "--json")
	var p struct {
		Steps []planStep `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("possectl plan --json: %v\n%s", err, out)
	}
	var steps []planStep
	for _, s := range p.Steps {
		if s.Kind != "probe" {
			steps = append(steps, s)
		}
	}
	return steps
}

func stepList(steps []planStep) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "  %d %s %s %s %s %s\n", i, s.Service, s.Action, s.Kind, s.Target, s.Spec.Op)
	}
	return b.String()
}

// lastJournal returns the last record of the apply journal in the box.
func lastJournal(t *testing.T, tb *harness.TestBox) map[string]any {
	t.Helper()
	l := strings.TrimSpace(tb.MustRun(t, "tail", "-n1", "/var/lib/posse/journal.jsonl"))
	var r map[string]any
	if err := json.Unmarshal([]byte(l), &r); err != nil {
		t.Fatalf("journal line %q: %v", l, err)
	}
	return r
}

// TestProofRollback is the broken-service proof: a change that the native
// checker accepts (a mailbox quota: doveconf and postfix check pass) but
// that Dovecot cannot start with, because another program holds the
// address of the new listener (the quota-status socket). The apply fails,
// the mail service is rolled back, Dovecot and Postfix run the previous
// configuration (the same bytes as before), IMAPS answers, and the plan
// shows the change as pending again. Once the address is free, the same
// change applies.
func TestProofRollback(t *testing.T) {
	squatter := buildSquatter(t)
	tb := harness.Box(t, "prollbk")
	secrets := copySecrets(t, rollbackSecrets)
	tb.Apply(t, rollbackOld, secrets)

	files := []string{"/etc/dovecot/dovecot.conf", "/etc/postfix/main.cf", "/etc/postfix/master.cf"}
	before := hashBoxFiles(t, tb, files)
	imaps := func() error {
		out, err := mailHost("curl", "-sS", "-k", "imaps://"+tb.IP()+"/INBOX", "-u", "alice:"+rollbackAlicePW, "-X", "NOOP")
		if err != nil {
			return fmt.Errorf("curl imaps: %v %s", err, out)
		}
		return nil
	}
	haveCurl := true
	if _, err := exec.LookPath("curl"); err != nil {
		haveCurl = false
		t.Log("curl is not on the host: IMAPS is not checked from outside")
	}
	if haveCurl {
		harness.Eventually(t, 30*time.Second, imaps)
	}

	pending := boxPlan(t, tb, rollbackNew, secrets)
	t.Logf("the change:\n%s", stepList(pending))
	restart := false
	for _, s := range pending {
		if s.Kind == "unit" && s.Spec.Unit == "dovecot.service" && s.Spec.Op == "restart" {
			restart = true
		}
	}
	if !restart {
		t.Fatalf("the quota change does not restart Dovecot; the test needs a change that does:\n%s", stepList(pending))
	}

	// Another program takes the new listener's address.
	tb.CopyIn(t, squatter, "/usr/local/sbin/squatter", 0o755)
	tb.MustRun(t, "systemd-run", "--unit=proof-squatter", "/usr/local/sbin/squatter", "unix:"+quotaSocket)
	harness.Eventually(t, 10*time.Second, func() error {
		_, _, code := tb.Output(t, "test", "-S", quotaSocket)
		if code != 0 {
			return fmt.Errorf("%s is not a socket yet", quotaSocket)
		}
		return nil
	})

	out, code := tb.TryApply(t, rollbackNew, secrets)
	t.Logf("apply with the address taken: exit %d\n%s", code, lastLines(out, 12))
	if code == 0 {
		t.Fatal("the apply succeeded although Dovecot cannot listen")
	}
	r := lastJournal(t, tb)
	if r["result"] != "rolled-back" || r["failed_service"] != "mail" {
		t.Errorf("journal: result %v, failed service %v, want rolled-back in mail; rolled back: %v", r["result"], r["failed_service"], r["rolled_back"])
	}
	t.Logf("journal: failed step %v (%v), rolled back: %v", r["failed_step"], r["error"], r["rolled_back"])

	// The previous configuration runs again.
	if after := hashBoxFiles(t, tb, files); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("configuration after the rollback:\n%v\nbefore:\n%v", after, before)
	}
	for _, u := range []string{"dovecot.service", tb.PostfixUnit(), "samba-ad-dc.service"} {
		if st := strings.TrimSpace(tb.MustRun(t, "sh", "-c", "systemctl is-active "+u+" || true")); st != "active" {
			t.Errorf("%s is %s after the rollback", u, st)
		}
	}
	if got := tb.MustRun(t, "doveconf", "-h", "mail_plugins"); strings.Contains(got, "quota_status") {
		t.Errorf("running Dovecot config: %q", got)
	}
	if haveCurl {
		harness.Eventually(t, 30*time.Second, imaps)
	}
	if again := boxPlan(t, tb, rollbackNew, secrets); stepList(again) != stepList(pending) {
		t.Errorf("plan after the rollback:\n%swant the same change as before:\n%s", stepList(again), stepList(pending))
	}

	// Once the address is free, the change applies.
	tb.MustRun(t, "systemctl", "stop", "proof-squatter.service")
	tb.MustRun(t, "rm", "-f", quotaSocket)
	tb.Apply(t, rollbackNew, secrets)
	if after := hashBoxFiles(t, tb, files); after["/etc/dovecot/dovecot.conf"] == before["/etc/dovecot/dovecot.conf"] {
		t.Error("dovecot.conf did not change")
	}
	tb.MustRun(t, "systemctl", "is-active", "--quiet", "dovecot.service")
	tb.MustRun(t, "test", "-S", quotaSocket)
	if haveCurl {
		harness.Eventually(t, 30*time.Second, imaps)
	}
	if again := boxPlan(t, tb, rollbackNew, secrets); len(again) != 0 {
		t.Errorf("plan after the good apply:\n%s", stepList(again))
	}
}
