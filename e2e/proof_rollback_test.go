// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
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

func stepList(steps []harness.PlanStep) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "  %d %s %s %s %s %s\n", i, s.Service, s.Action, s.Kind, s.Target, s.Spec.Op)
	}
	return b.String()
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
		out, err := harness.Host("curl", "-sS", "-k", "imaps://"+tb.IP()+"/INBOX", "-u", "alice:"+rollbackAlicePW, "-X", "NOOP")
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

	pending := tb.PlanOf(t, rollbackNew, secrets).Changes()
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
	r := tb.LastJournal(t)
	if r.Outcome != "rolled-back" || r.FailedService != "mail" {
		t.Errorf("journal: result %v, failed service %v, want rolled-back in mail; rolled back: %v", r.Outcome, r.FailedService, r.RolledBack)
	}
	t.Logf("journal: failed step %v (%v), rolled back: %v", r.FailedStep, r.Error, r.RolledBack)

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
	if again := tb.PlanOf(t, rollbackNew, secrets).Changes(); stepList(again) != stepList(pending) {
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
	if again := tb.PlanOf(t, rollbackNew, secrets).Changes(); len(again) != 0 {
		t.Errorf("plan after the good apply:\n%s", stepList(again))
	}
}
