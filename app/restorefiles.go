// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"path"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// RestoreFilesScreen brings files and folders of a share or a home folder
// back from the backup, by share name and the folders people know, never
// by the box's paths (possed's Backup.ShareSnapshots, BrowseShare and
// RestoreShareFiles). It is office managers' Backup screen: pick the
// backup's date and the share, open folders, tick files, then put them
// back where they were or next to them as a copy.
type RestoreFilesScreen struct {
	win   fyne.Window
	br    *Bridge
	snaps []api.Snapshot // newest first
	// shareNames maps a choice of the share list to the share's name.
	shareNames map[string]string
	date       *widget.Select
	share      *widget.Select
	snap       string
	shareName  string
	dir        string
	entries    []api.Entry
	// ticked are the share-relative paths ticked, in any folder.
	ticked    map[string]bool
	files     *widget.List
	where     *widget.Label
	up        *widget.Button
	inPlace   *widget.Button
	alongside *widget.Button
	empty     *widget.Label
	status    doneLabel
	// last is the last restore's result, for tests.
	last    *api.ShareRestored
	content fyne.CanvasObject
}

// NewRestoreFilesScreen builds the screen.
func NewRestoreFilesScreen(w fyne.Window, br *Bridge) *RestoreFilesScreen {
	s := &RestoreFilesScreen{win: w, br: br, ticked: map[string]bool{}, shareNames: map[string]string{}, status: copiedLabel(), where: bold("")}
	s.date = widget.NewSelect(nil, func(string) { s.pick() })
	s.date.PlaceHolder = tr("Choose the backup's date")
	s.share = widget.NewSelect(nil, func(string) { s.pick() })
	s.share.PlaceHolder = tr("Choose a share")
	s.empty = wrapped("")
	s.empty.Hide()
	s.files = widget.NewList(func() int { return len(s.entries) },
		func() fyne.CanvasObject {
			size := widget.NewLabel("1000.0 MB")
			size.Alignment = fyne.TextAlignTrailing
			name := widget.NewLabel("name")
			name.Truncation = fyne.TextTruncateEllipsis
			right := newColumns([]float32{1, 1.3}, size, widget.NewLabel("2026-11-20 16:42"))
			return container.NewBorder(nil, nil, container.NewHBox(widget.NewCheck("", nil), widget.NewIcon(theme.FolderIcon())), sized(right, 260, 0), name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := s.entries[i]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(path.Base(e.Path))
			left := c.Objects[1].(*fyne.Container)
			check := left.Objects[0].(*widget.Check)
			check.OnChanged = nil
			check.SetChecked(s.ticked[e.Path])
			check.OnChanged = func(on bool) { s.tick(e.Path, on) }
			icon, size := theme.FileIcon(), sizeText(e.Size)
			if e.Type == "dir" {
				icon, size = theme.FolderIcon(), ""
			}
			left.Objects[1].(*widget.Icon).SetResource(icon)
			right := c.Objects[2].(*fyne.Container).Objects[0].(*fyne.Container)
			right.Objects[0].(*widget.Label).SetText(size)
			right.Objects[1].(*widget.Label).SetText(localTime(e.ModTime))
		})
	s.files.OnSelected = func(i widget.ListItemID) {
		s.files.UnselectAll()
		if e := s.entries[i]; e.Type == "dir" {
			s.Open(e.Path)
		} else {
			s.tick(e.Path, !s.ticked[e.Path])
			s.files.RefreshItem(i)
		}
	}
	s.up = widget.NewButtonWithIcon(tr("Up"), theme.MoveUpIcon(), func() {
		if d := path.Dir(s.dir); d != "." {
			s.Open(d)
		} else {
			s.Open("")
		}
	})
	s.up.Disable()
	s.inPlace = widget.NewButtonWithIcon(tr("Put back where it was"), theme.HistoryIcon(), func() { s.ask(false) })
	s.alongside = widget.NewButtonWithIcon(tr("Next to it as a copy"), theme.ContentCopyIcon(), func() { s.ask(true) })
	s.alongside.Importance = widget.HighImportance
	s.buttons()
	return s
}

// Content returns the screen's widget tree.
func (s *RestoreFilesScreen) Content() fyne.CanvasObject {
	if s.content == nil {
		form := widget.NewForm(
			&widget.FormItem{Text: tr("Backup from"), Widget: s.date},
			&widget.FormItem{Text: tr("Share"), Widget: s.share, HintText: tr("A shared folder, or a person's home folder")},
		)
		top := container.NewVBox(heading(tr("Restore files")),
			wrapped(tr("Bring back files from the nightly backup. Choose the date and the share, open folders by clicking them and tick the files or folders to restore. \"Next to it as a copy\" keeps the current file and adds the old one as \"NAME (restored DATE)\"; \"Put back where it was\" replaces the current file with the one from the backup.")),
			form, container.NewBorder(nil, nil, s.up, nil, s.where), s.empty)
		bottom := container.NewVBox(s.status, container.NewHBox(s.alongside, s.inPlace))
		s.content = container.NewBorder(top, bottom, nil, nil, s.files)
	}
	return s.content
}

// Reload fetches the backups and the shares.
func (s *RestoreFilesScreen) Reload() {
	call(s.br, func(ctx context.Context, be Backend) (api.ShareBackups, error) { return be.ShareSnapshots(ctx) },
		func(r api.ShareBackups, err error) {
			if err != nil {
				showError(s.win, tr("Cannot read the backups"), err)
				return
			}
			snaps := append([]api.Snapshot(nil), r.Snapshots...)
			sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].Time > snaps[j].Time })
			s.snaps = snaps
			var dates []string
			for _, sn := range snaps {
				dates = append(dates, s.dateLabel(sn))
			}
			names := map[string]string{}
			var shares []string
			for _, n := range r.Shares {
				names[n] = n
				shares = append(shares, n)
			}
			for _, u := range r.Homes {
				l := tr("Home folder of %s", u)
				names[l] = u
				shares = append(shares, l)
			}
			s.shareNames = names
			s.date.Options, s.share.Options = dates, shares
			if len(dates) == 0 {
				s.empty.SetText(tr("There is no backup yet. The administrator can start one."))
				s.empty.Show()
			}
			s.date.Refresh()
			s.share.Refresh()
			if len(dates) > 0 && s.date.SelectedIndex() < 0 {
				s.date.SetSelectedIndex(0)
			}
		})
}

// dateLabel names a backup by its day and time.
func (s *RestoreFilesScreen) dateLabel(sn api.Snapshot) string {
	t, err := time.Parse(time.RFC3339, sn.Time)
	if err != nil {
		return sn.Time
	}
	return weekday(inBox(t)) + " " + dateTime(t)
}

// pick opens the chosen share in the chosen backup.
func (s *RestoreFilesScreen) pick() {
	i := s.date.SelectedIndex()
	name := s.shareNames[s.share.Selected]
	if i < 0 || i >= len(s.snaps) || name == "" {
		return
	}
	if s.snap != s.snaps[i].ID || s.shareName != name {
		s.ticked = map[string]bool{}
	}
	s.snap, s.shareName = s.snaps[i].ID, name
	s.Open("")
}

// Open lists a folder of the chosen share ("" for its top).
func (s *RestoreFilesScreen) Open(dir string) {
	snap, share := s.snap, s.shareName
	call(s.br, func(ctx context.Context, be Backend) ([]api.Entry, error) {
		return be.BrowseShare(ctx, snap, share, dir)
	},
		func(r []api.Entry, err error) {
			if err != nil {
				showError(s.win, tr("Cannot open the folder in the backup"), err)
				return
			}
			sort.SliceStable(r, func(i, j int) bool {
				if (r[i].Type == "dir") != (r[j].Type == "dir") {
					return r[i].Type == "dir"
				}
				return strings.ToLower(r[i].Path) < strings.ToLower(r[j].Path)
			})
			s.dir, s.entries = dir, r
			s.where.SetText(path.Join(s.share.Selected, dir))
			if dir == "" {
				s.up.Disable()
			} else {
				s.up.Enable()
			}
			if len(r) == 0 {
				s.empty.SetText(tr("This folder was empty in that backup."))
				s.empty.Show()
			} else {
				s.empty.Hide()
			}
			s.files.Refresh()
		})
}

// tick marks a file or folder for the restore.
func (s *RestoreFilesScreen) tick(p string, on bool) {
	if on {
		s.ticked[p] = true
	} else {
		delete(s.ticked, p)
	}
	s.buttons()
}

// Ticked returns the ticked paths, sorted.
func (s *RestoreFilesScreen) Ticked() []string {
	out := make([]string, 0, len(s.ticked))
	for p := range s.ticked {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (s *RestoreFilesScreen) buttons() {
	if len(s.ticked) == 0 {
		s.inPlace.Disable()
		s.alongside.Disable()
		return
	}
	s.inPlace.Enable()
	s.alongside.Enable()
}

// ask restores the ticked files next to the current ones, or after a
// question in their place.
func (s *RestoreFilesScreen) ask(alongside bool) {
	paths := s.Ticked()
	if len(paths) == 0 {
		showError(s.win, tr("Cannot restore"), errors.New(tr("Tick the files or folders to restore first.")))
		return
	}
	if alongside {
		s.restore(paths, true)
		return
	}
	what := paths[0]
	if len(paths) > 1 {
		what = tr("%d files and folders", len(paths))
	}
	when := s.date.Selected
	confirm(s.win, tr("Put back %s?", what),
		tr("The version from the backup of %s replaces the current one in %s. What the file holds now is lost; a folder keeps the files made since.", when, s.share.Selected),
		tr("Put back"), func() { s.restore(paths, false) })
}

func (s *RestoreFilesScreen) restore(paths []string, alongside bool) {
	snap, share, label := s.snap, s.shareName, s.share.Selected
	s.inPlace.Disable()
	s.alongside.Disable()
	call(s.br, func(ctx context.Context, be Backend) (api.ShareRestored, error) {
		return be.RestoreShareFiles(ctx, snap, share, paths, alongside)
	}, func(r api.ShareRestored, err error) {
		s.buttons()
		if err != nil {
			showError(s.win, tr("Cannot restore the files"), err)
			return
		}
		s.last = &r
		s.ticked = map[string]bool{}
		s.buttons()
		s.files.Refresh()
		if len(r.Paths) == 1 {
			s.status.say(tr("Restored %s in %s as it was on %s.", r.Paths[0], label, localTime(r.Time)))
		} else {
			s.status.say(tr("Restored %d files and folders in %s as they were on %s: %s.", len(r.Paths), label, localTime(r.Time), strings.Join(r.Paths, ", ")))
		}
	})
}
