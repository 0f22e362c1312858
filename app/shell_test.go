// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"reflect"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestShellAdminSeesEverything(t *testing.T) {
	test.NewTempApp(t)
	br := newBridge(newFake(12))
	s := NewShell(window(t, nil, 800, 600), br, Options{})
	want := []string{"dashboard", "users", "groups", "shares", "mail", "versions", "backup", "template"}
	if got := s.Items(); !reflect.DeepEqual(got, want) {
		t.Errorf("screens = %q, want %q", got, want)
	}
}

func TestShellOfficeManagerSeesUsersAndVersions(t *testing.T) {
	test.NewTempApp(t)
	f := newFake(12)
	f.OfficeManager = true
	br := newBridge(f)
	br.OfficeManager = true
	w := window(t, nil, 1024, 700)
	s := NewShell(w, br, Options{})
	if got, want := s.Items(), []string{"dashboard", "users", "versions", "restore"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("screens = %q, want %q", got, want)
	}
	w.SetContent(s.Content())
	d := NewDashboard(w, br)
	d.Now = func() time.Time { return testNow }
	s.screens["dashboard"] = d
	s.Open("shares") // hidden: falls back to the dashboard
	if s.current != "dashboard" {
		t.Errorf("opening a hidden screen shows %q", s.current)
	}
	if !hasText(w.Canvas(), "office manager") {
		t.Error("the dashboard does not say it is read-only for office managers")
	}
	if !hasText(w.Canvas(), "Tell the administrator") || hasText(w.Canvas(), "systemctl") {
		t.Error("an office manager is told to run systemctl instead of calling the administrator")
	}
	golden(t, "shell_office.xml", w.Canvas())
}

func TestShellTitleNamesBoxAndDemo(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, nil, 800, 600)
	br := newBridge(newFake(1))
	br.Demo = true
	NewShell(w, br, Options{})
	if got := w.Title(); got != "Posse — "+DemoHost+" — DEMO DATA" {
		t.Errorf("title = %q", got)
	}
}

func TestShellFocusesUserSearch(t *testing.T) {
	test.NewTempApp(t)
	w := window(t, nil, 1024, 700)
	s := NewShell(w, newBridge(newFake(12)), Options{})
	w.SetContent(s.Content())
	s.Open("users")
	u := s.screens["users"].(*UsersScreen)
	if w.Canvas().Focused() != u.search {
		t.Fatal("the user search is not focused when the screen opens")
	}
	test.Type(w.Canvas().Focused(), "meier")
	if len(u.view) != 1 {
		t.Errorf("typing right away shows %d users", len(u.view))
	}
}
