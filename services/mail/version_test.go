// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
)

func TestDovecotFormat(t *testing.T) {
	for _, tc := range []struct {
		name, osRelease, dovecot string
		want                     DovecotFormat
		wantErr                  []string
	}{
		{name: "unknown platform (--root)", want: Dovecot24},
		{name: "Debian 13", osRelease: "ID=debian\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\n", dovecot: "1:2.4.1+dfsg1-6+deb13u7", want: Dovecot24},
		{name: "Debian 12", osRelease: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n", dovecot: "1:2.3.19.1+dfsg1-2.1+deb12u1", want: Dovecot23},
		{name: "Debian 12 without dovecot yet", osRelease: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n", want: Dovecot23},
		{name: "Debian 13 without dovecot yet", osRelease: "ID=debian\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\n", want: Dovecot24},
		{name: "a later 2.4 from backports", osRelease: "ID=debian\nVERSION_ID=\"13\"\n", dovecot: "1:2.4.3+dfsg1-1~bpo13+1", want: Dovecot24},
		{name: "Dovecot 2.4 on Debian 12 (upstream packages)", osRelease: "ID=debian\nVERSION_ID=\"12\"\n", dovecot: "2:2.4.1-4+debian12", want: Dovecot24},
		{name: "Dovecot 2.5", osRelease: "ID=debian\nVERSION_ID=\"14\"\n", dovecot: "1:2.5.0-1", wantErr: []string{"Dovecot 2.5", "1:2.5.0-1", "2.4 (Debian 13) and 2.3 (Debian 12)"}},
		{name: "Dovecot 2.2", osRelease: "ID=debian\nVERSION_ID=\"10\"\n", dovecot: "1:2.2.33.2-1", wantErr: []string{"Dovecot 2.2", "2.4 (Debian 13) and 2.3 (Debian 12)"}},
		{name: "unreadable version", osRelease: "ID=debian\nVERSION_ID=\"13\"\n", dovecot: "garbage", wantErr: []string{`"garbage"`, "2.4 (Debian 13) and 2.3 (Debian 12)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.osRelease != "" {
				os.MkdirAll(filepath.Join(root, "etc"), 0o755)
				os.WriteFile(filepath.Join(root, "etc/os-release"), []byte(tc.osRelease), 0o644)
			}
			if tc.dovecot != "" {
				os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755)
				os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(fmt.Sprintf("Package: dovecot-core\nStatus: install ok installed\nVersion: %s\n", tc.dovecot)), 0o644)
			}
			p, err := host.ReadPlatform(root)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dovecotFormat(p)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("format %q, want an error", got)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %q", err, w)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("format %q %v, want %q", got, err, tc.want)
			}
		})
	}
}

// TestPlanRefusesUnknownDovecot: a Dovecot Posse cannot configure stops
// the plan, so nothing is changed.
func TestPlanRefusesUnknownDovecot(t *testing.T) {
	b := newFakeBox(t)
	b.install(release{"forky", "14", "1:2.5.0-1", "3.11.0-1"})
	before, _ := os.ReadFile(b.env.Path(MainCfPath))
	steps, _, err := b.svc.Plan(context.Background(), testSite(), b.env)
	if err == nil || !strings.Contains(err.Error(), "Dovecot 2.5") || !strings.Contains(err.Error(), "2.4 (Debian 13) and 2.3 (Debian 12)") {
		t.Fatalf("plan with Dovecot 2.5: %q, %v", stepLines(steps), err)
	}
	if after, _ := os.ReadFile(b.env.Path(MainCfPath)); string(after) != string(before) || len(b.units.Calls()) != 0 || len(b.run.Argvs()) != 0 {
		t.Error("the refused plan changed the box")
	}
}

// TestUpgradeBookwormToTrixie: a box applied on Debian 12 and upgraded in
// place to 13 gets the 2.4 dovecot.conf and secret file, checked before
// Dovecot is restarted; Postfix's files stay as they are, and its master
// moves from the old instance postfix@- (stopped first: Debian 13's
// postfix.service conflicts with it) to postfix.service.
func TestUpgradeBookwormToTrixie(t *testing.T) {
	b := newFakeBoxOn(t, bookworm)
	if err := b.apply(b.plan()); err != nil {
		t.Fatal(err)
	}
	pw, _ := ReadPassword(b.env)
	b.install(trixie)
	steps := b.plan()
	want := []string{
		"update file /etc/dovecot/dovecot.conf",
		"update mail.secret-file /etc/dovecot/posse-ldap.conf.ext",
		"run check postfix check",
		"run check doveconf -n",
		"run unit postfix@-.service",
		"restart unit postfix.service",
		"restart unit dovecot.service",
		"run probe mail",
	}
	if got := stepLines(steps); !slices.Equal(got, want) {
		t.Fatalf("steps after the upgrade:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(steps[0].Diff, "-mail_location = maildir:/var/vmail/%d/%n/Maildir") ||
		!strings.Contains(steps[0].Diff, "+dovecot_config_version = 2.4.0") {
		t.Errorf("the dovecot.conf step does not show the change:\n%s", steps[0].Diff)
	}
	if len(steps[1].Changes) != 1 || !steps[1].Changes[0].Sensitive || steps[1].Diff != "" {
		t.Errorf("the secret file step shows more than a sensitive content change: %+v", steps[1])
	}
	var txt strings.Builder
	plan.WriteText(&txt, &plan.Plan{Version: 1, Steps: steps})
	if strings.Contains(txt.String(), pw) {
		t.Fatal("the upgrade plan holds the password")
	}
	if err := b.apply(steps); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(b.env.Path(DovecotLDAPPath)); string(data) != strings.Replace(RenderDovecotLDAP(Config{Dovecot: Dovecot24}), passwordPlaceholder, pw, 1) {
		t.Errorf("the secret file after the upgrade:\n%s", data)
	}
	if again := b.plan(); len(again) != 0 {
		t.Errorf("plan after the upgrade's apply is not empty: %q", stepLines(again))
	}
}
