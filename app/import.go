// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// ImportCSV runs a dry run of importing csv and shows what would happen,
// line by line; only after the person confirms are the users created.
func (s *UsersScreen) ImportCSV(csv []byte) {
	call(s.br, func(ctx context.Context, be Backend) (api.ImportResult, error) {
		return importInBatches(ctx, be, csv, true)
	}, func(r api.ImportResult, err error) {
		if err != nil {
			showError(s.win, tr("Cannot read the CSV file"), err)
			return
		}
		s.importPreview = &r
		s.showImportPreview(csv, r)
	})
}

func section(title string, lines []string, imp widget.Importance) fyne.CanvasObject {
	if len(lines) == 0 {
		return container.NewVBox()
	}
	l := widget.NewLabel(strings.Join(lines, "\n"))
	l.Importance = imp
	l.Wrapping = fyne.TextWrapWord
	return container.NewVBox(bold(fmt.Sprintf("%s (%d)", title, len(lines))), l)
}

func (s *UsersScreen) showImportPreview(csv []byte, r api.ImportResult) {
	summary := wrapped(tr("Nothing has been changed yet. To create: %d · already there, skipped: %d · lines with problems, left out: %d",
		len(r.Created), len(r.Skipped), len(r.Problems)))
	body := container.NewVBox(summary,
		section(tr("Problems: fix these lines in the file and import again"), r.Problems, widget.DangerImportance),
		section(tr("Will be created"), r.Created, widget.MediumImportance),
		section(tr("Already exist, skipped"), r.Skipped, widget.LowImportance))
	var d dialog.Dialog
	if len(r.Created) == 0 {
		d = dialog.NewCustom(tr("Import preview"), tr("Close"), container.NewVScroll(body), s.win)
	} else {
		d = dialog.NewCustomConfirm(tr("Import preview"), tr("Create users (%d)", len(r.Created)), tr("Cancel"), container.NewVScroll(body), func(ok bool) {
			if ok {
				s.runImport(csv)
			}
		}, s.win)
	}
	d.Resize(fyne.NewSize(640, 480))
	showDialog(s.win, d)
}

func (s *UsersScreen) runImport(csv []byte) {
	call(s.br, func(ctx context.Context, be Backend) (api.ImportResult, error) {
		return importInBatches(ctx, be, csv, false)
	}, func(r api.ImportResult, err error) {
		s.Reload()
		if err != nil && len(r.Created) == 0 {
			showError(s.win, tr("The import failed"), err)
			return
		}
		pw := strings.Join(r.Passwords, "\n")
		text := widget.NewLabelWithStyle("username,password\n"+pw, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		text.Selectable = true
		msg := tr("Users created: %d. Their initial passwords are shown only now: copy them and hand them out.", len(r.Created))
		if err != nil {
			msg = tr("The import stopped: %v. Users created before it stopped: %d; their initial passwords are shown only now: copy them and hand them out, then run the same import again (existing users are skipped).", err, len(r.Created))
		}
		warn := wrapped(msg)
		warn.Importance = widget.WarningImportance
		done := copiedLabel()
		cp := widget.NewButtonWithIcon(tr("Copy all"), theme.ContentCopyIcon(), func() {
			fyne.CurrentApp().Clipboard().SetContent("username,password\n" + pw)
			done.say(tr("Copied the passwords."))
		})
		body := container.NewBorder(warn, container.NewHBox(cp, done), nil, nil, container.NewVScroll(text))
		d := dialog.NewCustom(tr("Import finished"), tr("Close"), body, s.win)
		d.Resize(fyne.NewSize(560, 420))
		showDialog(s.win, d)
	})
}

// importInBatches has possed import the CSV client.ImportBatchSize rows at
// a time, so no call runs into possed's deadline and the passwords of every
// finished batch come back even when a later one fails: then the result
// holds what was created and the error names the rows that were not
// imported.
func importInBatches(ctx context.Context, be Backend, data []byte, dryRun bool) (api.ImportResult, error) {
	batches, dups, err := client.SplitImport(data, client.ImportBatchSize)
	if err != nil {
		return api.ImportResult{}, err
	}
	total := api.ImportResult{Problems: dups}
	for i, b := range batches {
		r, err := be.ImportUsers(ctx, b.CSV, dryRun)
		if err != nil {
			if i == 0 {
				return total, err
			}
			return total, fmt.Errorf("%w (lines %d and after were not imported)", err, b.FirstLine)
		}
		for _, p := range r.Problems {
			total.Problems = append(total.Problems, client.ShiftProblem(p, b))
		}
		total.Created = append(total.Created, r.Created...)
		total.Skipped = append(total.Skipped, r.Skipped...)
		total.Passwords = append(total.Passwords, r.Passwords...)
	}
	return total, nil
}
