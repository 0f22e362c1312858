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
	note     *widget.Label
	setup    *fyne.Container
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
		setup: container.NewVBox()}
}

// Content returns the screen's widget tree.
func (d *Dashboard) Content() fyne.CanvasObject {
	reload := widget.NewButtonWithIcon(tr("Refresh"), theme.ViewRefreshIcon(), d.Reload)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(reload), container.NewVBox(heading(tr("Dashboard")), d.site)), d.setup)
	svc := card(tr("Services"), d.services)
	backup := card(tr("Backup"), container.NewBorder(nil, nil, d.backupOK, nil, d.backup))
	users := card(tr("Users"), d.users)
	right := container.NewVBox(backup, users, d.note)
	return container.NewBorder(top, nil, nil, nil,
		container.NewVScroll(container.NewGridWithColumns(2, container.NewVBox(svc), right)))
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
		}
		d.showBackup(r.bk, r.bkErr)
		if r.usrErr != nil {
			d.users.SetText(tr("not readable with your account"))
		} else {
			d.users.SetText(tr("%d users", r.users))
		}
		if d.br.OfficeManager {
			d.note.SetText(tr("You see this box as office manager: you can manage users and passwords. Ask the administrator for anything else."))
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
		if s.Unit == "" {
			// No unit of its own (shares, backup): the probe's verdict.
			st = tr("OK")
			if !s.Healthy {
				st = tr("problem")
			}
		}
		state := widget.NewLabel(st)
		row := container.NewBorder(nil, nil, container.NewCenter(sized(dot(s.Healthy), 14, 14)), state, name)
		d.services.Add(row)
		said := s.Detail == shown[s.Name]
		shown[s.Name] = s.Detail
		if s.Healthy && s.Detail != "" && s.Detail != s.State && s.Detail != "n/a" && !said {
			// What the probe checked ("3 shares, 9 home folders: …").
			what := wrapped(s.Detail)
			what.SizeName = theme.SizeNameCaptionText
			d.services.Add(container.NewPadded(what))
		}
		if !s.Healthy {
			why := wrapped(s.Detail)
			why.Importance = widget.DangerImportance
			what := wrapped(serviceHint(s, d.br.OfficeManager))
			what.TextStyle = fyne.TextStyle{Italic: true}
			d.services.Add(container.NewPadded(container.NewVBox(why, what)))
		}
	}
	d.services.Refresh()
}

func (d *Dashboard) showBackup(b api.BackupStatus, err error) {
	ok := true
	var text string
	switch {
	case err != nil:
		text, ok = tr("Cannot read the backup status: %v", err), false
	case !b.Configured:
		text, ok = tr("No backup is set up. Add a backup repository to the site template."), false
	case b.Running:
		text = tr("A backup is running now.")
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
