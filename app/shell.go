// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/internal/version"
)

// screen is one page of the main window.
type screen interface {
	// Content returns the page's widget tree (built once).
	Content() fyne.CanvasObject
	// Reload fetches the page's data again.
	Reload()
}

type navItem struct {
	id, title string
	icon      fyne.Resource
	make      func() screen
}

// Shell is the main window: the connected box's name on top, the
// navigation on the left and the chosen screen on the right. In
// office-manager mode only Dashboard (read-only), Users, Previous
// versions and Restore files (their Backup screen: files of the shares
// by share name, without box paths) are offered; administrators have
// the full Backup screen instead.
type Shell struct {
	win     fyne.Window
	br      *Bridge
	opts    Options
	items   []navItem
	screens map[string]screen
	nav     *widget.List
	body    *fyne.Container
	current string
	// OnSwitchBox is called when the person wants another box.
	OnSwitchBox func()
	stop        chan struct{}
}

// refreshEvery is how often the dashboard reloads while it is shown.
const refreshEvery = 30 * time.Second

// StartRefresh reloads the dashboard every refreshEvery while it is
// shown, until Stop.
func (s *Shell) StartRefresh() {
	s.stop = make(chan struct{})
	stop := s.stop
	go func() {
		t := time.NewTicker(refreshEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fyne.Do(func() {
					if d, ok := s.screens["dashboard"]; ok && s.current == "dashboard" {
						d.Reload()
					}
				})
			}
		}
	}()
}

// Stop ends the periodic refresh.
func (s *Shell) Stop() {
	if s.stop != nil {
		close(s.stop)
		s.stop = nil
	}
}

// NewShell builds the main window's content for a connected box.
func NewShell(w fyne.Window, br *Bridge, o Options) *Shell {
	s := &Shell{win: w, br: br, opts: o, screens: map[string]screen{}, body: container.NewStack()}
	s.buildNav()
	w.SetTitle(s.Title())
	return s
}

// LearnZone asks the box for its time zone, in which every date and time
// is shown from then on, and shows the open screen again with it.
func (s *Shell) LearnZone() {
	call(s.br, func(ctx context.Context, be Backend) (struct{}, error) {
		learnZone(ctx, be)
		return struct{}{}, nil
	}, func(struct{}, error) {
		if sc, ok := s.screens[s.current]; ok {
			sc.Reload()
		}
	})
}

// buildNav makes the navigation in the current language: the screens
// this role is offered.
func (s *Shell) buildNav() {
	w, br, o := s.win, s.br, s.opts
	s.items = nil
	all := []navItem{
		{"dashboard", tr("Dashboard"), theme.HomeIcon(), func() screen { return NewDashboard(w, br) }},
		{"users", tr("Users"), theme.AccountIcon(), func() screen { return NewUsersScreen(w, br) }},
		{"groups", tr("Groups"), theme.ListIcon(), func() screen { return NewGroupsScreen(w, br) }},
		{"shares", tr("Shares"), theme.FolderIcon(), func() screen { return NewSharesScreen(w, br) }},
		{"mail", tr("Mail"), theme.MailComposeIcon(), func() screen { return NewMailScreen(w, br) }},
		{"versions", tr("Previous versions"), theme.MediaReplayIcon(), func() screen { return NewVersionsScreen(w, br) }},
		{"backup", tr("Backup"), theme.HistoryIcon(), func() screen { return NewBackupScreen(w, br) }},
		{"restore", tr("Restore files"), theme.DownloadIcon(), func() screen { return NewRestoreFilesScreen(w, br) }},
		{"template", tr("Site template"), theme.DocumentIcon(), func() screen { return NewTemplateScreen(w, br, o.Template) }},
	}
	for _, it := range all {
		if br.OfficeManager && it.id != "dashboard" && it.id != "users" && it.id != "versions" && it.id != "restore" {
			continue
		}
		if !br.OfficeManager && it.id == "restore" {
			continue // the Backup screen restores anything, shares too
		}
		s.items = append(s.items, it)
	}
	longest := ""
	for _, it := range s.items {
		if len([]rune(it.title)) > len([]rune(longest)) {
			longest = it.title
		}
	}
	s.nav = widget.NewList(func() int { return len(s.items) },
		func() fyne.CanvasObject {
			// The template row is as wide as the longest title, so that
			// no translation is cut off.
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel(longest+"  "))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(s.items[i].icon)
			row.Objects[1].(*widget.Label).SetText(s.items[i].title)
		})
	s.nav.OnSelected = func(i widget.ListItemID) { s.show(s.items[i].id) }
}

// Title is the window title: the app, the box and, for the demo, a note.
func (s *Shell) Title() string {
	t := "Posse — " + s.br.Box
	if s.br.Demo {
		t += " — " + tr("DEMO DATA")
	}
	return t
}

// Content returns the main window's widget tree.
func (s *Shell) Content() fyne.CanvasObject {
	box := bold(s.br.Box)
	box.Selectable = true
	role := tr("Administrator")
	if s.br.OfficeManager {
		role = tr("Office manager")
	}
	parts := []fyne.CanvasObject{widget.NewIcon(theme.ComputerIcon()), box, widget.NewLabel(role)}
	// The demo's note takes the room between the box and the buttons and
	// is shortened with an ellipsis there, so a narrow window (1024 pixels)
	// still shows every button and the whole screen below.
	var note fyne.CanvasObject
	if s.br.Demo {
		demo := widget.NewLabel(tr("Demo data: nothing you do here changes a real box."))
		demo.Importance = widget.WarningImportance
		demo.Truncation = fyne.TextTruncateEllipsis
		note = demo
	}
	header := container.NewBorder(nil, nil, container.NewHBox(parts...), container.NewHBox(s.languageSelect(), s.aboutButton(), s.switchButton()), note)
	left := container.NewBorder(nil, nil, nil, widget.NewSeparator(), s.nav)
	split := container.NewBorder(nil, nil, left, nil, container.NewPadded(s.body))
	return container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, split)
}

// aboutButton shows the app's version (from the git tag it was built
// from) and the box it manages.
func (s *Shell) aboutButton() fyne.CanvasObject {
	return widget.NewButtonWithIcon(tr("About"), theme.InfoIcon(), func() {
		showDialog(s.win, dialog.NewInformation(tr("About Posse"),
			tr("Posse %s, the desktop app of the Posse small-business server.\nManaging: %s", version.Version, s.br.Box), s.win))
	})
}

func (s *Shell) switchButton() fyne.CanvasObject {
	b := widget.NewButtonWithIcon(tr("Other box…"), theme.LogoutIcon(), func() {
		if s.OnSwitchBox != nil {
			s.OnSwitchBox()
		}
	})
	if s.OnSwitchBox == nil {
		b.Hide()
	}
	return b
}

// showSetup shows the first-run wizard; its template goes to the
// template screen for the plan and the apply.
func (s *Shell) showSetup() {
	sc, ok := s.screens["setup"].(*SetupScreen)
	if !ok {
		sc = NewSetupScreen(s.win, s.br)
		sc.OnTemplate = func(name string, data []byte, secrets map[string]string) {
			if pw, ok := secrets["backup"]; ok {
				showBackupPassword(s.win, pw)
			}
			s.Open("template")
			if t, ok := s.screens["template"].(*TemplateScreen); ok {
				t.UseTemplate(name, data, secrets)
			}
		}
		s.screens["setup"] = sc
	}
	s.nav.UnselectAll()
	s.current = "setup"
	s.body.Objects = []fyne.CanvasObject{sc.Content()}
	s.body.Refresh()
}

// Open shows the screen id ("" or unknown: the first one).
func (s *Shell) Open(id string) {
	if id == "setup" && !s.br.OfficeManager {
		s.showSetup()
		return
	}
	for i, it := range s.items {
		if it.id == id {
			s.nav.Select(i)
			return
		}
	}
	s.nav.Select(0)
}

// Busy reports whether leaving now would lose sight of a running apply.
func (s *Shell) Busy() bool {
	t, ok := s.screens["template"].(*TemplateScreen)
	return ok && t.Applying()
}

// Items lists the ids of the offered screens, for tests.
func (s *Shell) Items() []string {
	ids := make([]string, len(s.items))
	for i, it := range s.items {
		ids[i] = it.id
	}
	return ids
}

// focuser is a screen with a field to type into right away.
type focuser interface{ firstFocus() fyne.Focusable }

func (s *Shell) show(id string) {
	defer func() {
		if f, ok := s.screens[id].(focuser); ok && s.win != nil {
			s.win.Canvas().Focus(f.firstFocus())
		}
	}()
	sc, ok := s.screens[id]
	if !ok {
		for _, it := range s.items {
			if it.id == id {
				sc = it.make()
			}
		}
		if sc == nil {
			return
		}
		if d, ok := sc.(*Dashboard); ok && !s.br.OfficeManager {
			d.OnSetup = s.showSetup
		}
		s.screens[id] = sc
		s.body.Objects = []fyne.CanvasObject{sc.Content()}
		s.current = id
		s.body.Refresh()
		sc.Reload()
		return
	}
	s.body.Objects = []fyne.CanvasObject{sc.Content()}
	s.current = id
	s.body.Refresh()
	sc.Reload()
}
