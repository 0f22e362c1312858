// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// english puts the app back into English (the goldens' language) and
// this computer's zone when the test ends.
func english(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if err := setLanguage(""); err != nil {
			t.Error(err)
		}
		boxZone.Store(nil)
	})
}

// TestLanguageSwitchShowsGermanAtOnce: choosing Deutsch in the header
// rebuilds the open screen in German and saves the choice; a new start
// reads it back.
func TestLanguageSwitchShowsGermanAtOnce(t *testing.T) {
	english(t)
	a := test.NewTempApp(t)
	br := newBridge(newFake(12))
	w := window(t, nil, 1280, 800)
	s := NewShell(w, br, Options{})
	w.SetContent(s.Content())
	s.Open("backup")
	if !hasText(w.Canvas(), "Back up now") {
		t.Fatal("the Backup screen is not in English first")
	}
	var sel *widget.Select
	for _, o := range all(w.Canvas()) {
		if x, ok := o.(*widget.Select); ok && x.Selected == "English" {
			sel = x
		}
	}
	if sel == nil {
		t.Fatal("the header has no language switch showing English")
	}
	sel.SetSelected("Deutsch")
	for _, want := range []string{"Jetzt sichern", "Übersicht", "Benutzer"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("after switching to German the window lacks %q", want)
		}
	}
	if hasText(w.Canvas(), "Back up now") {
		t.Error("the Backup screen still shows English")
	}
	if s.current != "backup" {
		t.Errorf("the switch left the Backup screen for %q", s.current)
	}
	if got := a.Preferences().String(prefLanguage); got != "de" {
		t.Errorf("saved language = %q, want de", got)
	}
	if err := setLanguage(""); err != nil {
		t.Fatal(err)
	}
	applyLanguagePreference(a.Preferences())
	if got := tr("Refresh"); got != "Aktualisieren" {
		t.Errorf("after a restart Refresh reads %q", got)
	}
}

// TestDatesInBoxZoneAndLocale: one format per language, in the box's zone.
func TestDatesInBoxZoneAndLocale(t *testing.T) {
	english(t)
	at := time.Date(2026, 12, 7, 20, 5, 0, 0, time.UTC)
	if got := dateTime(at); got != "2026-12-07 20:05" {
		t.Errorf("English, this computer's zone (UTC): %q", got)
	}
	learnZone(t.Context(), NewDemo(1)) // the demo box is in Europe/Berlin
	if got := dateTime(at); got != "2026-12-07 21:05" {
		t.Errorf("English, box zone: %q", got)
	}
	if err := setLanguage("de"); err != nil {
		t.Fatal(err)
	}
	if got, want := dateTime(at), "07.12.2026 21:05"; got != want {
		t.Errorf("German: %q, want %q", got, want)
	}
	if got := dateOnly(at); got != "07.12.2026" {
		t.Errorf("German date: %q", got)
	}
	if got := weekday(inBox(time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC))); got != "Di" {
		t.Errorf("23:30 UTC on Monday is Tuesday in Berlin, got %q", got)
	}
}

// TestBackupScreenShowsBoxTimes: schedule and next run in one zone, the
// box's, in the UI's format.
func TestBackupScreenShowsBoxTimes(t *testing.T) {
	english(t)
	f := newFake(3)
	learnZone(t.Context(), f)
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		s := NewBackupScreen(w, br)
		s.Now = func() time.Time { return testNow }
		return s
	})
	// 22:30 UTC is 23:30 in Berlin.
	if !hasText(w.Canvas(), "Next: 2026-11-23 23:30") {
		t.Error("the next run is not in the box's zone and the English format")
	}
	if hasText(w.Canvas(), "23.11.2026") {
		t.Error("a German date in the English UI")
	}
}

// TestAlertsInPlainWords: an office manager reads what an open problem
// means and that the administrator knows, without unit names; an
// integrator reads the same headline and possed's technical text; an
// unknown code keeps possed's English subject. In German too.
func TestAlertsInPlainWords(t *testing.T) {
	english(t)
	alerts := api.Alerts{Configured: true, To: []string{"it@example.org"}, Open: []api.Alert{
		{Key: "unit:dovecot.service", Subject: "service dovecot.service is failed", What: "The unit dovecot.service of the site is failed, not running.",
			Next: "See why with 'journalctl -u dovecot.service'.", Since: "2026-11-23T06:50:00Z", LastMail: "2026-11-23T06:51:00Z"},
		{Key: "future:x", Subject: "something new is wrong", What: "It broke.", Next: "Fix it.", Since: "2026-11-23T06:50:00Z"},
	}}
	for _, office := range []bool{true, false} {
		f := newFake(3)
		f.OfficeManager = office
		d, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
			br.OfficeManager = office
			d := NewDashboard(w, br)
			d.Now = func() time.Time { return testNow }
			return d
		})
		dash := d.(*Dashboard)
		dash.showAlerts(alerts, nil)
		c := w.Canvas()
		if !hasText(c, "Mail cannot be read on phones and in mail programs right now.") || !hasText(c, "something new is wrong") {
			t.Errorf("office manager %v: the headlines are not plain words, or the unknown code lost its text", office)
		}
		if got := hasText(c, "dovecot.service"); got == office {
			t.Errorf("office manager %v: unit name shown = %v", office, got)
		}
		if office && !hasText(c, "The administrator has been told by mail.") {
			t.Error("an office manager is not told that the administrator knows")
		}
		if office {
			if err := setLanguage("de"); err != nil {
				t.Fatal(err)
			}
			dash.showAlerts(alerts, nil)
			if !hasText(c, "Mails lassen sich gerade nicht auf Handys und in Mailprogrammen lesen.") || !hasText(c, "Der Administrator wurde per Mail benachrichtigt.") {
				t.Error("the open problems are not in German")
			}
			if err := setLanguage(""); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestConnectScreenSwitchesLanguage: the connect screen has the switch
// too (an office manager picks German before connecting), and keeps
// what was chosen.
func TestConnectScreenSwitchesLanguage(t *testing.T) {
	english(t)
	a := test.NewTempApp(t)
	c := NewConnectScreen(nil, a.Preferences(), nil)
	w := window(t, c.Content(), 1024, 700)
	c.win = w
	c.where.SetSelected(tr(whereRemote))
	c.host.SetText("office@server")
	c.SwitchLanguage("de")
	if !hasText(w.Canvas(), "Verbinden") || !hasText(w.Canvas(), tr("Connect to a Posse box")) || hasText(w.Canvas(), "Connect to a Posse box") {
		t.Error("the connect screen is not in German after the switch")
	}
	if got := c.where.Options; len(got) != 2 || got[1] != "Anderer Server über SSH" {
		t.Errorf("the choices are %q after switching to German", got)
	}
	if c.where.Selected != tr(whereRemote) || c.host.Text != "office@server" || c.host.Disabled() {
		t.Errorf("the switch lost the choice: %q, %q", c.where.Selected, c.host.Text)
	}
	if got := a.Preferences().String(prefLanguage); got != "de" {
		t.Errorf("saved language = %q", got)
	}
}
