// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// Dashboard shows the box at a glance: every service's health with the
// reason and what to do, the last backup and the number of users. It
// only reads, so it is the same for office managers.
type Dashboard struct {
	win      fyne.Window
	br       *Bridge
	site     *widget.Label
	services *fyne.Container
	backup   *widget.Label
	backupOK *fyne.Container
	users    *widget.Label
	storage  *fyne.Container
	mailq    *widget.Label
	mailOK   *fyne.Container
	mailCard *fyne.Container
	// alertCard shows alertList, the alerts' open problems.
	alertCard *fyne.Container
	alertList *fyne.Container
	note      *widget.Label
	setup     *fyne.Container
	// OnSetup, when set, is offered on a box without a site.
	OnSetup func()
	// Now is the clock for backup ages.
	Now func() time.Time
}

// NewDashboard builds the screen.
func NewDashboard(w fyne.Window, br *Bridge) *Dashboard {
	return &Dashboard{win: w, br: br, Now: time.Now,
		site: widget.NewLabel(""), services: container.NewVBox(),
		backup: wrapped(""), backupOK: container.NewStack(), users: widget.NewLabel("–"), note: wrapped(""),
		storage: container.NewVBox(), mailq: wrapped(""), mailOK: container.NewStack(),
		mailCard: container.NewVBox(), alertCard: container.NewVBox(), alertList: container.NewVBox(), setup: container.NewVBox()}
}

// Content returns the screen's widget tree.
func (d *Dashboard) Content() fyne.CanvasObject {
	reload := widget.NewButtonWithIcon(tr("Refresh"), theme.ViewRefreshIcon(), d.Reload)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(reload), container.NewVBox(heading(tr("Dashboard")), d.site)), d.setup)
	svc := card(tr("Services"), d.services)
	backup := card(tr("Backup"), container.NewBorder(nil, nil, d.backupOK, nil, d.backup))
	users := card(tr("Users"), d.users)
	storage := card(tr("Disk use"), d.storage)
	d.mailCard.Objects = []fyne.CanvasObject{card(tr("Mail queue"), container.NewBorder(nil, nil, d.mailOK, nil, d.mailq))}
	d.mailCard.Hide()
	d.alertCard.Objects = []fyne.CanvasObject{card(tr("Open problems"), d.alertList)}
	d.alertCard.Hide()
	right := container.NewVBox(d.alertCard, backup, storage, d.mailCard)
	return container.NewBorder(top, nil, nil, nil,
		container.NewVScroll(container.NewGridWithColumns(2, container.NewVBox(svc, users, d.note), right)))
}

// serviceLabel names a service for people; unknown names stay as they are.
func serviceLabel(name string) string {
	switch name {
	case "directory":
		return tr("Directory (users and logins)")
	case "files":
		return tr("File shares")
	case "mail":
		return tr("Mail delivery")
	case "imap":
		return tr("Mailboxes (IMAP)")
	case "backup":
		return tr("Backup")
	}
	return name
}

// serviceUnitLabel names a service for people; mail has two units, the
// delivery (Postfix) and the mailboxes (Dovecot).
func serviceUnitLabel(s api.ServiceStatus) string {
	if s.Name == "mail" && strings.HasPrefix(s.Unit, "dovecot") {
		return serviceLabel("imap")
	}
	return serviceLabel(s.Name)
}

// stateLabel translates systemd's common active states.
func stateLabel(state string) string {
	switch state {
	case "active":
		return tr("running")
	case "failed":
		return tr("failed")
	case "inactive":
		return tr("stopped")
	case "activating":
		return tr("starting")
	}
	return state
}

// serviceHint says what to do about an unhealthy service.
func serviceHint(s api.ServiceStatus, officeManager bool) string {
	if officeManager {
		return tr("Tell the administrator: the service needs their attention.")
	}
	unit := s.Unit
	// A probe that fails because of another unit names it ("mail health
	// probe: dovecot.service is inactive"): that one needs the restart.
	if m := unitInDetail.FindString(s.Detail); m != "" {
		unit = m
	}
	if unit == "" {
		return tr("Open the Site template screen and apply the template again.")
	}
	return tr("Restart it on the box (systemctl restart %s); if that fails, the log says why: journalctl -u %s", unit, unit)
}

var unitInDetail = regexp.MustCompile(`[A-Za-z0-9@._-]+\.service`)

// Reload fetches status, backup state and the user count.
func (d *Dashboard) Reload() {
	type data struct {
		st     api.Status
		bk     api.BackupStatus
		bkErr  error
		users  int
		usrErr error
	}
	call(d.br, func(ctx context.Context, be Backend) (data, error) {
		var r data
		var err error
		if r.st, err = be.Status(ctx); err != nil {
			return r, err
		}
		r.bk, r.bkErr = be.BackupStatus(ctx)
		us, err := be.Users(ctx, "")
		r.users, r.usrErr = len(people(us)), err
		return r, nil
	}, func(r data, err error) {
		if err != nil {
			d.site.SetText(tr("The box did not answer."))
			showError(d.win, tr("Cannot read the box's status"), err)
			return
		}
		site := r.st.Site
		d.setup.RemoveAll()
		if site == "" {
			site = tr("No site applied yet")
			if d.OnSetup != nil && !d.br.OfficeManager {
				b := widget.NewButtonWithIcon(tr("Set up this box…"), theme.SettingsIcon(), d.OnSetup)
				b.Importance = widget.HighImportance
				d.setup.Add(card("", container.NewBorder(nil, nil, nil, b,
					wrapped(tr("This box is not set up yet. The setup asks a few questions and shows the plan before it changes anything.")))))
			}
		}
		d.site.SetText(tr("%s · %s · Posse %s", site, r.st.Hostname, r.st.Version))
		d.showServices(r.st.Services)
		if r.st.Site != "" {
			d.probe()
			d.usage()
			d.alerts()
		} else {
			d.showUsage(api.Usage{}, nil)
			d.showAlerts(api.Alerts{}, nil)
		}
		d.showBackup(r.bk, r.bkErr)
		if r.usrErr != nil {
			d.users.SetText(tr("not readable with your account"))
		} else {
			d.users.SetText(tr("%d users", r.users))
		}
		if r.users > 1000 {
			// Counting thousands of users every 30 s leaves their list as
			// garbage: hand it back instead of letting the heap grow to
			// the collector's target (5 MB more RSS with 5000 users).
			releaseMemory()
		}
		if d.br.OfficeManager {
			d.note.SetText(tr("You see this box as office manager: you can manage users and passwords, bring back earlier versions of files and restore files from the backup. Ask the administrator for anything else."))
		}
	})
}

// probe replaces the units' states from Status with possed's probes
// (LDAPS bind, DNS, Kerberos, mail ports, the backup repository), which
// say more but take a while, longest when a service is down: the units
// are shown first. The units stay when the probes fail.
func (d *Dashboard) probe() {
	call(d.br, func(ctx context.Context, be Backend) ([]api.ServiceStatus, error) { return be.Health(ctx, "") },
		func(hs []api.ServiceStatus, err error) {
			if err == nil && len(hs) > 0 {
				d.showServices(hs)
			}
		})
}

func (d *Dashboard) showServices(ss []api.ServiceStatus) {
	d.services.RemoveAll()
	if len(ss) == 0 {
		d.services.Add(wrapped(tr("No services are set up yet. Apply a site template first.")))
	}
	shown := map[string]string{} // the last detail of each service: mail's units share one probe
	for _, s := range ss {
		name := bold(serviceUnitLabel(s))
		st := stateLabel(s.State)
		switch {
		case s.Unit == "":
			// No unit of its own (shares, backup): the probe's verdict.
			st = tr("OK")
			if !s.Healthy {
				st = tr("problem")
			}
		case !s.Healthy && s.State == "active":
			// The unit runs but does not do its work: one state per row,
			// never "running" under a red light.
			st = tr("not working")
		}
		state := widget.NewLabel(st)
		row := container.NewBorder(nil, nil, container.NewCenter(sized(dot(s.Healthy), 14, 14)), state, name)
		d.services.Add(row)
		said := s.Detail == shown[s.Name]
		shown[s.Name] = s.Detail
		if s.Healthy && s.Detail != "" && s.Detail != s.State && s.Detail != "n/a" && !said && !d.br.OfficeManager {
			// What the probe checked, in words, then possed's own
			// detail ("3 shares, 9 home folders: …").
			var lines []fyne.CanvasObject
			if c := checkDetail(s); c != "" {
				l := wrapped(c)
				if strings.Contains(s.Detail, "WARNING") { // healthy, but something to act on
					l.Importance = widget.WarningImportance
				}
				lines = append(lines, l)
			}
			what := wrapped(s.Detail)
			what.SizeName = theme.SizeNameCaptionText
			if len(lines) == 0 && strings.Contains(s.Detail, "WARNING") {
				what.Importance = widget.WarningImportance
				what.SizeName = theme.SizeNameText
			}
			d.services.Add(container.NewPadded(container.NewVBox(append(lines, what)...)))
		}
		if !s.Healthy {
			// Plain words for everyone; integrators also read possed's
			// technical detail (English, with unit names).
			why := wrapped(serviceProblem(s))
			why.Importance = widget.DangerImportance
			lines := []fyne.CanvasObject{why}
			if !d.br.OfficeManager {
				if c := checkDetail(s); c != "" && c != why.Text {
					lines = append(lines, wrapped(c))
				}
				// possed's detail, unless it only says the unit's state.
				if s.Detail != "" && s.Detail != why.Text && s.Detail != api.UnitDetail(s.Unit, s.State) {
					detail := wrapped(s.Detail)
					detail.SizeName = theme.SizeNameCaptionText
					lines = append(lines, detail)
				}
			}
			what := wrapped(serviceHint(s, d.br.OfficeManager))
			what.TextStyle = fyne.TextStyle{Italic: true}
			d.services.Add(container.NewPadded(container.NewVBox(append(lines, what)...)))
		}
	}
	d.services.Refresh()
}

func (d *Dashboard) showBackup(b api.BackupStatus, err error) {
	ok := true
	var text string
	switch {
	case err != nil:
		text, ok = tr("Cannot read the backup status: %s", errorText(err)), false
	case !b.Configured:
		text, ok = tr("No backup is set up. Add a backup repository to the site template."), false
	case b.Running:
		text = tr("A backup is running now.")
	case b.LastRun == "" && b.NextRun != "":
		// A new box: possed's backup check says OK until the first run is
		// due, and so does the card.
		text = tr("No backup yet: the first runs %s. To make one now, use the Backup screen.", localTime(b.NextRun))
	case b.LastRun == "":
		text, ok = tr("The backup has never run. Start it on the Backup screen."), false
	default:
		t, perr := time.Parse(time.RFC3339, b.LastRun)
		when := b.LastRun
		if perr == nil {
			when = age(d.Now(), t)
		}
		if b.LastResult == "success" {
			text = tr("Last backup succeeded %s.", when)
			if perr == nil && d.Now().Sub(t) > 48*time.Hour {
				text += " " + tr("That is old: check that the box runs at night and the backup disk is reachable.")
				ok = false
			}
		} else {
			text, ok = tr("Last backup FAILED %s. Open the Backup screen and run it again; if it fails again, check the backup disk.", when), false
		}
	}
	d.backup.SetText(text)
	d.backupOK.Objects = []fyne.CanvasObject{container.NewCenter(sized(dot(ok), 14, 14))}
	d.backupOK.Refresh()
}

// usage asks for the shares' disk use and the mail queue; possed answers
// from its last walk of the shares, so this is quick however big they are.
func (d *Dashboard) usage() {
	call(d.br, func(ctx context.Context, be Backend) (api.Usage, error) { return be.Usage(ctx) }, d.showUsage)
}

// Thresholds of the dashboard's warnings.
const (
	// diskLowFraction and diskLowBytes: a filesystem with less free is
	// almost full.
	diskLowFraction = 0.10
	diskLowBytes    = 5 << 30
	// mailStuckAfter: mail waiting longer is stuck.
	mailStuckAfter = time.Hour
)

// shareLabel names a share of Usage for people.
func shareLabel(name string) string {
	if name == "homes" {
		return tr("Home folders")
	}
	return name
}

// showUsage fills the disk use and mail queue cards. An error (a possed
// without Usage, a box without a site) leaves a sentence and no warning.
func (d *Dashboard) showUsage(u api.Usage, err error) {
	d.storage.RemoveAll()
	switch {
	case err != nil:
		d.storage.Add(wrapped(tr("This box does not report disk use.")))
	case len(u.Shares) == 0:
		d.storage.Add(wrapped(tr("No shares are set up.")))
	default:
		d.showShares(u.Shares)
	}
	d.storage.Refresh()
	d.showMailQueue(u.Mail, err)
}

// showShares lists each share's size and the free space of their disks,
// with a light that is red when a disk is almost full.
func (d *Dashboard) showShares(ss []api.ShareUsage) {
	var oldest time.Time
	measuring := false
	type disk struct{ size, free uint64 }
	var disks []disk
	for _, s := range ss {
		size := widget.NewLabel(tr("measuring…"))
		switch {
		case s.Error != "" && s.UsedBytes == 0:
			size.SetText(tr("unreadable"))
		case s.MeasuredAt == "":
			measuring = true
		case !s.Complete:
			size.SetText(tr("over %s", sizeText(s.UsedBytes)))
		default:
			size.SetText(sizeText(s.UsedBytes))
		}
		if t, perr := time.Parse(time.RFC3339, s.MeasuredAt); perr == nil && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
		d.storage.Add(container.NewBorder(nil, nil, nil, size, widget.NewLabel(shareLabel(s.Name))))
		if s.Error != "" {
			why := wrapped(s.Error)
			why.Importance = widget.DangerImportance
			d.storage.Add(container.NewPadded(why))
		}
		if s.SizeBytes > 0 {
			k := disk{s.SizeBytes, s.FreeBytes >> 20 << 20}
			seen := false
			for _, x := range disks {
				seen = seen || x == k
			}
			if !seen {
				disks = append(disks, k)
			}
		}
	}
	for _, k := range disks {
		free := wrapped(tr("Free on the disk: %s of %s", sizeText(k.free), sizeText(k.size)))
		ok := true
		if float64(k.free) < diskLowFraction*float64(k.size) || k.free < diskLowBytes {
			free.Importance = widget.DangerImportance
			free.SetText(free.Text + " " + tr("The disk is almost full: delete or archive old files, or add a disk."))
			ok = false
		}
		d.storage.Add(container.NewBorder(nil, nil, container.NewCenter(sized(dot(ok), 14, 14)), nil, free))
	}
	var when string
	switch {
	case measuring:
		when = tr("Posse is adding up the shares; big shares take a few minutes.")
	case !oldest.IsZero():
		when = tr("Sizes measured %s.", age(d.Now(), oldest))
	}
	if when != "" {
		l := wrapped(when)
		l.SizeName = theme.SizeNameCaptionText
		d.storage.Add(l)
	}
}

// showMailQueue tells how much mail waits; the card is hidden on a box
// without mail.
func (d *Dashboard) showMailQueue(q api.MailQueue, err error) {
	if err != nil || !q.Configured {
		d.mailCard.Hide()
		return
	}
	ok := true
	var text string
	switch {
	case q.Error != "":
		text, ok = q.Error, false
	case q.Messages == 0:
		text = tr("No mail is waiting: everything was delivered.")
	default:
		text = tr("%d messages waiting (%d deferred).", q.Messages, q.Deferred)
		if t, perr := time.Parse(time.RFC3339, q.Oldest); perr == nil {
			text += " " + tr("The oldest arrived %s.", age(d.Now(), t))
			if d.Now().Sub(t) > mailStuckAfter {
				ok = false
				if d.br.OfficeManager {
					text += " " + tr("Tell the administrator: mail is not going out.")
				} else {
					text += " " + tr("Mail that waits for hours is refused by the receiving server or cannot reach it: postqueue -p on the box says why for each message.")
				}
			}
		}
	}
	d.mailq.SetText(text)
	d.mailq.Importance = widget.MediumImportance
	if !ok {
		d.mailq.Importance = widget.DangerImportance
	}
	d.mailq.Refresh()
	d.mailOK.Objects = []fyne.CanvasObject{container.NewCenter(sized(dot(ok), 14, 14))}
	d.mailOK.Refresh()
	d.mailCard.Show()
}
