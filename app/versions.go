// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// VersionsScreen brings back a file or folder of a share as it was in an
// earlier snapshot (Previous Versions), next to the current one or in its
// place, through possed (Shares.Versions, Shares.RestoreVersion). Office
// managers may use it: it is the call for "I overwrote the budget".
type VersionsScreen struct {
	win   fyne.Window
	br    *Bridge
	share *widget.SelectEntry
	// choices are the shares offered.
	choices  []string
	path     *entry
	versions []api.FileVersion
	// shown is the share and path the list holds versions of.
	shown   [2]string
	list    *widget.List
	empty   *widget.Label
	status  doneLabel
	content fyne.CanvasObject
}

// NewVersionsScreen builds the screen.
func NewVersionsScreen(w fyne.Window, br *Bridge) *VersionsScreen {
	s := &VersionsScreen{win: w, br: br, status: copiedLabel(), path: newEntry(), share: widget.NewSelectEntry(nil)}
	s.share.SetPlaceHolder("akten")
	s.path.SetPlaceHolder("Mandanten/Budget 2026.xlsx")
	s.path.OnSubmitted = func(string) { s.show() }
	s.empty = wrapped("")
	s.empty.Hide()
	s.list = widget.NewList(func() int { return len(s.versions) },
		func() fyne.CanvasObject {
			next := widget.NewButtonWithIcon(tr("Restore next to it"), theme.ContentCopyIcon(), nil)
			next.Importance = widget.HighImportance
			replace := widget.NewButtonWithIcon(tr("Replace with this version"), theme.HistoryIcon(), nil)
			info := container.NewVBox(bold("time"), widget.NewLabel("modified"))
			return container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(next, replace)), info)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			v := s.versions[i]
			c := o.(*fyne.Container)
			info := c.Objects[0].(*fyne.Container)
			info.Objects[0].(*widget.Label).SetText(tr("Snapshot of %s", localTime(v.Time)))
			detail := tr("Changed %s", localTime(v.Modified))
			if v.Folder {
				detail += "   · " + tr("folder")
			} else {
				detail += "   · " + sizeText(v.Size)
			}
			info.Objects[1].(*widget.Label).SetText(detail)
			btns := c.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container)
			btns.Objects[0].(*widget.Button).OnTapped = func() { s.restore(v, true) }
			btns.Objects[1].(*widget.Button).OnTapped = func() { s.restore(v, false) }
		})
	s.list.OnSelected = func(widget.ListItemID) { s.list.UnselectAll() }
	return s
}

// Content returns the screen's widget tree.
func (s *VersionsScreen) Content() fyne.CanvasObject {
	if s.content == nil {
		find := widget.NewButtonWithIcon(tr("Show versions"), theme.SearchIcon(), s.show)
		form := widget.NewForm(
			&widget.FormItem{Text: tr("Share"), Widget: s.share, HintText: tr("A shared folder, or a person's user name for their home folder")},
			&widget.FormItem{Text: tr("File or folder"), Widget: s.path, HintText: tr("The path inside the share, as Explorer shows it")},
		)
		top := container.NewVBox(heading(tr("Previous versions")),
			wrapped(tr("Bring back a file or folder as it was when a snapshot was taken. Restoring next to it keeps the current file and adds the old one as \"NAME (restored DATE)\"; replacing puts the old version in its place. People see the same versions in Windows Explorer: Properties → Previous Versions.")),
			form, container.NewHBox(find), s.status, s.empty)
		s.content = container.NewBorder(top, nil, nil, nil, s.list)
	}
	return s.content
}

// Reload offers the box's shares (from the disk use, which office
// managers may read) as choices.
func (s *VersionsScreen) Reload() {
	call(s.br, func(ctx context.Context, be Backend) (api.Usage, error) { return be.Usage(ctx) }, func(u api.Usage, err error) {
		if err != nil {
			return // the share can still be typed
		}
		var names []string
		for _, sh := range u.Shares {
			if !strings.EqualFold(sh.Name, "homes") { // a home folder goes by its user name
				names = append(names, sh.Name)
			}
		}
		s.choices = names
		s.share.SetOptions(names)
	})
}

// show lists the versions of the share's path.
func (s *VersionsScreen) show() {
	share, p := strings.TrimSpace(s.share.Text), strings.TrimSpace(s.path.Text)
	if share == "" || p == "" {
		showError(s.win, tr("Cannot list the versions"), errors.New(tr("Choose a share and type the path of a file or folder in it.")))
		return
	}
	call(s.br, func(ctx context.Context, be Backend) ([]api.FileVersion, error) { return be.Versions(ctx, share, p) },
		func(list []api.FileVersion, err error) {
			if err != nil {
				showError(s.win, tr("Cannot list the versions"), err)
				return
			}
			s.versions, s.shown = list, [2]string{share, p}
			if len(list) == 0 {
				s.empty.SetText(tr("No snapshot holds %s in %s yet.", p, share))
				s.empty.Show()
			} else {
				s.empty.Hide()
			}
			s.list.Refresh()
		})
}

// restore brings the version back, next to the current file or, after a
// question, in its place.
func (s *VersionsScreen) restore(v api.FileVersion, alongside bool) {
	share, p := s.shown[0], s.shown[1]
	at, _ := time.Parse(time.RFC3339, v.Time)
	run := func() {
		call(s.br, func(ctx context.Context, be Backend) (api.VersionRestored, error) {
			return be.RestoreVersion(ctx, share, p, at, alongside)
		}, func(r api.VersionRestored, err error) {
			if err != nil {
				showError(s.win, tr("Cannot restore the version"), err)
				return
			}
			if r.Files == 1 {
				s.status.say(tr("Restored %s in %s as it was on %s (%s).", r.Path, r.Share, localTime(r.Time), sizeText(r.Bytes)))
			} else {
				s.status.say(tr("Restored %s in %s as it was on %s (%d files, %s).", r.Path, r.Share, localTime(r.Time), r.Files, sizeText(r.Bytes)))
			}
			s.show()
		})
	}
	if alongside {
		run()
		return
	}
	confirm(s.win, tr("Replace %s?", p), tr("The version of %s takes the place of the current %s. A folder keeps the files made since; its other files go back to that time. What they hold now is lost unless a later snapshot has it.", localTime(v.Time), p), tr("Replace"), run)
}
