// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/daemontest"
)

// possedRig is the real possed server on a private bus with a fake polkit
// and its in-memory test backend: the screens talk to it through the real
// client, so the D-Bus types and errors are the real ones.
type possedRig struct {
	addr    string
	polkit  *daemontest.Polkit
	backend *daemontest.Backend
}

func newPossedRig(t *testing.T) *possedRig {
	t.Helper()
	r := &possedRig{addr: daemontest.StartBus(t), backend: daemontest.NewBackend()}
	r.polkit = daemontest.StartPolkit(t, r.addr)
	conn := daemontest.Connect(t, r.addr)
	srv := daemon.New(conn, daemon.Config{
		Backend:    r.backend,
		Authorizer: &daemon.Authorizer{Bus: conn, Trusted: func(uint32) bool { return false }, Timeout: 5 * time.Second},
	})
	if err := srv.Export(); err != nil {
		t.Fatal(err)
	}
	if err := srv.RequestName(); err != nil {
		t.Fatal(err)
	}
	return r
}

// dialer connects clients that polkit allows actions.
func (r *possedRig) dialer(t *testing.T, actions ...string) Dialer {
	return func(ctx context.Context, host, accept string) (Backend, error) {
		c := client.NewFromConn(daemontest.Connect(t, r.addr), client.Options{CallTimeout: 10 * time.Second})
		r.polkit.Allow(c.Conn().Names()[0], actions...)
		return c, nil
	}
}

func connectTo(t *testing.T, dial Dialer) (*Bridge, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := window(t, nil, 1024, 700)
	c := NewConnectScreen(w, a.Preferences(), dial)
	c.Sync = true
	var br *Bridge
	c.OnConnected = func(b *Bridge) { br = b }
	w.SetContent(c.Content())
	c.Connect("", "")
	if br == nil {
		t.Fatal("not connected")
	}
	return br, w
}

func TestWithPossedAdministrator(t *testing.T) {
	r := newPossedRig(t)
	br, w := connectTo(t, r.dialer(t, daemon.Actions...))
	if br.OfficeManager || br.Box != "box" {
		t.Fatalf("bridge %+v: want an administrator on box", br)
	}
	s := NewUsersScreen(w, br)
	w.SetContent(s.Content())
	s.Reload()
	s.AddUser()
	test.Type(s.form.given, "Lena")
	test.Type(s.form.surname, "Weiß")
	s.form.email.SetText("lena.weiss@example.de")
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if pw := r.backend.Password("lena.weiss"); len(pw) < 10 || !strings.Contains(s.sheet, pw) {
		t.Fatalf("possed got a password of %d characters; the sheet shows another or none", len(pw))
	}
	if len(s.all) != 1 || s.all[0].DisplayName != "Lena Weiß" {
		t.Errorf("list after adding: %+v", s.all)
	}

	// An apply through possed reports its steps over D-Bus signals.
	tmpl := NewTemplateScreen(w, br, "")
	w.SetContent(tmpl.Content())
	tmpl.Open(exampleCopy(t, true))
	tmpl.data = append(tmpl.data, []byte("\n# fail\n")...)
	tmpl.Preview()
	if tmpl.planSteps != 3 {
		t.Fatalf("plan through possed: %d steps, status %q", tmpl.planSteps, tmpl.status.Text)
	}
	tmpl.Apply()
	if len(tmpl.stepRows) != 2 || !hasText(w.Canvas(), "unit did not start") || !hasText(w.Canvas(), "restored /etc/f0") {
		t.Errorf("apply through possed: %d steps shown, status %q", len(tmpl.stepRows), tmpl.status.Text)
	}

	// The box changes between the plan shown and the apply: possed applies
	// nothing and the app shows the new plan.
	tmpl.Preview()
	r.backend.ChangeBox()
	tmpl.Apply()
	if len(tmpl.stepRows) != 0 || !strings.Contains(tmpl.status.Text, "The box changed since the plan was shown, so nothing was applied") {
		t.Errorf("apply of an outdated plan through possed: %d steps shown, status %q", len(tmpl.stepRows), tmpl.status.Text)
	}

	// A plan possed refuses for the secrets' problems shows them as the
	// template's problems, with their lines.
	tmpl.data = append(tmpl.data, []byte("\n# problem\n")...)
	tmpl.Preview()
	if len(tmpl.problems) != 1 || tmpl.problems[0].Line != 4 || !strings.Contains(tmpl.status.Text, "1 problems") {
		t.Errorf("plan with problems through possed: %+v, status %q", tmpl.problems, tmpl.status.Text)
	}
}

func TestWithPossedOfficeManager(t *testing.T) {
	r := newPossedRig(t)
	br, w := connectTo(t, r.dialer(t, daemon.ActionStatus, daemon.ActionUsers, daemon.ActionVersions, daemon.ActionRestore))
	if !br.OfficeManager {
		t.Fatal("polkit refused site reads, but the app did not switch to office-manager mode")
	}
	sh := NewShell(w, br, Options{})
	if got := strings.Join(sh.Items(), ","); got != "dashboard,users,versions,restore" {
		t.Errorf("office manager sees %s", got)
	}
	w.SetContent(sh.Content())
	sh.Open("users")
	if hasText(w.Canvas(), "Cannot") {
		t.Error("the users screen shows an error for an office manager")
	}
	sh.Open("restore")
	if hasText(w.Canvas(), "Cannot") {
		t.Error("the restore screen shows an error for an office manager")
	}
	rs := sh.screens["restore"].(*RestoreFilesScreen)
	rs.share.SetSelected("Office")
	if len(rs.entries) != 2 || rs.entries[0].Path != "Budget" {
		t.Errorf("possed's share Office in the backup: %+v", rs.entries)
	}
}

func TestWithPossedRefusedAltogether(t *testing.T) {
	r := newPossedRig(t)
	br, w := connectTo(t, r.dialer(t, daemon.ActionStatus))
	if br.OfficeManager {
		t.Error("someone refused users and site is not an office manager: they may authenticate when acting")
	}
	s := NewUsersScreen(w, br)
	w.SetContent(s.Content())
	s.Reload()
	if !hasText(w.Canvas(), "posse-office") {
		t.Error("a refused user list does not say which group to join")
	}
}

// The app's own dialer (--bus, "This computer") keeps the connection after
// the dial's context ends: godbus closes a connection with the context it
// was dialled with, and the Bridge ends each call's context.
func TestDialerConnectionOutlivesTheDial(t *testing.T) {
	r := newPossedRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	be, err := dialer(r.addr)(ctx, "", "")
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	r.polkit.Allow(be.(*dialled).Conn().Names()[0], daemon.ActionStatus)
	time.Sleep(50 * time.Millisecond)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if _, err := be.Status(ctx2); err != nil {
		t.Fatalf("Status after the dial's context ended: %v", err)
	}
	if nonInteractive(be) == be {
		t.Error("nonInteractive does not see the client behind the dialled connection")
	}
}
