// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/client/fleet"
	"github.com/posse-project/posse/daemon"
)

// threeBoxes is a fleet of a healthy box, one whose backup failed and
// whose disk is nearly full, and one that does not answer.
var threeBoxes = []fleet.Entry{
	{Name: "mueller", Host: "admin@server.mueller-partner.lan"},
	{Name: "schmidt", Host: "admin@schmidt.example:2222", Template: "schmidt.yaml"},
	{Name: "weber", Host: "root@192.0.2.7"},
}

// fakeFleetProber answers for threeBoxes as their possed would.
func fakeFleetProber() fleet.Prober {
	const gb = 1 << 30
	return fleet.ProberFunc(func(ctx context.Context, e fleet.Entry) fleet.Box {
		switch e.Name {
		case "mueller":
			return fleet.Box{Reachable: true, Site: "Müller & Partner", Hostname: "server",
				Services: []fleet.Service{{Name: "directory", OK: true}, {Name: "files", OK: true}},
				Backup: &fleet.Backup{Configured: true, LastRun: testNow.Add(-10 * time.Hour), LastResult: "success",
					Copies:    []fleet.Copy{{Name: "offsite", LastRun: testNow.Add(-7 * time.Hour), LastResult: "success", LastSuccess: testNow.Add(-7 * time.Hour)}},
					LastDrill: testNow.Add(-16 * 24 * time.Hour), DrillResult: "success"},
				Certs: []fleet.Cert{{Name: "site CA", NotAfter: testNow.AddDate(9, 0, 0)}, {Name: "directory (LDAPS)", NotAfter: testNow.Add(300*24*time.Hour + time.Hour)}},
				Disk:  []fleet.Disk{{Share: "Ablage", SizeBytes: 1000 * gb, FreeBytes: 600 * gb}}}
		case "schmidt":
			return fleet.Box{Reachable: true, Site: "Schmidt GmbH", Hostname: "schmidt",
				Services: []fleet.Service{{Name: "directory", OK: true}, {Name: "mail", OK: true}},
				Backup: &fleet.Backup{Configured: true, LastRun: testNow.Add(-3 * time.Hour), LastResult: "failed",
					Copies:    []fleet.Copy{{Name: "nas", LastRun: testNow.Add(-40 * time.Hour), LastResult: "success", LastSuccess: testNow.Add(-40 * time.Hour)}},
					LastDrill: testNow.Add(-50 * time.Hour), DrillResult: "failed"},
				Certs: []fleet.Cert{{Name: "site CA", NotAfter: testNow.AddDate(9, 0, 0)}, {Name: "directory (LDAPS)", NotAfter: testNow.Add(10*24*time.Hour + time.Hour)}},
				Disk:  []fleet.Disk{{Share: "homes", SizeBytes: 500 * gb, FreeBytes: 35 * gb}, {Share: "Daten", SizeBytes: 1000 * gb, FreeBytes: 500 * gb}},
				Drift: &fleet.Drift{Template: "schmidt.yaml", Steps: 2}}
		}
		<-ctx.Done()
		return fleet.Box{Problem: fleet.ProblemTimeout}
	})
}

func newTestFleet(t *testing.T, p fleet.Prober) *FleetScreen {
	t.Helper()
	f := NewFleetScreen(nil, threeBoxes, p)
	f.SetSync(true)
	f.Now = func() time.Time { return testNow }
	f.Options.Timeout = 100 * time.Millisecond
	f.Options.Grace = 100 * time.Millisecond
	return f
}

func TestFleetScreenWorstFirst(t *testing.T) {
	test.NewTempApp(t)
	f := newTestFleet(t, fakeFleetProber())
	var opened []string
	f.OnOpen = func(host string) { opened = append(opened, host) }
	f.OnConnect = func() {}
	w := window(t, f.Content(), 1100, 560)
	f.win = w
	if !hasText(w.Canvas(), "3 boxes. Refresh asks each of them") {
		t.Error("before the first check the screen does not say what Refresh does")
	}
	start := time.Now()
	test.Tap(f.refresh)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the check took %v with a timeout of 100ms", took)
	}
	var names []string
	for _, r := range f.Reports() {
		names = append(names, r.Name)
	}
	if strings.Join(names, " ") != "weber schmidt mueller" {
		t.Fatalf("rows %q, want the unreachable box, then the one needing attention, then the healthy one", names)
	}
	for _, want := range []string{
		"2 of 3 boxes need attention (asked at 09:00).",
		"No answer in time: the box may be switched off or offline.",
		"Changed since its template was applied (2 steps to undo). The last backup failed. The off-site copy nas is older than 36 hours. " +
			"The last restore drill failed. The certificate of the directory (LDAPS) expires in 10 days. The disk of Home folders is 93% full.",
		"Everything is fine.",
		"Backup 10 hours ago", "Backup failed 3 hours ago", "Backup: –",
		"Copy 7 hours ago", "Copy 40 hours ago", "Restore drill 16 days ago", "Restore drill failed 2 days ago",
		"Certificates: 300 days left", "Certificates: 10 days left",
		"Disk 40% full", "Disk 93% full",
		"admin@schmidt.example:2222",
	} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("the fleet screen does not show %q", want)
		}
	}
	if got := fleetColor(f.Reports()[0]); got != fleetColor(fleet.Report{Severity: -1}) {
		t.Errorf("the unreachable box's light is %v, want grey", got)
	}
	if fleetColor(f.Reports()[1]) == fleetColor(f.Reports()[2]) {
		t.Error("a box that needs attention has the healthy box's light")
	}
	golden(t, "fleet.xml", w.Canvas())
	test.Tap(f.buttons[2])
	test.Tap(f.buttons[0])
	if strings.Join(opened, " ") != "admin@server.mueller-partner.lan root@192.0.2.7" {
		t.Errorf("clicks opened %q", opened)
	}
}

func TestFleetRefreshNeverBlocks(t *testing.T) {
	test.NewTempApp(t)
	release := make(chan struct{})
	f := newTestFleet(t, fleet.ProberFunc(func(ctx context.Context, e fleet.Entry) fleet.Box {
		<-release
		return fleet.Box{Reachable: true, Site: "s", Backup: &fleet.Backup{}}
	}))
	f.SetSync(false)
	f.Options.Timeout = 5 * time.Second
	w := window(t, f.Content(), 900, 500)
	f.win = w
	start := time.Now()
	f.Refresh()
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("Refresh waited for the boxes")
	}
	if !f.refresh.Disabled() || !f.progress.Visible() {
		t.Error("no progress while the boxes are asked")
	}
	checked := make(chan struct{})
	f.onChecked = func() { close(checked) }
	time.Sleep(3 * progressEvery)
	close(release)
	select {
	case <-checked:
	case <-time.After(5 * time.Second):
		t.Fatal("the check never finished")
	}
	if f.refresh.Disabled() || f.progress.Visible() {
		t.Error("the progress is still shown after the check")
	}
	if len(f.Reports()) != 3 || f.Reports()[0].NeedsAttention() {
		t.Errorf("reports after the check: %+v", f.Reports())
	}
}

func TestFleetProberReadsTheBox(t *testing.T) {
	fk := newFake(3)
	p := fleet.SSHProber{Dial: func(ctx context.Context, e fleet.Entry) (fleet.Conn, error) { return fk, nil }}
	b := p.Probe(context.Background(), threeBoxes[0])
	if !b.Reachable || b.Site == "" || len(b.Services) == 0 || b.Backup == nil || !b.Backup.Configured || len(b.Disk) == 0 {
		t.Fatalf("box = %+v", b)
	}
	if !b.Backup.LastRun.Equal(time.Date(2026, 11, 22, 22, 30, 0, 0, time.UTC)) {
		t.Errorf("last backup %v", b.Backup.LastRun)
	}
	if len(b.Backup.Copies) != 1 || !b.Backup.Copies[0].LastSuccess.Equal(time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)) ||
		!b.Backup.LastDrill.Equal(time.Date(2026, 11, 7, 5, 10, 0, 0, time.UTC)) {
		t.Errorf("copies %+v, drill %v", b.Backup.Copies, b.Backup.LastDrill)
	}
	if len(b.Certs) != 2 || b.Updates == nil {
		t.Errorf("certificates %+v, updates %+v", b.Certs, b.Updates)
	}
	if b.Drift != nil {
		t.Error("drift checked without a template")
	}

	// With a template, the app plans it against the box as possectl
	// fleet status does.
	tmpl := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(tmpl, []byte("site:\n  name: Shop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.ReadTemplate = readFleetTemplate
	b = p.Probe(context.Background(), fleet.Entry{Name: "shop", Host: "root@shop", Template: tmpl})
	if b.Drift == nil || b.Drift.Template != tmpl {
		t.Errorf("drift %+v", b.Drift)
	}
}

func TestFleetProberNamesWhyABoxCannotBeAsked(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&client.HostKeyError{Host: "box:22", Fingerprint: "SHA256:abc", KeyType: "ssh-ed25519"}, fleet.ProblemHostKeyUnknown},
		{&client.HostKeyError{Host: "box:22", Fingerprint: "SHA256:abc", Changed: true}, fleet.ProblemHostKeyChanged},
		{os.NewSyscallError("connect", errors.New("x")), fleet.ProblemError},
		{errors.New("ssh: handshake failed: ssh: unable to authenticate"), fleet.ProblemAuthFailed},
		{context.DeadlineExceeded, fleet.ProblemTimeout},
	} {
		p := fleet.SSHProber{Dial: func(ctx context.Context, e fleet.Entry) (fleet.Conn, error) { return nil, c.err }}
		b := p.Probe(context.Background(), threeBoxes[0])
		if b.Reachable || b.Problem != c.want {
			t.Errorf("%v: problem %q, want %q", c.err, b.Problem, c.want)
		}
	}
}

func TestFleetUnknownHostKeyOffersToConnect(t *testing.T) {
	test.NewTempApp(t)
	f := newTestFleet(t, fleet.ProberFunc(func(ctx context.Context, e fleet.Entry) fleet.Box {
		return fleet.Unreachable(ctx, &client.HostKeyError{Host: "box:22", Fingerprint: "SHA256:abc", KeyType: "ssh-ed25519"})
	}))
	w := window(t, f.Content(), 1100, 560)
	f.win = w
	f.Refresh()
	if !hasText(w.Canvas(), "Its SSH key is not known yet: open it to compare") {
		t.Error("an unknown host key is not said in plain words")
	}
}

// TestFleetReasonsAreAllPlainWords makes every reason Report.Evaluate
// gives and checks that the screen knows its wording.
func TestFleetReasonsAreAllPlainWords(t *testing.T) {
	now := testNow
	reports := []fleet.Report{
		{Box: fleet.Box{Problem: fleet.ProblemRefused}},
		{Box: fleet.Box{Reachable: true, Services: []fleet.Service{{Name: "mail"}}, Drift: &fleet.Drift{Error: "no such file"}}},
		{Box: fleet.Box{Reachable: true, Site: "s", Drift: &fleet.Drift{Steps: 1}, BackupError: "not allowed"}},
		{Box: fleet.Box{Reachable: true, Site: "s", Drift: &fleet.Drift{Steps: 3}, Backup: &fleet.Backup{Configured: true}}},
		{Box: fleet.Box{Reachable: true, Site: "s", Backup: &fleet.Backup{Configured: true, LastRun: now.Add(-72 * time.Hour)}}},
		{Box: fleet.Box{Reachable: true, Site: "s", Backup: &fleet.Backup{Configured: true, LastRun: now, LastResult: "failed"},
			Disk: []fleet.Disk{{Share: "Daten", SizeBytes: 100, FreeBytes: 5}}}},
		{Box: fleet.Box{Reachable: true, Site: "s", Backup: &fleet.Backup{Configured: true, LastRun: now, LastDrill: now, DrillResult: "failed",
			Copies: []fleet.Copy{{Name: "a"}, {Name: "b", LastSuccess: now.Add(-72 * time.Hour)}, {Name: "c", LastSuccess: now, LastResult: "failed"}}},
			Certs: []fleet.Cert{{Name: "mail", NotAfter: now.Add(-time.Hour)}}}},
		{Box: fleet.Box{Reachable: true, Site: "s", Certs: []fleet.Cert{{Name: "site CA", NotAfter: now.Add(24*time.Hour + time.Minute)}}}},
	}
	seen := 0
	for _, r := range reports {
		r.Evaluate(now)
		for _, a := range r.Attention {
			seen++
			if got := reasonLine(r, a); got == a+"." {
				t.Errorf("no plain words for %q", a)
			}
		}
	}
	if seen < 11 {
		t.Errorf("only %d reasons made", seen)
	}
}

func TestFleetFileOpensTheFleetAndABox(t *testing.T) {
	a := test.NewTempApp(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	w := test.NewTempWindow(t, nil)
	var dialled []string
	c := NewConnectScreen(w, a.Preferences(), func(ctx context.Context, host, accept string) (Backend, error) {
		dialled = append(dialled, host)
		return newFake(3), nil
	})
	c.Sync = true
	if openFleet(w, c) != nil {
		t.Fatal("a fleet screen without a fleet file")
	}
	dir, _ := fleet.Dir()
	file := &fleet.File{Path: filepath.Join(dir, "fleet.yaml")}
	for _, e := range threeBoxes[:2] {
		if err := file.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := file.Save(); err != nil {
		t.Fatal(err)
	}
	fl := openFleet(w, c)
	if fl == nil {
		t.Fatal("no fleet screen with two boxes in the fleet file")
	}
	var got *Bridge
	c.OnConnected = func(br *Bridge) { got = br }
	w.SetContent(fl.Content())
	test.Tap(fl.buttons[1])
	if got == nil || got.Box != threeBoxes[1].Host || len(dialled) != 1 {
		t.Fatalf("clicking schmidt dialled %q and connected %+v", dialled, got)
	}
	if c.OnFleet == nil {
		t.Error("the connect screen does not lead back to the fleet")
	}
}

// TestFleetUnknownKeyGoesThroughTheConnectScreen: opening a box whose key
// is unknown asks about the key as the connect screen always does.
func TestFleetUnknownKeyGoesThroughTheConnectScreen(t *testing.T) {
	a := test.NewTempApp(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	const fp = "SHA256:pV2ZEwZ5m2m9yJ2b5h9Xj4qQm7o3QkE0m0d0xPqv6bA"
	w := window(t, nil, 1024, 700)
	var accepted []string
	c := NewConnectScreen(w, a.Preferences(), func(ctx context.Context, host, accept string) (Backend, error) {
		accepted = append(accepted, accept)
		if accept != fp {
			return nil, &client.HostKeyError{Host: "192.0.2.7:22", Fingerprint: fp, KeyType: "ssh-ed25519", KnownHosts: "/home/anna/.ssh/known_hosts"}
		}
		return newFake(3), nil
	})
	c.Sync = true
	dir, _ := fleet.Dir()
	file := &fleet.File{Path: filepath.Join(dir, "fleet.yaml"), Boxes: threeBoxes}
	if err := file.Save(); err != nil {
		t.Fatal(err)
	}
	fl := openFleet(w, c)
	var got *Bridge
	c.OnConnected = func(br *Bridge) { got = br }
	w.SetContent(fl.Content())
	test.Tap(fl.buttons[2]) // weber, not asked yet: rows are in the file's order
	if !hasText(w.Canvas(), fp) {
		t.Fatal("opening a box with an unknown key does not show the fingerprint")
	}
	if got != nil {
		t.Fatal("connected without the key confirmed")
	}
	test.Tap(button(t, w.Canvas(), tr("Fingerprints match, connect")))
	if got == nil || got.Box != "root@192.0.2.7" || len(accepted) != 2 || accepted[1] != fp {
		t.Errorf("after confirming: bridge %+v, accepted %q", got, accepted)
	}
}

// TestFleetProberWithPossed reads the real possed (on a private bus)
// through the real client, as the screen's prober does over SSH.
func TestFleetProberWithPossed(t *testing.T) {
	r := newPossedRig(t)
	dial := r.dialer(t, daemon.Actions...)
	p := fleet.SSHProber{Dial: func(ctx context.Context, e fleet.Entry) (fleet.Conn, error) {
		be, err := dial(ctx, e.Host, "")
		if err != nil {
			return nil, err
		}
		return be.(fleet.Conn), nil
	}}
	b := p.Probe(context.Background(), threeBoxes[0])
	if !b.Reachable || b.Site != "Test Site" || b.Hostname != "box" {
		t.Fatalf("box = %+v", b)
	}
	if len(b.Disk) != 1 || b.Disk[0].Share != "Data" || b.Disk[0].FullPercent() != 75 {
		t.Errorf("disk = %+v", b.Disk)
	}
	rep := fleet.Report{Entry: threeBoxes[0], Box: b}
	rep.Evaluate(testNow)
	// The test backend has no health checks and no backup: both are said.
	if len(rep.Attention) != 2 || b.BackupError == "" || b.Backup != nil {
		t.Fatalf("attention %q for %+v", rep.Attention, b)
	}
	for _, a := range rep.Attention {
		if reasonLine(rep, a) == a+"." {
			t.Errorf("no plain words for %q", a)
		}
	}
	if got := fleetReason(rep); !strings.Contains(got, "The backup state cannot be read: backup is not available on this box yet") {
		t.Errorf("reason %q", got)
	}
}
