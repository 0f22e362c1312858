// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
)

// writeCert writes a self-signed certificate ending at notAfter.
func writeCert(t *testing.T, path string, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "dc1"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNotifyRun runs the alerts' check on a temp root: a failed copy in
// the backup's run log and a certificate that ends in a week are mailed
// once each through sendmail (argv, the message on stdin); the next run
// mails nothing; a site without notify says how to add it.
func TestNotifyRun(t *testing.T) {
	b, _ := newBox(t, true)
	ctx := context.Background()
	if _, err := b.NotifyRun(ctx); !errors.Is(err, daemon.ErrNotAvailable) || !strings.Contains(err.Error(), "add notify:") {
		t.Fatalf("NotifyRun without notify: %v", err)
	}
	if a, err := b.Alerts(ctx); err != nil || a.Configured || a.Open == nil || len(a.Open) != 0 {
		t.Fatalf("Alerts without notify: %+v %v", a, err)
	}
	state := filepath.Join(b.Root, host.DefaultStateDir)
	site := testSite + `backup:
  repository: /srv/posse/backup
  password: ${secret:backup}
  schedule: daily
  keep: {daily: 7}
  include: [directory]
  copies:
    - {name: nas, repository: "sftp:b@nas.example:/r", schedule: daily}
notify:
  to: [it@example.com]
`
	if err := os.WriteFile(filepath.Join(state, "site.yaml"), []byte(site), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	runs := `{"kind":"backup","start":"` + now.Add(-time.Hour).Format(time.RFC3339) + `","snapshot_id":"abc"}
{"kind":"copy","copy":"nas","target":"sftp:b@nas.example:/r","start":"` + now.Add(-30*time.Minute).Format(time.RFC3339) + `","error":"ssh: connection refused"}
`
	if err := os.MkdirAll(filepath.Join(state, "backup"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "backup", "runs.jsonl"), []byte(runs), 0o600); err != nil {
		t.Fatal(err)
	}
	writeCert(t, filepath.Join(state, "tls", "server.crt"), now.Add(7*24*time.Hour))
	writeCert(t, filepath.Join(b.Root, "/etc/postfix/posse-server.crt"), now.Add(7*24*time.Hour)) // the same certificate: one alert
	r := hosttest.NewFakeRunner(t)
	r.On([]string{"/usr/sbin/sendmail"}, host.Result{})
	b.Runner = r

	rep, err := b.NotifyRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The temp root's own file system alerts too when the test host's
	// disk is above 90 %; that is not what this test looks at.
	var keys []string
	for _, p := range rep.Problems {
		if !strings.HasPrefix(p.Key, "disk:") {
			keys = append(keys, p.Key)
		}
	}
	if strings.Join(keys, " ") != "cert:/var/lib/posse/tls/server.crt copy:nas" || len(rep.Sent) != len(rep.Problems) {
		t.Fatalf("report: %+v", rep)
	}
	var cmds []host.Cmd
	for _, c := range r.Cmds() {
		if !strings.Contains(string(c.Stdin), "X-Posse-Problem: disk:") {
			cmds = append(cmds, c)
		}
	}
	if len(cmds) != 2 {
		t.Fatalf("commands: %v", r.Argvs())
	}
	for _, c := range cmds {
		if strings.Join(c.Argv, " ") != "/usr/sbin/sendmail -t -oi -f posse@example.com" {
			t.Errorf("argv %q", c.Argv)
		}
	}
	msg := string(cmds[1].Stdin)
	for _, want := range []string{"To: it@example.com\r\n", "Subject: [posse dc1] PROBLEM: the backup copy to nas failed\r\n", "ssh: connection refused", "possectl backup copy nas"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the copy's alert lacks %q:\n%s", want, msg)
		}
	}
	rep, err = b.NotifyRun(ctx)
	if err != nil || len(rep.Sent) != 0 || len(r.Cmds()) != len(rep.Problems) {
		t.Errorf("second run: %+v %v", rep, err)
	}
	st, err := b.NotifyStatus(ctx)
	if err != nil || len(st.State.Open) != len(rep.Problems) || st.From != "posse@example.com" || st.State.Open["copy:nas"].LastSent.IsZero() {
		t.Errorf("status: %+v %v", st, err)
	}
	// possed's Alerts reads the same state; possectl turns it back.
	a, err := b.Alerts(ctx)
	if err != nil || !a.Configured || len(a.Open) != len(st.State.Open) || a.From != "posse@example.com" || a.LastCheck == "" {
		t.Fatalf("Alerts: %+v %v", a, err)
	}
	for _, o := range a.Open {
		if o.Key == "copy:nas" && (o.Subject != "the backup copy to nas failed" || !strings.Contains(o.What, "connection refused") ||
			!strings.Contains(o.Next, "possectl backup copy nas") || o.Since == "" || o.LastMail == "") {
			t.Errorf("the copy's alert: %+v", o)
		}
	}
	back := NotifyStatusOf(a)
	if got := back.State.Open["copy:nas"]; got == nil || !got.FirstSeen.Equal(st.State.Open["copy:nas"].FirstSeen.Truncate(time.Second)) || got.Next != st.State.Open["copy:nas"].Next {
		t.Errorf("NotifyStatusOf(Alerts) = %+v, want %+v", back, st)
	}
	if fi, err := os.Stat(filepath.Join(b.Root, "/var/lib/posse/notify/state.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v %v", fi, err)
	}
}
