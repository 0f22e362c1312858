// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/site"
)

// dkimRoles lists mail dns's DKIM records as "role selector".
func dkimRoles(t *testing.T, b *fakeBox) []string {
	t.Helper()
	recs, err := DNSRecords(testSite(), b.env)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Purpose == PurposeDKIM {
			out = append(out, r.Role+" "+r.Selector)
		}
	}
	return out
}

// TestDKIMRotation: rotate makes a second key that mail dns lists as
// next while the old one signs; activate is refused until DNS answers
// the new record, then Rspamd's file names the new selector (reloaded)
// and the old record stays; applies keep all of it; retire is refused
// within the grace period, then removes the old key and its record.
func TestDKIMRotation(t *testing.T) {
	b := newFakeBox(t)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	d, old := "mueller-partner.example", site.DefaultDKIMSelector
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if _, err := RotateDKIM(testSite(), b.env, "other.example", now); err == nil || !strings.Contains(err.Error(), "not a mail domain") {
		t.Errorf("rotate of an unknown domain: %v", err)
	}
	if _, err := ActivateDKIM(ctx, testSite(), b.env, d, now); err == nil || !strings.Contains(err.Error(), "rotate") {
		t.Errorf("activate before rotate: %v", err)
	}
	res, err := RotateDKIM(testSite(), b.env, d, now)
	if err != nil {
		t.Fatal(err)
	}
	next := "posse20261207"
	if res.Next != next || res.Signing != old || !strings.HasPrefix(res.Record, next+"._domainkey."+d+" TXT \"v=DKIM1; k=rsa; p=MII") {
		t.Fatalf("rotate: %+v", res)
	}
	if fi, err := os.Stat(b.env.Path(DKIMKeyPath(d, next))); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new key: %v", err)
	}
	if fi, err := os.Stat(b.env.Path(DKIMRotationPath)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state: %v", err)
	}
	if got := strings.Join(dkimRoles(t, b), ","); got != "signing posse,next "+next {
		t.Errorf("mail dns after rotate: %s", got)
	}
	if _, err := RotateDKIM(testSite(), b.env, d, now); err == nil || !strings.Contains(err.Error(), "waits for activation") {
		t.Errorf("second rotate: %v", err)
	}
	if steps := b.plan(); len(steps) != 0 {
		t.Fatalf("plan after rotate: %q", stepLines(steps))
	}
	if _, err := b.svc.MailDKIM(ctx, testSite(), b.env, DKIMOpActivate, d, false); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("activate without the record in DNS: %v", err)
	}
	pub, err := DKIMPublicKey(b.env, d, next)
	if err != nil {
		t.Fatal(err)
	}
	b.svc.Resolver = fakeResolver{txt: map[string][]string{next + "._domainkey." + d: {"v=DKIM1; k=rsa; p=" + pub}}}
	reloads := len(b.units.Calls())
	v, err := b.svc.MailDKIM(ctx, testSite(), b.env, DKIMOpActivate, d, false)
	if err != nil {
		t.Fatal(err)
	}
	if res := v.(DKIMRotationResult); res.Signing != next || res.Next != "" || strings.Join(res.Retiring, ",") != old || res.RetireAfter == nil {
		t.Errorf("activate: %+v", res)
	}
	conf, _ := os.ReadFile(b.env.Path(RspamdDKIMSigningPath))
	if !strings.Contains(string(conf), `selector = "`+next+`";`) || !strings.Contains(string(conf), DKIMKeyPath(d, next)) {
		t.Errorf("dkim_signing.conf after activate:\n%s", conf)
	}
	if !strings.Contains(strings.Join(b.units.Calls()[reloads:], " "), "reload "+RspamdUnit) {
		t.Errorf("Rspamd not reloaded: %q", b.units.Calls()[reloads:])
	}
	if got := strings.Join(dkimRoles(t, b), ","); got != "signing "+next+",retiring posse" {
		t.Errorf("mail dns after activate: %s", got)
	}
	if steps := b.plan(); len(steps) != 0 {
		t.Fatalf("plan after activate: %q", stepLines(steps))
	}
	if _, err := RetireDKIM(testSite(), b.env, d, time.Now().Add(24*time.Hour), false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("retire within the grace: %v", err)
	}
	res, err = RetireDKIM(testSite(), b.env, d, time.Now().Add(DKIMRetireGrace+time.Hour), false)
	if err != nil || strings.Join(res.Retired, ",") != old || len(res.Retiring) != 0 {
		t.Fatalf("retire: %+v %v", res, err)
	}
	if _, err := os.Stat(b.env.Path(DKIMKeyPath(d, old))); !os.IsNotExist(err) {
		t.Errorf("old key still there: %v", err)
	}
	if got := strings.Join(dkimRoles(t, b), ","); got != "signing "+next {
		t.Errorf("mail dns after retire: %s", got)
	}
	if steps := b.plan(); len(steps) != 0 {
		t.Fatalf("plan after retire: %q", stepLines(steps))
	}
	// A second rotation the same day takes the next free name.
	if res, err := RotateDKIM(testSite(), b.env, d, now); err != nil || res.Next != next+"-2" {
		t.Errorf("second rotation: %+v %v", res, err)
	}
}
