// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// alerts asks possed for the problems the alerts' last check run left
// open (possed only reads them; posse-notify.timer checks).
func (d *Dashboard) alerts() {
	call(d.br, func(ctx context.Context, be Backend) (api.Alerts, error) { return be.Alerts(ctx) }, d.showAlerts)
}

// showAlerts fills the alerts' card: each open problem with since when and
// what to do (for office managers: to tell the administrator), or that
// there is none and who gets the mails. The card is
// hidden without alerts in the site, and when possed cannot say.
func (d *Dashboard) showAlerts(a api.Alerts, err error) {
	d.alertList.RemoveAll()
	if err != nil || !a.Configured {
		d.alertCard.Hide()
		return
	}
	d.alertCard.Show()
	if len(a.Open) == 0 {
		d.alertList.Add(wrapped(tr("No open problems. Alerts go by mail to %s.", strings.Join(a.To, ", "))))
	}
	for _, o := range a.Open {
		since := o.Since
		if t, perr := time.Parse(time.RFC3339, o.Since); perr == nil {
			since = dateTime(t) + " (" + age(d.Now(), t) + ")"
		}
		title := alertTitle(o)
		var body []fyne.CanvasObject
		if d.br.OfficeManager {
			// Plain words only: when, and whether the administrator knows.
			told := tr("Tell the administrator: they get this alert by mail too.")
			if o.LastMail != "" {
				told = tr("The administrator has been told by mail.")
			}
			when := wrapped(tr("Since %s.", since))
			when.Importance = widget.DangerImportance
			next := wrapped(told)
			next.TextStyle = fyne.TextStyle{Italic: true}
			body = []fyne.CanvasObject{when, next}
		} else {
			// possed's technical words (English) under the plain
			// headline, and what to do in the UI's language.
			what := wrapped(tr("Since %s: %s", since, o.What))
			what.Importance = widget.DangerImportance
			next := wrapped(alertNext(o))
			next.TextStyle = fyne.TextStyle{Italic: true}
			body = []fyne.CanvasObject{what, next}
			if alertKnown(o) {
				subject := wrapped(o.Subject)
				subject.SizeName = theme.SizeNameCaptionText
				body = append([]fyne.CanvasObject{subject}, body...)
			}
		}
		d.alertList.Add(container.NewVBox(
			container.NewBorder(nil, nil, container.NewCenter(sized(dot(false), 14, 14)), nil, boldWrapped(title)),
			container.NewPadded(container.NewVBox(body...))))
	}
	d.alertList.Refresh()
}
