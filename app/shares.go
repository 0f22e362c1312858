// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"net"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// SharesScreen lists the shared folders with who may read and write them
// and whether deleted files go to a recycle bin; shares can be added,
// changed and removed (their files stay). possed writes each change into
// the box's site template and applies it (Shares.Set, Shares.Delete), so
// the next apply of that template keeps it; the screen says so.
type SharesScreen struct {
	win    fyne.Window
	br     *Bridge
	shares []api.Share
	usage  map[string]api.ShareUsage
	list   *widget.List
	// status says what the last change did.
	status doneLabel
	// Now is the clock for the age of the sizes.
	Now     func() time.Time
	content fyne.CanvasObject
}

// NewSharesScreen builds the screen.
func NewSharesScreen(w fyne.Window, br *Bridge) *SharesScreen {
	s := &SharesScreen{win: w, br: br, Now: time.Now, status: copiedLabel()}
	s.list = widget.NewList(func() int { return len(s.shares) },
		func() fyne.CanvasObject {
			perms := widget.NewButtonWithIcon("", theme.VisibilityIcon(), nil)
			edit := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil)
			del := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
			info := container.NewVBox(bold("Name"), widget.NewLabel("path"), widget.NewLabel("access"), widget.NewLabel("usage"))
			return container.NewBorder(nil, nil, container.NewCenter(widget.NewIcon(theme.FolderIcon())), container.NewCenter(container.NewHBox(perms, edit, del)), info)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			sh := s.shares[i]
			c := o.(*fyne.Container)
			info := c.Objects[0].(*fyne.Container)
			title := sh.Name
			if sh.Description != "" {
				title += " — " + sh.Description
			}
			info.Objects[0].(*widget.Label).SetText(title)
			path := s.unc(sh.Name) + "   (" + sh.Path + ")"
			if sh.RecycleBin {
				path += "   · " + tr("recycle bin")
			}
			info.Objects[1].(*widget.Label).SetText(path)
			info.Objects[2].(*widget.Label).SetText(tr("Read and write: %s   Read only: %s", who(sh.Write), who(sh.Read)))
			used := info.Objects[3].(*widget.Label)
			u, ok := s.usage[strings.ToLower(sh.Name)]
			used.SetText(s.usageText(u))
			used.Importance = widget.MediumImportance
			if u.Error != "" {
				used.Importance = widget.DangerImportance
			}
			used.Refresh()
			if ok {
				used.Show()
			} else {
				used.Hide()
			}
			btns := c.Objects[2].(*fyne.Container).Objects[0].(*fyne.Container)
			btns.Objects[0].(*widget.Button).OnTapped = func() { s.permissions(sh) }
			btns.Objects[1].(*widget.Button).OnTapped = func() { s.edit(sh, false) }
			btns.Objects[2].(*widget.Button).OnTapped = func() { s.delete(sh) }
		})
	s.list.OnSelected = func(i widget.ListItemID) { s.list.UnselectAll() }
	return s
}

// unc is the network path of a share: the box's host name, as the
// office's computers reach it (the connection's name may be an SSH login).
func (s *SharesScreen) unc(name string) string {
	host := s.br.Hostname
	if host == "" { // the connection's name, without the SSH login
		host = s.br.Box[strings.LastIndexByte(s.br.Box, '@')+1:]
	}
	if net.ParseIP(host) == nil {
		host, _, _ = strings.Cut(host, ".")
	}
	return `\\` + host + `\` + name
}

func who(list []string) string {
	if len(list) == 0 {
		return tr("nobody")
	}
	return strings.Join(list, ", ")
}

// Content returns the screen's widget tree.
func (s *SharesScreen) Content() fyne.CanvasObject {
	if s.content == nil {
		add := widget.NewButtonWithIcon(tr("New share…"), theme.ContentAddIcon(), func() { s.edit(api.Share{RecycleBin: true}, true) })
		top := container.NewVBox(container.NewBorder(nil, nil, nil, add, heading(tr("Shares"))),
			wrapped(tr("Which groups may open each shared folder over the network. Changes made here go into the box's site template.")),
			s.status)
		s.content = container.NewBorder(top, nil, nil, nil, s.list)
	}
	return s.content
}

// Reload fetches the shares and their disk use (left out when the box
// does not report it).
func (s *SharesScreen) Reload() {
	type data struct {
		shares []api.Share
		usage  api.Usage
	}
	call(s.br, func(ctx context.Context, be Backend) (data, error) {
		var r data
		var err error
		if r.shares, err = be.Shares(ctx); err != nil {
			return r, err
		}
		r.usage, _ = be.Usage(ctx)
		return r, nil
	}, func(r data, err error) {
		if err != nil {
			showError(s.win, tr("Cannot list the shares"), err)
			return
		}
		s.shares = r.shares
		s.usage = map[string]api.ShareUsage{}
		for _, u := range r.usage.Shares {
			s.usage[strings.ToLower(u.Name)] = u
		}
		s.list.Refresh()
	})
}

// usageText says how much a share holds and since when.
func (s *SharesScreen) usageText(u api.ShareUsage) string {
	switch {
	case u.Error != "" && u.UsedBytes == 0:
		return u.Error
	case u.MeasuredAt == "":
		return tr("Size: Posse is adding it up.")
	}
	size := sizeText(u.UsedBytes)
	if !u.Complete {
		size = tr("over %s", size)
	}
	var text string
	switch u.Files {
	case 0:
		text = tr("No files yet")
	case 1:
		text = tr("Uses %s in one file", size)
	default:
		text = tr("Uses %s in %d files", size, u.Files)
	}
	if t, err := time.Parse(time.RFC3339, u.MeasuredAt); err == nil {
		text += " (" + age(s.Now(), t) + ")"
	}
	if u.SizeBytes > 0 {
		text += "   · " + tr("%s free on the disk", sizeText(u.FreeBytes))
	}
	return text
}

func splitList(s string) []string {
	var r []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		r = append(r, f)
	}
	return r
}

func (s *SharesScreen) edit(sh api.Share, isNew bool) {
	name, path, desc := newEntry(), newEntry(), newEntry()
	read, write := newEntry(), newEntry()
	name.SetText(sh.Name)
	path.SetText(sh.Path)
	desc.SetText(sh.Description)
	read.SetText(strings.Join(sh.Read, ", "))
	write.SetText(strings.Join(sh.Write, ", "))
	name.Validator = validator(required)
	path.Validator = validator(func(p string) string {
		if p != "" && !strings.HasPrefix(p, "/srv/") { // empty: the default folder
			return tr("Use a folder inside /srv.")
		}
		return ""
	})
	path.SetPlaceHolder("/srv/posse/shares/projekte")
	write.SetPlaceHolder("alle, buchhaltung")
	if !isNew {
		name.Disable()
	}
	bin := newCheck(tr("Keep deleted files in a recycle bin"), nil)
	bin.SetChecked(sh.RecycleBin)
	title := tr("Change share %s", sh.Name)
	if isNew {
		title = tr("New share")
	}
	note := wrapped(tr("Posse writes the share into the box's site template and applies it, so later applies keep it. If you keep your own copy of the template, export the box afterwards (Site template → Export box…): applying an older copy removes the share again."))
	form := widget.NewForm(
		widget.NewFormItem(tr("Name"), name), &widget.FormItem{Text: tr("Folder"), Widget: path, HintText: tr("Inside /srv; leave it empty for /srv/posse/shares/NAME")}, widget.NewFormItem(tr("Description (optional)"), desc),
		widget.NewFormItem(tr("Groups that read and write"), write), widget.NewFormItem(tr("Groups that only read"), read), widget.NewFormItem("", bin),
	)
	d := dialog.NewCustomWithoutButtons(title, container.NewVBox(note, form), s.win)
	form.SubmitText, form.CancelText = tr("Save"), tr("Cancel")
	form.OnCancel = d.Hide
	form.OnSubmit = func() {
		d.Hide()
		n := api.Share{Name: name.Text, Path: path.Text, Description: desc.Text, Read: splitList(read.Text), Write: splitList(write.Text), RecycleBin: bin.Checked}
		s.br.do(func(ctx context.Context, be Backend) error { return be.SetShare(ctx, n) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot save the share"), err)
			} else {
				s.status.say(tr("Saved %s into the site template and applied it.", n.Name))
			}
			s.Reload()
		})
	}
	d.Resize(fyne.NewSize(600, 0))
	showDialog(s.win, d)
}

func (s *SharesScreen) delete(sh api.Share) {
	confirm(s.win, tr("Remove the share %s?", sh.Name), tr("Nobody can open it over the network any more. The files in %s stay on the box.", sh.Path), tr("Remove"), func() {
		s.br.do(func(ctx context.Context, be Backend) error { return be.DeleteShare(ctx, sh.Name) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot remove the share"), err)
			} else {
				s.status.say(tr("Removed %s from the site template and applied it; its files stay.", sh.Name))
			}
			s.Reload()
		})
	})
}
