// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"path"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// restoreDir is where a safe restore puts files (nothing is overwritten).
const restoreDir = "/srv/restored"

// BackupScreen shows the backup schedule and last run, runs a backup now
// with progress, and browses snapshots like a file manager to restore a
// file or folder.
type BackupScreen struct {
	win       fyne.Window
	br        *Bridge
	status    *widget.Label
	statusDot *fyne.Container
	// repos lists the main repository and each copy.
	repos    *fyne.Container
	run      *widget.Button
	progress *widget.ProgressBarInfinite
	snaps    []api.Snapshot
	snapList *widget.List
	noSnaps  *widget.Label
	snap     string // selected snapshot id
	dir      string
	entries  []api.Entry
	files    *widget.List
	where    *widget.Label
	up       *widget.Button
	restore  *widget.Button
	chosen   int
	// lastRestore is the last restore's result, for tests.
	lastRestore *api.RestoreResult
	content     fyne.CanvasObject
	// Poll is the interval of status checks while a backup runs.
	Poll time.Duration
	// Now is the clock for ages.
	Now func() time.Time
}

// NewBackupScreen builds the screen.
func NewBackupScreen(w fyne.Window, br *Bridge) *BackupScreen {
	s := &BackupScreen{win: w, br: br, status: wrapped(""), statusDot: container.NewStack(), repos: container.NewVBox(), dir: "/", chosen: -1,
		Poll: 2 * time.Second, Now: time.Now, where: bold("/")}
	s.run = widget.NewButtonWithIcon(tr("Back up now"), theme.MediaPlayIcon(), s.RunNow)
	s.run.Importance = widget.HighImportance
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Stop()
	s.progress.Hide()
	s.snapList = widget.NewList(func() int { return len(s.snaps) },
		func() fyne.CanvasObject { return widget.NewLabel("2026-11-22 22:30  (00000000)") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			sn := s.snaps[i]
			t := sn.Time
			if tt, err := time.Parse(time.RFC3339, sn.Time); err == nil {
				t = weekday(inBox(tt)) + " " + dateTime(tt)
			}
			o.(*widget.Label).SetText(t)
		})
	s.snapList.OnSelected = func(i widget.ListItemID) {
		s.snap = s.snaps[i].ID
		s.Browse("/")
	}
	s.files = widget.NewList(func() int { return len(s.entries) },
		func() fyne.CanvasObject {
			size := widget.NewLabel("1000.0 MB")
			size.Alignment = fyne.TextAlignTrailing
			name := widget.NewLabel("name")
			name.Truncation = fyne.TextTruncateEllipsis
			right := newColumns([]float32{1, 1.3}, size, widget.NewLabel("20.11.2026 16:42"))
			return container.NewBorder(nil, nil, widget.NewIcon(theme.FolderIcon()), sized(right, 260, 0), name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := s.entries[i]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(path.Base(e.Path))
			icon, size := theme.FileIcon(), sizeText(e.Size)
			if e.Type == "dir" {
				icon, size = theme.FolderIcon(), ""
			}
			c.Objects[1].(*widget.Icon).SetResource(icon)
			right := c.Objects[2].(*fyne.Container).Objects[0].(*fyne.Container)
			right.Objects[0].(*widget.Label).SetText(size)
			when := ""
			if t, err := time.Parse(time.RFC3339, e.ModTime); err == nil {
				when = dateTime(t)
			}
			right.Objects[1].(*widget.Label).SetText(when)
		})
	s.files.OnSelected = func(i widget.ListItemID) {
		if s.entries[i].Type == "dir" {
			s.Browse(s.entries[i].Path)
			return
		}
		s.chosen = i
		s.restore.SetText(tr("Restore file…"))
		s.restore.Enable()
	}
	s.up = widget.NewButtonWithIcon(tr("Up"), theme.MoveUpIcon(), func() { s.Browse(path.Dir(s.dir)) })
	s.up.Disable() // at "/" until a folder is opened
	s.restore = widget.NewButtonWithIcon(tr("Restore this folder…"), theme.DownloadIcon(), s.askRestore)
	s.restore.Disable()
	return s
}

// Content returns the screen's widget tree.
func (s *BackupScreen) Content() fyne.CanvasObject {
	if s.content != nil {
		return s.content
	}
	statusCard := card("", container.NewVBox(
		container.NewBorder(nil, nil, s.statusDot, nil, s.status),
		s.repos,
		container.NewBorder(nil, nil, nil, s.run, s.progress)))
	browser := container.NewBorder(
		container.NewBorder(nil, nil, s.up, s.restore, s.where),
		nil, nil, nil, s.files)
	s.noSnaps = wrapped(tr("No snapshots yet."))
	s.noSnaps.Hide()
	snaps := container.NewBorder(container.NewVBox(bold(tr("Snapshots")), s.noSnaps), nil, nil, nil, s.snapList)
	split := container.NewHSplit(snaps, container.NewPadded(browser))
	split.Offset = 0.28
	help := wrapped(tr("Choose a snapshot, open folders by clicking them, then restore a file or the folder you are in. Older snapshots hold older versions."))
	s.content = container.NewBorder(container.NewVBox(heading(tr("Backup")), statusCard, help), nil, nil, nil, split)
	return s.content
}

// Reload fetches the status and the snapshots.
func (s *BackupScreen) Reload() {
	s.loadStatus()
	call(s.br, func(ctx context.Context, be Backend) ([]api.Snapshot, error) { return be.Snapshots(ctx) },
		func(r []api.Snapshot, err error) {
			if err != nil {
				showError(s.win, tr("Cannot list the backup snapshots"), err)
				return
			}
			s.snaps = r
			s.noSnaps.Hidden = len(r) > 0
			s.noSnaps.Refresh()
			s.snapList.Refresh()
			if s.snap == "" && len(r) > 0 {
				s.snapList.Select(0)
			}
		})
}

func (s *BackupScreen) loadStatus() {
	call(s.br, func(ctx context.Context, be Backend) (api.BackupStatus, error) { return be.BackupStatus(ctx) },
		func(b api.BackupStatus, err error) { s.showStatus(b, err) })
}

func (s *BackupScreen) showStatus(b api.BackupStatus, err error) {
	ok := err == nil && b.Configured && b.LastRun != "" && b.LastResult != "failed"
	var text string
	var repos []fyne.CanvasObject
	switch {
	case err != nil:
		text = tr("Cannot read the backup status: %s", errorText(err))
	case !b.Configured:
		text = tr("No backup is set up. Add a backup repository to the site template.")
	default:
		last := tr("never")
		if t, perr := time.Parse(time.RFC3339, b.LastRun); perr == nil {
			last = dateTime(t) + " (" + age(s.Now(), t) + ")"
		}
		result := tr("succeeded")
		if b.LastResult == "failed" {
			result = tr("FAILED: run it again; if it fails again, check that the backup disk is reachable")
		} else if b.LastResult == "" {
			result = "–"
		}
		next := "–"
		if t, perr := time.Parse(time.RFC3339, b.NextRun); perr == nil {
			next = dateTime(t)
		}
		text = tr("Schedule: %s · Last backup: %s, %s · Next: %s", scheduleLabel(b.Schedule), last, result, next)
		if b.LastRun == "" {
			text = tr("Schedule: %s · No backup has run yet: Back up now makes the first one. · Next: %s", scheduleLabel(b.Schedule), next)
		}
		ok = ok && b.LastCheckResult != "failed" && b.LastDrillResult != "failed"
		for _, c := range b.Copies {
			ok = ok && c.LastResult != "failed"
		}
		repos = s.repoRows(b)
	}
	s.status.SetText(text)
	s.repos.Objects = repos
	s.repos.Refresh()
	s.statusDot.Objects = []fyne.CanvasObject{container.NewCenter(sized(dot(ok), 14, 14))}
	s.statusDot.Refresh()
	if b.Running {
		s.running(true)
	}
}

// checkLine is when a check or drill last ran and how it went.
func (s *BackupScreen) checkLine(when, result, detail string) string {
	t, err := time.Parse(time.RFC3339, when)
	if err != nil {
		return tr("never")
	}
	line := dateOnly(t) + " (" + age(s.Now(), t) + "), "
	switch result {
	case "failed":
		line += tr("FAILED: %s", detail)
	case "success":
		line += tr("passed")
		if detail != "" {
			line += ": " + detail
		}
	default:
		line += "–"
	}
	return line
}

func (s *BackupScreen) running(on bool) {
	if on {
		s.run.Disable()
		s.run.SetText(tr("Backing up…"))
		s.progress.Show()
		s.progress.Start()
		return
	}
	s.run.Enable()
	s.run.SetText(tr("Back up now"))
	s.progress.Stop()
	s.progress.Hide()
}

// RunNow starts a backup and follows it until it ends.
func (s *BackupScreen) RunNow() {
	s.running(true)
	call(s.br, func(ctx context.Context, be Backend) (api.BackupStatus, error) {
		if err := be.RunBackup(ctx); err != nil {
			return api.BackupStatus{}, err
		}
		for {
			st, err := be.BackupStatus(ctx)
			if err != nil || !st.Running {
				return st, err
			}
			select {
			case <-ctx.Done():
				return st, nil
			case <-time.After(s.Poll):
			}
		}
	}, func(b api.BackupStatus, err error) {
		s.running(false)
		if err != nil {
			showError(s.win, tr("The backup did not run"), err)
			return
		}
		s.showStatus(b, nil)
		s.Reload()
	})
}

// Browse lists dir of the selected snapshot.
func (s *BackupScreen) Browse(dir string) {
	snap := s.snap
	call(s.br, func(ctx context.Context, be Backend) ([]api.Entry, error) { return be.Browse(ctx, snap, dir) },
		func(r []api.Entry, err error) {
			if err != nil {
				showError(s.win, tr("Cannot open the folder in the backup"), err)
				return
			}
			s.dir, s.entries, s.chosen = dir, r, -1
			s.where.SetText(dir)
			s.files.UnselectAll()
			s.files.Refresh()
			s.restore.SetText(tr("Restore this folder…"))
			if dir == "/" {
				s.up.Disable()
				s.restore.Disable()
			} else {
				s.up.Enable()
				s.restore.Enable()
			}
		})
}

func (s *BackupScreen) askRestore() {
	e := api.Entry{Path: s.dir, Type: "dir"}
	if s.chosen >= 0 && s.chosen < len(s.entries) {
		e = s.entries[s.chosen]
	}
	back, safe := tr("Back to its original place (files changed since are kept, the old version is put beside them)"), tr("Into %s", restoreDir)
	where := widget.NewRadioGroup([]string{back, safe}, nil)
	where.SetSelected(back)
	msg := wrapped(tr("Restore %s from the snapshot of %s?", e.Path, s.snapTime()))
	confirmCustom(s.win, tr("Restore"), tr("Restore"), container.NewVBox(msg, where), func() {
		target := ""
		if where.Selected == safe {
			target = restoreDir
		}
		s.Restore(e.Path, target)
	})
}

func (s *BackupScreen) snapTime() string {
	for _, sn := range s.snaps {
		if sn.ID == s.snap {
			if t, err := time.Parse(time.RFC3339, sn.Time); err == nil {
				return dateTime(t)
			}
		}
	}
	return s.snap
}

// Restore restores p from the selected snapshot into target ("" = in
// place) and says what it did.
func (s *BackupScreen) Restore(p, target string) {
	snap := s.snap
	label := s.restore.Text
	s.restore.Disable()
	s.restore.SetText(tr("Restoring…"))
	call(s.br, func(ctx context.Context, be Backend) (api.RestoreResult, error) {
		return be.Restore(ctx, snap, []string{p}, target)
	}, func(r api.RestoreResult, err error) {
		s.restore.SetText(label)
		s.restore.Enable()
		if err != nil {
			showError(s.win, tr("Cannot restore %s", p), err)
			return
		}
		s.lastRestore = &r
		infoDialog(s.win, tr("Restored"), restoreSummary(p, r))
	})
}

// restoreSummary says in words what a restore did.
func restoreSummary(p string, r api.RestoreResult) string {
	var b strings.Builder
	if r.To != "" {
		b.WriteString(tr("%s was restored into %s on the box.", path.Base(p), path.Join(r.To, p)))
	} else {
		b.WriteString(tr("Files put back where they were: %d.", len(r.Restored)))
	}
	if len(r.Beside) > 0 {
		b.WriteString("\n\n" + tr("These files had changed since the backup, so they were kept and the old version was put beside them:"))
		for _, x := range r.Beside {
			b.WriteString("\n  " + x)
		}
	}
	if r.Unchanged > 0 {
		b.WriteString("\n\n" + tr("Files already as in the backup: %d.", r.Unchanged))
	}
	return b.String()
}

var dailyAt = regexp.MustCompile(`^\*-\*-\* (\d\d:\d\d)(:00)?$`)

// scheduleLabel reads a systemd calendar time for people: "*-*-* 22:00"
// is "daily at 22:00"; other forms are shown as they are.
func scheduleLabel(cal string) string {
	if m := dailyAt.FindStringSubmatch(cal); m != nil {
		return tr("daily at %s", m[1])
	}
	return cal
}
