// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// MailScreen lists the mail aliases (shared addresses such as info@) and
// where they deliver; aliases can be added, changed and removed.
type MailScreen struct {
	win     fyne.Window
	br      *Bridge
	aliases []api.Alias
	list    *widget.List
	content fyne.CanvasObject
}

// NewMailScreen builds the screen.
func NewMailScreen(w fyne.Window, br *Bridge) *MailScreen {
	s := &MailScreen{win: w, br: br}
	s.list = widget.NewList(func() int { return len(s.aliases) },
		func() fyne.CanvasObject {
			btns := container.NewHBox(widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil), widget.NewButtonWithIcon("", theme.DeleteIcon(), nil))
			to := widget.NewLabel("to")
			to.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, btns, container.NewGridWithColumns(2, bold("address"), to))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			a := s.aliases[i]
			c := o.(*fyne.Container)
			cols := c.Objects[0].(*fyne.Container)
			cols.Objects[0].(*widget.Label).SetText(a.Address)
			cols.Objects[1].(*widget.Label).SetText("→ " + strings.Join(a.To, ", "))
			btns := c.Objects[1].(*fyne.Container)
			btns.Objects[0].(*widget.Button).OnTapped = func() { s.edit(a, false) }
			btns.Objects[1].(*widget.Button).OnTapped = func() { s.delete(a) }
		})
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	return s
}

// Content returns the screen's widget tree.
func (s *MailScreen) Content() fyne.CanvasObject {
	if s.content == nil {
		add := widget.NewButtonWithIcon(tr("New alias…"), theme.ContentAddIcon(), func() { s.edit(api.Alias{}, true) })
		top := container.NewVBox(container.NewBorder(nil, nil, nil, add, heading(tr("Mail aliases"))),
			wrapped(tr("An alias is a shared address: mail to it goes to the people listed. Each person's own mailbox is set on the Users screen.")))
		s.content = container.NewBorder(top, nil, nil, nil, s.list)
	}
	return s.content
}

// Reload fetches the aliases.
func (s *MailScreen) Reload() {
	call(s.br, func(ctx context.Context, be Backend) ([]api.Alias, error) { return be.Aliases(ctx) },
		func(r []api.Alias, err error) {
			if err != nil {
				showError(s.win, tr("Cannot list the mail aliases"), err)
				return
			}
			s.aliases = r
			s.list.Refresh()
		})
}

func (s *MailScreen) edit(a api.Alias, isNew bool) {
	addr, to := newEntry(), newEntry()
	addr.SetText(a.Address)
	to.SetText(strings.Join(a.To, ", "))
	addr.SetPlaceHolder("info@example.de")
	to.SetPlaceHolder("anna.mueller, buchhaltung@example.de")
	addr.Validator = validator(func(v string) string {
		if v == "" {
			return required(v)
		}
		return CheckEmail(v)
	})
	to.Validator = validator(required)
	if !isNew {
		addr.Disable()
	}
	title := tr("New alias")
	if !isNew {
		title = tr("Change alias %s", a.Address)
	}
	d := dialog.NewForm(title, tr("Save"), tr("Cancel"), []*widget.FormItem{
		widget.NewFormItem(tr("Address"), addr), widget.NewFormItem(tr("Deliver to"), to),
	}, func(ok bool) {
		if !ok {
			return
		}
		n := api.Alias{Address: addr.Text, To: splitList(to.Text)}
		s.br.do(func(ctx context.Context, be Backend) error { return be.SetAlias(ctx, n) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot save the alias"), err)
			}
			s.Reload()
		})
	}, s.win)
	d.Resize(fyne.NewSize(560, 0))
	showDialog(s.win, d)
}

func (s *MailScreen) delete(a api.Alias) {
	confirm(s.win, tr("Remove the alias %s?", a.Address), tr("Mail to this address will bounce from now on."), tr("Remove"), func() {
		s.br.do(func(ctx context.Context, be Backend) error { return be.DeleteAlias(ctx, a.Address) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot remove the alias"), err)
			}
			s.Reload()
		})
	})
}
