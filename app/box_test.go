// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/daemon/api"
)

// What a real box showed that the demo never did (docs/screenshots/box/).

func TestParseArgsLocalAndBus(t *testing.T) {
	o, err := ParseArgs([]string{"--bus", "unix:path=/run/x", "--screen", "users"}, io.Discard)
	if err != nil || !o.Local || o.Bus != "unix:path=/run/x" {
		t.Errorf("--bus: %+v, %v", o, err)
	}
	if o, err := ParseArgs([]string{"--local"}, io.Discard); err != nil || !o.Local || o.Bus != "" {
		t.Errorf("--local: %+v, %v", o, err)
	}
	if _, err := ParseArgs([]string{"--local", "--host", "admin@box"}, io.Discard); err == nil {
		t.Error("--local with --host is accepted")
	}
}

// healthFake reports the health as possed does: mail twice (Postfix and
// Dovecot), shares and backup without a unit of their own.
type healthFake struct{ *fake }

func (h healthFake) Health(context.Context, string) ([]api.ServiceStatus, error) {
	return []api.ServiceStatus{
		{Name: "directory", Unit: "samba-ad-dc.service", State: "active", Healthy: true, Detail: "samba-ad-dc active, LDAPS, DNS and Kerberos answer"},
		{Name: "mail", Unit: "postfix@-.service", State: "active", Healthy: true, Detail: "active"},
		{Name: "mail", Unit: "dovecot.service", State: "active", Healthy: true, Detail: "active"},
		{Name: "files", State: "n/a", Healthy: true, Detail: "n/a"},
		{Name: "backup", State: "n/a", Healthy: false, Detail: "the repository does not open"},
	}, nil
}

func TestDashboardShowsTheProbesAndLeavesServiceAccountsOut(t *testing.T) {
	f := newFake(5)
	f.Demo.users["posse-mail"] = &api.User{Username: "posse-mail", DisplayName: "Posse mail service (read-only)"}
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		br.Backend = healthFake{f}
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	for _, want := range []string{"Mail delivery", "Mailboxes (IMAP)", "File shares", "OK", "problem", "the repository does not open", "5 users", "samba-ad-dc active, LDAPS"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if hasText(w.Canvas(), "n/a") {
		t.Error("dashboard shows the probe's n/a")
	}
}

func TestUsersLeaveServiceAccountsOut(t *testing.T) {
	us := people([]api.User{{Username: "amueller"}, {Username: "posse-mail"}, {Username: "bpartner"}})
	if len(us) != 2 || us[0].Username != "amueller" || us[1].Username != "bpartner" {
		t.Errorf("people = %+v", us)
	}
}

func TestBackupNeverRunAndSchedule(t *testing.T) {
	if got := scheduleLabel("*-*-* 22:00"); got != "daily at 22:00" {
		t.Errorf("scheduleLabel = %q", got)
	}
	if got := scheduleLabel("Sun *-*-* 04:00"); got != "Sun *-*-* 04:00" {
		t.Errorf("scheduleLabel = %q", got)
	}
	f := newFake(3)
	f.backup = api.BackupStatus{Configured: true, Repository: "/srv/posse/backup", Schedule: "*-*-* 22:00"}
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		br.Backend = noSnapshots{f}
		return NewBackupScreen(w, br)
	})
	for _, want := range []string{"daily at 22:00", "No backup has run yet", "No snapshots yet."} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("backup screen lacks %q", want)
		}
	}
}

// noSnapshots is a fresh repository.
type noSnapshots struct{ *fake }

func (noSnapshots) Snapshots(context.Context) ([]api.Snapshot, error) { return nil, nil }

func TestServiceHintNamesTheUnitThatFailed(t *testing.T) {
	s := api.ServiceStatus{Name: "mail", Unit: "postfix@-.service", State: "active",
		Detail: "mail health probe: dovecot.service is inactive: see journalctl -u dovecot.service"}
	if got := serviceHint(s, false); !strings.Contains(got, "systemctl restart dovecot.service") {
		t.Errorf("hint = %q", got)
	}
	s.Detail = "SMTP does not answer"
	if got := serviceHint(s, false); !strings.Contains(got, "systemctl restart postfix@-.service") {
		t.Errorf("hint = %q", got)
	}
}

func TestLocalConnectionFailureAdvisesInstalling(t *testing.T) {
	a := test.NewTempApp(t)
	dial := func(ctx context.Context, host, accept string) (Backend, error) {
		return nil, errors.New("cannot connect to the system bus: no such file or directory")
	}
	c := NewConnectScreen(nil, a.Preferences(), dial)
	c.Sync = true
	w := window(t, c.Content(), 1024, 700)
	c.win = w
	c.Connect("", "")
	if !hasText(w.Canvas(), "install the posse package") {
		t.Error("a failed local connection does not say to install Posse")
	}
	if hasText(w.Canvas(), "switched on") {
		t.Error("a failed local connection talks about a switched-off box")
	}
}
