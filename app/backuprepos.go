// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// repoRows are the backup's repositories, the main one and each copy: a
// line naming it with a light for its last run, and a line with its last
// success, size, last check and last restore drill.
func (s *BackupScreen) repoRows(b api.BackupStatus) []fyne.CanvasObject {
	check := s.checkLine(b.LastCheck, b.LastCheckResult, "")
	drill := s.checkLine(b.LastDrill, b.LastDrillResult, b.LastDrillDetail)
	mainOK := b.LastResult != "failed" && b.LastCheckResult != "failed" && b.LastDrillResult != "failed"
	rows := []fyne.CanvasObject{repoRow(tr("Main repository: %s", b.Repository), mainOK,
		tr("Last success: %s · Size: %s · Last check: %s · Last restore drill: %s", s.when(b.LastSuccess), size(b.SizeBytes), check, drill), "")}
	for _, c := range b.Copies {
		last := tr("never")
		if t, err := time.Parse(time.RFC3339, c.LastSuccess); err == nil {
			last = tr("%s (%s), %d snapshots", dateTime(t), age(s.Now(), t), c.Snapshots)
		}
		// The weekly check reads sftp copies with the main repository; a
		// USB disk is plugged in for its copies only and not checked.
		cc := check
		if strings.HasPrefix(c.Repository, "usb:") {
			cc = tr("not checked (a USB disk)")
		}
		why := ""
		if c.LastResult == "failed" {
			why = tr("LAST RUN FAILED: %s", c.LastError)
		}
		rows = append(rows, repoRow(tr("Copy %s: %s", c.Name, c.Repository), c.LastResult != "failed",
			tr("Last success: %s · Size: %s · Last check: %s · Last restore drill: %s", last, size(c.SizeBytes), cc, "–"), why))
	}
	return rows
}

// repoRow is one repository: its name with a light, what is known of it,
// and why its last run failed.
func repoRow(name string, ok bool, facts, failed string) fyne.CanvasObject {
	text := wrapped(facts)
	text.SizeName = theme.SizeNameCaptionText
	box := container.NewVBox(container.NewBorder(nil, nil, container.NewCenter(sized(dot(ok), 10, 10)), nil, bold(name)), text)
	if failed != "" {
		why := wrapped(failed)
		why.Importance = widget.DangerImportance
		box.Add(why)
	}
	return box
}

// when is an RFC 3339 time with its age, or "never".
func (s *BackupScreen) when(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return tr("never")
	}
	return dateTime(t) + " (" + age(s.Now(), t) + ")"
}

// size is a repository's size, "–" when it was not measured.
func size(n uint64) string {
	if n == 0 {
		return "–"
	}
	return sizeText(n)
}
