// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// show puts a screen in a 1024×700 window and loads its data.
func show(t *testing.T, f *fake, make func(w fyne.Window, br *Bridge) screen) (screen, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := window(t, nil, 1024, 700)
	s := make(w, newBridge(f))
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(1024, 700))
	s.Reload()
	return s, w
}

func TestDashboardShowsHealthAndWhatToDo(t *testing.T) {
	f := newFake(12)
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	for _, want := range []string{"no space left on /var/mail", "systemctl restart dovecot.service", "Mailboxes (IMAP)", "failed", "Last backup succeeded 10 hours ago", "12 users",
		"Buchhaltung", "128.6 GB", "Home folders", "Free on the disk: 648.4 GB of 931.0 GB", "Sizes measured 3 minutes ago",
		"2 messages waiting (1 deferred). The oldest arrived 5 hours ago.", "postqueue -p"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	golden(t, "dashboard.xml", w.Canvas())
}

// TestDashboardShowsOpenAlerts: the alerts' open problems, from possed's
// Alerts, each with since when and what to do; none open says who gets
// the mails; a site without alerts has no card.
func TestDashboardShowsOpenAlerts(t *testing.T) {
	f := newFake(3)
	d, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	for _, want := range []string{"Open problems", "Mail cannot be read on phones and in mail programs right now.", "service dovecot.service is failed", "Since 2026-11-23 06:50 (2 hours ago)",
		"See why with 'journalctl -u dovecot.service'"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	dash := d.(*Dashboard)
	dash.showAlerts(api.Alerts{Configured: true, To: []string{"it@example.org"}}, nil)
	if !hasText(w.Canvas(), "No open problems. Alerts go by mail to it@example.org.") || hasText(w.Canvas(), "Since 2026-11-23 06:50") {
		t.Error("no open problems is not said")
	}
	dash.showAlerts(api.Alerts{}, nil)
	if dash.alertCard.Visible() {
		t.Error("a site without alerts shows the alerts' card")
	}
}

func TestDashboardWarnsAboutOldOrFailedBackup(t *testing.T) {
	f := newFake(3)
	f.backup.LastRun = "2026-11-19T22:30:00Z"
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	if !hasText(w.Canvas(), "That is old") {
		t.Error("a 3-day-old backup is not called out")
	}
	f.backup.LastResult = "failed"
	d := NewDashboard(w, newBridge(f))
	d.Now = func() time.Time { return testNow }
	w.SetContent(d.Content())
	d.Reload()
	if !hasText(w.Canvas(), "FAILED") {
		t.Error("a failed backup is not called out")
	}
}

// TestDashboardBackupNotYetRun: on a new box the backup card agrees with
// possed's backup check: no backup yet is fine while the first one is
// scheduled, and wrong when nothing is.
func TestDashboardBackupNotYetRun(t *testing.T) {
	f := newFake(3)
	f.backup.LastRun, f.backup.LastResult = "", ""
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	if !hasText(w.Canvas(), "No backup yet: the first runs "+localTime(f.backup.NextRun)+". To make one now, use the Backup screen.") {
		t.Error("a new box's backup card does not say when the first backup runs")
	}
	f.backup.NextRun = ""
	d := NewDashboard(w, newBridge(f))
	w.SetContent(d.Content())
	d.Reload()
	if !hasText(w.Canvas(), "The backup has never run.") {
		t.Error("a backup that never ran and is not scheduled is not called out")
	}
}

func TestDashboardUsageWarnings(t *testing.T) {
	f := newFake(3)
	u := &usageFake{fake: f, u: api.Usage{
		Shares: []api.ShareUsage{
			{Name: "Ablage", UsedBytes: 900 << 30, Files: 10, MeasuredAt: "2026-11-23T08:00:00Z", SizeBytes: 1000 << 30, FreeBytes: 40 << 30},
			{Name: "Scans", MeasuredAt: "", SizeBytes: 1000 << 30, FreeBytes: 40 << 30},
			{Name: "Lohn", MeasuredAt: "2026-11-23T08:00:00Z", Error: "the folder /srv/posse/shares/lohn does not exist: apply the site again"},
		},
		Mail: api.MailQueue{Configured: true},
	}}
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		b := *br
		b.Backend = u
		d := NewDashboard(w, &b)
		d.Now = func() time.Time { return testNow }
		return d
	})
	for _, want := range []string{"over 900.0 GB", "measuring…", "unreadable", "does not exist", "The disk is almost full", "Posse is adding up the shares", "No mail is waiting"} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// A box whose possed has no Usage (older Posse) and a site without mail.
	u.err = &client.Error{Name: "org.freedesktop.DBus.Error.UnknownMethod", Message: "unknown method"}
	d := NewDashboard(w, &Bridge{Backend: u, Box: DemoHost, Sync: true})
	w.SetContent(d.Content())
	d.Reload()
	if !hasText(w.Canvas(), "This box does not report disk use.") || hasText(w.Canvas(), "unknown method") {
		t.Error("a possed without Usage is not shown as such")
	}
	if d.mailCard.Visible() {
		t.Error("the mail queue is shown for a box that does not report it")
	}
}

// usageFake answers Usage with u or err.
type usageFake struct {
	*fake
	u   api.Usage
	err error
}

func (u *usageFake) Usage(context.Context) (api.Usage, error) { return u.u, u.err }

func TestDashboardErrorDialog(t *testing.T) {
	f := newFake(3)
	f.fail["Status"] = &client.Error{Name: api.ErrFailed, Message: "systemd did not answer"}
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewDashboard(w, statusFails{f, br}.bridge()) })
	if !hasText(w.Canvas(), "systemd did not answer") || !hasText(w.Canvas(), "journalctl -u possed") {
		t.Error("the error dialog lacks the reason or what to do")
	}
}

// statusFails makes Status return the fake's injected error.
type statusFails struct {
	*fake
	br *Bridge
}

func (s statusFails) Status(ctx context.Context) (api.Status, error) {
	if err := s.log("Status"); err != nil {
		return api.Status{}, err
	}
	return s.fake.Status(ctx)
}

func (s statusFails) bridge() *Bridge {
	b := *s.br
	b.Backend = s
	return &b
}

func TestGroupsScreen(t *testing.T) {
	f := newFake(12)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewGroupsScreen(w, br) })
	s := sc.(*GroupsScreen)
	golden(t, "groups.xml", w.Canvas())
	s.list.Select(3) // partner
	test.Type(s.add, "anna.m")
	if got := matching(s.users, "anna.m", 20); len(got) != 1 || got[0] != "anna.mueller" {
		t.Errorf("members offered for %q: %q", "anna.m", got)
	}
	test.Type(s.add, "ueller")
	test.Tap(button(t, w.Canvas(), tr("Add member")))
	gs, _ := f.Groups(t.Context())
	if !contains(gs[3].Members, "anna.mueller") {
		t.Errorf("partner members = %q", gs[3].Members)
	}
	if s.current().Name != "partner" {
		t.Errorf("selection moved to %q after the change", s.current().Name)
	}
}

func TestSharesScreen(t *testing.T) {
	_, w := show(t, newFake(12), func(w fyne.Window, br *Bridge) screen {
		s := NewSharesScreen(w, br)
		s.Now = func() time.Time { return testNow }
		return s
	})
	if !hasText(w.Canvas(), `\\server\Buchhaltung`) || !hasText(w.Canvas(), "Read and write: buchhaltung") {
		t.Error("shares lack the network path or who may write")
	}
	if !hasText(w.Canvas(), "Uses 128.6 GB in 526800 files (3 minutes ago)   · 648.4 GB free on the disk") {
		t.Error("shares lack their disk use")
	}
	golden(t, "shares.xml", w.Canvas())
}

func TestSharesRefuseFolderOutsideSrv(t *testing.T) {
	f := newFake(1)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		s := NewSharesScreen(w, br)
		s.Now = func() time.Time { return testNow }
		return s
	})
	sc.(*SharesScreen).edit(api.Share{}, true)
	var path *entry
	for _, o := range all(w.Canvas()) {
		if e, ok := o.(*entry); ok && e.PlaceHolder == "/srv/posse/shares/projekte" {
			path = e
		}
	}
	if path == nil {
		t.Fatal("no folder field")
	}
	test.Type(path, "/home/akten")
	for _, o := range all(w.Canvas()) { // go to another field: this one shows its error
		if e, ok := o.(*entry); ok && e != path && e.Visible() {
			w.Canvas().Focus(path)
			test.Tap(e)
			break
		}
	}
	if err := path.Validate(); err == nil || !strings.Contains(err.Error(), "/srv") {
		t.Errorf("a folder outside /srv is accepted (%v)", err)
	}
	if !button(t, w.Canvas(), tr("Save")).Disabled() {
		t.Error("the share can be saved with a folder outside /srv")
	}
	golden(t, "shares_new.xml", w.Canvas())
}

// possed writes a new share into the site template and applies it: the
// dialog says so before, the screen after.
func TestSharesNewShareGoesIntoTheTemplate(t *testing.T) {
	f := newFake(1)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewSharesScreen(w, br) })
	test.Tap(button(t, w.Canvas(), tr("New share…")))
	if !hasText(w.Canvas(), "writes the share into the box's site template") {
		t.Error("the new-share dialog does not say where the share goes")
	}
	var name, write *entry
	for _, o := range all(w.Canvas()) {
		if e, ok := o.(*entry); ok {
			switch e.PlaceHolder {
			case "":
				if name == nil {
					name = e
				}
			case "alle, buchhaltung":
				write = e
			}
		}
	}
	test.Type(name, "Projekte")
	test.Type(write, "alle")
	test.Tap(button(t, w.Canvas(), tr("Save")))
	if !f.called("SetShare Projekte") {
		t.Fatal("the share was not saved")
	}
	if !hasText(w.Canvas(), "Saved Projekte into the site template and applied it.") {
		t.Error("the screen does not say the share went into the template")
	}
	if len(sc.(*SharesScreen).shares) != 5 {
		t.Error("the list was not reloaded")
	}
}

func TestMailScreen(t *testing.T) {
	_, w := show(t, newFake(12), func(w fyne.Window, br *Bridge) screen { return NewMailScreen(w, br) })
	if !hasText(w.Canvas(), "info@mueller-partner.de") {
		t.Error("aliases not listed")
	}
	golden(t, "mail.xml", w.Canvas())
}

func backupScreen(t *testing.T, f *fake) (*BackupScreen, fyne.Window) {
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		b := NewBackupScreen(w, br)
		b.Now = func() time.Time { return testNow }
		b.Poll = time.Millisecond
		return b
	})
	return sc.(*BackupScreen), w
}

func TestBackupBrowseAndRestore(t *testing.T) {
	f := newFake(12)
	s, w := backupScreen(t, f)
	golden(t, "backup.xml", w.Canvas())
	s.Browse("/srv/posse/shares/ablage")
	for i, e := range s.entries {
		if strings.HasSuffix(e.Path, "Telefonliste.xlsx") {
			s.files.Select(i)
		}
	}
	test.Tap(button(t, w.Canvas(), tr("Restore file…")))
	test.Tap(button(t, w.Canvas(), tr("Restore")))
	if !f.called("Restore /srv/posse/shares/ablage/Telefonliste.xlsx -> ") {
		t.Fatalf("calls %q: want an in-place restore of the file", f.calls)
	}
	if !hasText(w.Canvas(), "Files put back where they were: 1") {
		t.Error("the restore result is not shown")
	}
	// A folder opens on click; restoring it restores the folder.
	s.Browse("/srv/posse/shares")
	s.files.Select(0)
	if s.dir != "/srv/posse/shares/ablage" {
		t.Fatalf("clicking a folder did not open it: in %s", s.dir)
	}
	test.Tap(button(t, w.Canvas(), tr("Restore this folder…")))
	golden(t, "backup_restore.xml", w.Canvas())
}

func TestBackupRunNow(t *testing.T) {
	f := newFake(3)
	s, w := backupScreen(t, f)
	f.Now = func() time.Time { return testNow.Add(-time.Minute) }
	test.Tap(s.run)
	if s.run.Disabled() || s.run.Text != tr("Back up now") {
		t.Errorf("run button %q after the backup", s.run.Text)
	}
	if !hasText(w.Canvas(), "2026-11-23 08:59") {
		t.Error("the new backup time is not shown")
	}
}

// exampleCopy copies examples/small-office.yaml into a temporary folder,
// with its secrets file (mode 0600) when withSecrets.
func exampleCopy(t *testing.T, withSecrets bool) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"small-office.yaml", "small-office.secrets.yaml"} {
		if name != "small-office.yaml" && !withSecrets {
			continue
		}
		b, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "small-office.yaml")
}

func TestTemplateShowsTheBoxsProblems(t *testing.T) {
	f := newFake(3)
	sc, _ := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	s.Open(exampleCopy(t, true))
	s.data = append(s.data, []byte("\n# demo-invalid\n")...)
	test.Tap(s.planBtn)
	if len(s.problems) != 1 || s.problems[0].Line != 8 || s.marked != 7 {
		t.Fatalf("the box's problem is not listed and shown: %+v, marked row %d", s.problems, s.marked)
	}
	if s.planSteps != 0 || !s.applyBtn.Disabled() {
		t.Error("a template the box refused can be applied")
	}
}

func TestTemplateNeedsItsSecrets(t *testing.T) {
	f := newFake(3)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	s.Open(exampleCopy(t, false))
	if !s.planBtn.Disabled() || len(s.problems) == 0 || !strings.Contains(s.problems[0].Message, "is not set") {
		t.Fatalf("a template without its secrets can be planned: %s", s.status.Text)
	}
	if !hasText(w.Canvas(), "secrets are missing") {
		t.Error("the status does not say that secrets are missing")
	}
	// A secrets file readable by others is refused, as possectl does.
	sec := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(sec, []byte("domain_admin: x\n"), 0o644)
	s.LoadSecrets(sec)
	if !strings.Contains(s.status.Text, "cannot be used") || !s.planBtn.Disabled() {
		t.Errorf("a world-readable secrets file is accepted: %s", s.status.Text)
	}
}

const brokenTemplate = `version: 1
site:
  name: Müller & Partner
  domain: mueller-partner
`

func TestTemplateShowsProblemsAndJumps(t *testing.T) {
	f := newFake(3)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	s.Check("site.yaml", []byte(brokenTemplate))
	if len(s.problems) == 0 {
		t.Fatal("no problems found in a broken template")
	}
	p := s.problems[0]
	s.list.Select(0)
	if s.marked != p.Line-1 {
		t.Errorf("selecting %d:%d marked row %d", p.Line, p.Col, s.marked)
	}
	if !s.planBtn.Disabled() {
		t.Error("a broken template can be planned")
	}
	golden(t, "template_problems.xml", w.Canvas())
}

func TestTemplatePlanAndApplyWithRollback(t *testing.T) {
	f := newFake(3)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	s.Open(exampleCopy(t, true))
	if !strings.Contains(s.status.Text, "valid") || s.planBtn.Disabled() {
		t.Fatalf("example template: %s (%d problems)", s.status.Text, len(s.problems))
	}
	if len(s.secrets) == 0 || !strings.Contains(s.secretsLbl.Text, "small-office.secrets.yaml") {
		t.Errorf("the secrets file next to the template was not used (%d secrets)", len(s.secrets))
	}
	s.data = append(s.data, []byte("\n# demo-fail\n")...)
	test.Tap(s.planBtn)
	if !hasText(w.Canvas(), "directory (2)") || !hasText(w.Canvas(), "files (3)") {
		t.Error("the plan is not grouped by service")
	}
	golden(t, "template_plan.xml", w.Canvas())
	test.Tap(s.applyBtn)
	test.Tap(button(t, w.Canvas(), tr("Apply")))
	if len(s.stepRows) != 6 {
		t.Errorf("%d step rows, want 6 (the sixth failed)", len(s.stepRows))
	}
	if !hasText(w.Canvas(), "Rolled back") || !hasText(w.Canvas(), "/etc/samba/smb.conf") {
		t.Error("the rollback is not shown")
	}
	golden(t, "template_rollback.xml", w.Canvas())
}

func TestTemplateApplyOfAnOutdatedPlan(t *testing.T) {
	f := newFake(3)
	sc, w := show(t, f, func(w fyne.Window, br *Bridge) screen { return NewTemplateScreen(w, br, "") })
	s := sc.(*TemplateScreen)
	s.Open(exampleCopy(t, true))
	test.Tap(s.planBtn)
	if s.planSteps != 8 {
		t.Fatalf("plan of %d steps", s.planSteps)
	}
	f.ChangeBox() // someone changed the box after the plan was shown
	test.Tap(s.applyBtn)
	test.Tap(button(t, w.Canvas(), tr("Apply")))
	if len(s.stepRows) != 0 || !strings.Contains(s.status.Text, "The box changed since the plan was shown, so nothing was applied. This is the new plan (9 changes)") {
		t.Errorf("apply of an outdated plan: %d steps, status %q", len(s.stepRows), s.status.Text)
	}
	// The new plan is shown and applies.
	if s.planSteps != 9 || s.applyBtn.Disabled() {
		t.Fatalf("the new plan: %d steps, apply disabled %v", s.planSteps, s.applyBtn.Disabled())
	}
	test.Tap(s.applyBtn)
	test.Tap(button(t, w.Canvas(), tr("Apply")))
	if len(s.stepRows) != 9 || !hasText(w.Canvas(), "Applied: the box now matches the template.") {
		t.Errorf("apply of the new plan: %d steps, status %q", len(s.stepRows), s.status.Text)
	}
}

// TestBackupShowsFailedDrill: a failed restore drill is shown with its
// reason, and the status dot is not green.
func TestBackupShowsFailedDrill(t *testing.T) {
	f := newFake(3)
	f.backup.LastDrillResult = "failed"
	f.backup.LastDrillDetail = "1 of 20 sampled files did not come back whole: /srv/posse/shares/ablage/a.txt (not restored)"
	_, w := backupScreen(t, f)
	if !hasText(w.Canvas(), "Last restore drill: 2026-11-07 (16 days ago), FAILED: 1 of 20 sampled files did not come back whole") {
		t.Error("a failed drill is not shown with its reason")
	}
}

// Each off-site copy has its line on the Backup screen; a failed one
// says why and turns the light red.
func TestBackupScreenShowsCopies(t *testing.T) {
	f := newFake(12)
	f.backup.Copies = append(f.backup.Copies, api.CopyStatus{Name: "usb-a", Repository: "usb:POSSE-A", LastResult: "failed",
		LastError: "no disk labelled POSSE-A is plugged in", LastSuccess: "2026-11-20T12:00:00Z", Snapshots: 35})
	_, w := backupScreen(t, f)
	if !hasText(w.Canvas(), "Copy offsite: sftp:posse@backup.example:/mueller") || !hasText(w.Canvas(), "Last success: 2026-11-23 01:30") || !hasText(w.Canvas(), "41 snapshots · Size: 186.0 GB") {
		t.Error("the copy that worked is not shown with its size")
	}
	if !hasText(w.Canvas(), "Copy usb-a: usb:POSSE-A") || !hasText(w.Canvas(), "Last success: 2026-11-20") || !hasText(w.Canvas(), "not checked (a USB disk)") ||
		!hasText(w.Canvas(), "LAST RUN FAILED: no disk labelled POSSE-A is plugged in") {
		t.Error("the failed copy does not say why")
	}
	if !hasText(w.Canvas(), "Main repository: sftp:backup@nas.mueller-partner.lan:/posse") || !hasText(w.Canvas(), "Size: 187.0 GB") {
		t.Error("the main repository is not shown with its size")
	}
	var red bool
	for _, o := range all(w.Canvas()) {
		if c, ok := o.(*canvas.Circle); ok && c.FillColor == theme.Color(theme.ColorNameError) {
			red = true
		}
	}
	if !red {
		t.Error("a failed copy leaves the backup light green")
	}
}

// A unit that runs but whose probe fails is "not working", never
// "running" under a red light.
func TestDashboardNoRunningUnderARedLight(t *testing.T) {
	f := newFake(12)
	f.services = append(f.services, api.ServiceStatus{Name: "mail", Unit: "postfix@-.service", State: "active", Healthy: false, Detail: "port 25 does not answer"})
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	if !hasText(w.Canvas(), "not working") || !hasText(w.Canvas(), "port 25 does not answer") {
		t.Error("a running unit that fails its probe is not shown as not working")
	}
}

// TestDashboardCheckDetailsInGerman: the health checks' results, a
// stopped unit's state and what to do about an open problem are said in
// German; possed's technical detail stays below them for integrators.
func TestDashboardCheckDetailsInGerman(t *testing.T) {
	english(t)
	if err := setLanguage("de"); err != nil {
		t.Fatal(err)
	}
	f := newFake(12)
	_, w := show(t, f, func(w fyne.Window, br *Bridge) screen {
		d := NewDashboard(w, br)
		d.Now = func() time.Time { return testNow }
		return d
	})
	for _, want := range []string{
		"Geprüft: Die Domäne antwortet, mit Anmeldung, Verzeichnis, Namensdienst und Kerberos.",
		"Geprüft: Die gemeinsamen Ordner und Home-Ordner sind wie geplant eingerichtet, und Fremde können sie nicht auflisten.",
		"dovecot.service – Zustand: fehlgeschlagen. Das Protokoll nennt den Grund (journalctl -u dovecot.service).",
		"Den Grund zeigt 'journalctl -u dovecot.service'; starten Sie ihn dann mit 'systemctl start dovecot.service' oder wenden Sie den Standort erneut an; 'possectl status' zeigt alle Dienste.",
	} {
		if !hasText(w.Canvas(), want) {
			t.Errorf("the German dashboard lacks %q", want)
		}
	}
	golden(t, "dashboard_de.xml", w.Canvas())
}

// TestCheckDetailFromUnitAndState: a unit that does not run is said from
// its state, and possed's detail that only repeats it is not shown again.
func TestCheckDetailFromUnitAndState(t *testing.T) {
	english(t)
	s := api.ServiceStatus{Name: "mail", Unit: "postfix.service", State: "inactive", Detail: api.UnitDetail("postfix.service", "inactive")}
	if got := checkDetail(s); got != "postfix.service is stopped: its log says why (journalctl -u postfix.service)." {
		t.Errorf("checkDetail = %q", got)
	}
	s.State, s.Detail = "unknown", "cannot ask systemd: no bus"
	if got := checkDetail(s); got != "The server could not say whether postfix.service runs." {
		t.Errorf("checkDetail of an unknown state = %q", got)
	}
	if got := checkDetail(api.ServiceStatus{Name: "mail", Unit: "postfix.service", State: "active", Healthy: true, Detail: "x"}); got == "" || got == "x" {
		t.Errorf("a healthy mail check = %q", got)
	}
	if got := checkDetail(api.ServiceStatus{Name: "printing", State: "active", Healthy: true, Detail: "x"}); got != "" {
		t.Errorf("an unknown check = %q, want none (possed's detail shows)", got)
	}
}
