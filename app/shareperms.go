// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// permissions shows the Windows permissions of a share's root and, on
// request, of a folder or file in it (Shares.Permissions; it changes
// nothing).
func (s *SharesScreen) permissions(sh api.Share) {
	folder := newEntry()
	folder.SetPlaceHolder(`Mandanten\Intern`)
	body := container.NewVBox()
	show := func() {
		p := strings.Trim(strings.ReplaceAll(strings.TrimSpace(folder.Text), `\`, "/"), "/")
		call(s.br, func(ctx context.Context, be Backend) (api.Permissions, error) {
			return be.Permissions(ctx, sh.Name, p)
		}, func(r api.Permissions, err error) {
			if err != nil {
				l := wrapped(errorText(err))
				l.Importance = widget.DangerImportance
				body.Objects = []fyne.CanvasObject{l}
			} else {
				body.Objects = []fyne.CanvasObject{permissionsView(r)}
			}
			body.Refresh()
		})
	}
	folder.OnSubmitted = func(string) { show() }
	look := widget.NewButton(tr("Show"), show)
	note := wrapped(tr("These are Windows permissions. A domain admin changes them in Explorer (Properties, Security). The share's own permissions and those of the folders in the site template come from the template, and the next apply puts them back; exporting the box adopts changes made in Explorer."))
	top := container.NewVBox(note, container.NewBorder(nil, nil, widget.NewLabel(tr("Folder inside the share")), look, folder))
	d := dialog.NewCustom(tr("Permissions of %s", sh.Name), tr("Close"), container.NewBorder(top, nil, nil, nil, container.NewVScroll(body)), s.win)
	d.Resize(fyne.NewSize(860, 560))
	showDialog(s.win, d)
	show()
}

// permissionsView lays out one ACL: where it is, whether the template
// sets it, owner, inheritance, and its entries as a table.
func permissionsView(p api.Permissions) fyne.CanvasObject {
	where := p.Share
	if p.Path != "" {
		where += `\` + strings.ReplaceAll(p.Path, "/", `\`)
	}
	rows := []fyne.CanvasObject{bold(where)}
	switch p.Template {
	case "share":
		rows = append(rows, wrapped(tr("Set by the site template (the share's groups and deny list): the next apply puts them back.")))
	case "folder":
		rows = append(rows, wrapped(tr("Set by the site template (one of the share's folders): the next apply puts them back.")))
	}
	rows = append(rows, widget.NewLabel(tr("Owner: %s", p.Owner)))
	if p.Inherits {
		rows = append(rows, widget.NewLabel(tr("Inherits the permissions of the folder above.")))
	} else {
		rows = append(rows, widget.NewLabel(tr("Inheritance is off: only the permissions set here count.")))
	}
	grid := container.New(layout.NewGridLayoutWithColumns(4), bold(tr("Who")), bold(tr("Access")), bold(tr("Applies to")), bold(tr("Where from")))
	for _, e := range p.Entries {
		access := widget.NewLabel(tr("Allow: %s", permWord(e.Rights)))
		if e.Deny {
			access.SetText(tr("Deny: %s", permWord(e.Rights)))
			access.Importance = widget.DangerImportance
		}
		from := tr("set here")
		if e.Inherited {
			from = tr("inherited")
		}
		grid.Add(widget.NewLabel(e.Account))
		grid.Add(access)
		grid.Add(widget.NewLabel(permWord(e.AppliesTo)))
		grid.Add(widget.NewLabel(from))
	}
	return container.NewVBox(append(rows, grid)...)
}

// permWord translates the rights and "applies to" words possed uses;
// others (a mask in hex) stay as they are.
func permWord(s string) string {
	switch s {
	case "full control":
		return tr("full control")
	case "modify":
		return tr("modify")
	case "read & execute":
		return tr("read & execute")
	case "this folder, subfolders and files":
		return tr("this folder, subfolders and files")
	case "subfolders and files only":
		return tr("subfolders and files only")
	case "this folder only":
		return tr("this folder only")
	case "files only":
		return tr("files only")
	}
	return s
}
