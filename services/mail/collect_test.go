// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/site"
)

const collectPW = "Provider-Collect-Pw-2026"

// collectSite is the test site with amueller's provider mailbox collected.
func collectSite(keep bool) *site.Site {
	st := testSite()
	st.Mail.Collect = []site.Collect{{User: "amueller", Server: "pop.provider.example", Protocol: site.CollectPOP3,
		Username: "anna@provider.example", Password: site.NewSecretRef("collect_anna"), Keep: keep}}
	return st
}

// TestRenderFetchmailRC: TLS with the certificate checked, delivery to the
// user's address through Postfix on the loopback, the password as a
// reference; keep and nokeep as the template says.
func TestRenderFetchmailRC(t *testing.T) {
	cs, err := collectConfig(collectSite(false))
	if err != nil {
		t.Fatal(err)
	}
	cs = append(cs, Collect{To: "bschmidt@mueller-partner.example", Server: "imap.provider.example", Protocol: site.CollectIMAP,
		Username: "bert", PasswordSecret: "collect_bert", Keep: true})
	got := RenderFetchmailRC(cs)
	for _, want := range []string{
		`poll "pop.provider.example" protocol POP3 service 995 timeout 60`,
		`user "anna@provider.example" there with password "${secret:collect_anna}"`,
		`smtphost "127.0.0.1" smtpname "anna.mueller@mueller-partner.example"`,
		`ssl sslcertck sslproto "TLS1.2+"`,
		"nokeep fetchall",
		`poll "imap.provider.example" protocol IMAP service 993 timeout 60`,
		"  keep\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("fetchmailrc lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "sslcertck") != 2 {
		t.Errorf("every mailbox needs sslcertck:\n%s", got)
	}
	u := RenderCollectUnits()[CollectService]
	if !strings.Contains(u, "User=fetchmail") || !strings.Contains(u, "--fetchmailrc "+CollectRCPath) || !strings.Contains(u, "SuccessExitStatus=1") || strings.Contains(u, "secret") {
		t.Errorf("service unit:\n%s", u)
	}
	for _, bad := range []Collect{
		{To: "a@b.example", Server: "pop provider", Protocol: "pop3", Username: "u", PasswordSecret: "x"},
		{To: "a@b.example", Server: "pop.provider.example", Protocol: "pop2", Username: "u", PasswordSecret: "x"},
		{To: "a@b.example", Server: "pop.provider.example", Protocol: "pop3", Username: `u"x`, PasswordSecret: "x"},
		{To: "a@b.example", Server: "pop.provider.example", Protocol: "pop3", Username: "u", PasswordSecret: "Bad Name"},
	} {
		if err := bad.validate(); err == nil {
			t.Errorf("%+v validates", bad)
		}
	}
}

// collectBox is a fake box with fetchmail and the collect secret.
func collectBox(t *testing.T) *fakeBox {
	b := newFakeBox(t)
	writeFile(t, b.env.Path(collectBinary), "")
	appendFile(t, b.env.Path("/etc/passwd"), fmt.Sprintf("fetchmail:x:%d:%d::/var/lib/fetchmail:/bin/false\n", os.Getuid(), os.Getgid()))
	b.env.Secrets = hosttest.MapSecrets{"domain_admin": "Admin-Pw-2026!", "collect_anna": collectPW}
	return b
}

// TestCollectApply: the plan writes fetchmailrc 0600 for fetchmail with
// the password (which no plan holds) and the units, and starts the
// timer; a second plan is empty; a site without collect removes them.
func TestCollectApply(t *testing.T) {
	b := collectBox(t)
	steps := b.planSite(collectSite(false))
	lines := stepLines(steps)
	for _, want := range []string{
		"create file " + CollectRCPath,
		"create file /etc/systemd/system/" + CollectService,
		"create file /etc/systemd/system/" + CollectTimer,
		"run unit systemd",
		"run unit " + CollectTimer,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("plan lacks %q: %q", want, lines)
		}
	}
	js, _ := json.Marshal(steps)
	if strings.Contains(string(js), collectPW) {
		t.Error("the plan holds the collect password")
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	rc, err := os.ReadFile(b.env.Path(CollectRCPath))
	if err != nil || !strings.Contains(string(rc), `password "`+collectPW+`"`) {
		t.Fatalf("fetchmailrc: %v\n%s", err, rc)
	}
	if fi, _ := os.Stat(b.env.Path(CollectRCPath)); fi.Mode().Perm() != 0o600 {
		t.Errorf("fetchmailrc mode %o, want 0600", fi.Mode().Perm())
	}
	if again := b.planSite(collectSite(false)); len(again) != 0 {
		t.Fatalf("second plan: %q", stepLines(again))
	}
	keep := b.planSite(collectSite(true))
	if got := stepLines(keep); len(got) == 0 || got[0] != "update file "+CollectRCPath {
		t.Errorf("plan with keep: %q", got)
	}
	gone := stepLines(b.planSite(testSite()))
	for _, want := range []string{"delete file " + CollectRCPath, "delete file /etc/systemd/system/" + CollectTimer} {
		if !slices.Contains(gone, want) {
			t.Errorf("plan without collect lacks %q: %q", want, gone)
		}
	}
	if _, err := os.Stat(filepath.Join(b.env.Root, "etc/posse")); err != nil {
		t.Error(err)
	}
	// A failed run shows in status.
	b.units.FailNext("start", CollectService, 1)
	b.units.Start(context.Background(), CollectService)
	got, err := b.svc.Health(context.Background(), collectSite(false), b.env)
	if err != nil || !strings.Contains(got, "collecting from the provider failed: see journalctl -u "+CollectService) {
		t.Errorf("health after a failed collection: %q %v", got, err)
	}
}
