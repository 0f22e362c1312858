// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
)

// TemplateScreen is the consultant's screen: open a site template, see
// its problems with line and column (selecting one jumps to the line in
// a read-only view), preview the plan grouped by service, apply it with
// the progress of every step and see a rollback if one happens. It also
// exports the running box to a template file.
type TemplateScreen struct {
	win  fyne.Window
	br   *Bridge
	file string
	data []byte
	site *site.Site
	// secretsFile and secrets are the template's secrets: values only in
	// memory, sent to the box with plan and apply, never shown or logged.
	secretsFile string
	secrets     map[string]string
	secretsLbl  *widget.Label
	// given are secrets handed over with the template (setup wizard).
	given map[string]string

	path     *widget.Label
	status   *widget.Label
	problems site.Problems
	list     *widget.List
	source   *widget.TextGrid
	scroll   *container.Scroll
	marked   int
	empty    *widget.Label

	planBox   *fyne.Container
	planBtn   *widget.Button
	applyBtn  *widget.Button
	tabs      *container.AppTabs
	progress  *widget.ProgressBar
	stepsBox  *fyne.Container
	stepRows  map[int32]*widget.Label
	outcome   *fyne.Container
	planSteps int
	// shown is the plan on the Plan tab: Apply applies exactly it.
	shown api.PlanResult
	// outdated is set while the plan is made again because the box
	// changed since the last one was shown.
	outdated bool
	// merged is set when data is the template with its fragments merged
	// in, so the box's line numbers are not those of the file shown.
	merged bool
	// applying is set while an apply runs.
	applying bool
	content  fyne.CanvasObject
}

// NewTemplateScreen builds the screen; file may be empty.
func NewTemplateScreen(w fyne.Window, br *Bridge, file string) *TemplateScreen {
	t := &TemplateScreen{win: w, br: br, marked: -1, secretsLbl: widget.NewLabel(""),
		path:    bold(tr("No template opened")),
		status:  wrapped(tr("Open a site template (YAML) to check it, preview its plan and apply it.")),
		source:  widget.NewTextGrid(),
		planBox: container.NewVBox(), stepsBox: container.NewVBox(), outcome: container.NewVBox(),
		progress: widget.NewProgressBar(), stepRows: map[int32]*widget.Label{},
	}
	t.secretsLbl.Truncation = fyne.TextTruncateEllipsis
	t.empty = wrapped(tr("No problems to show."))
	t.empty.Importance = widget.LowImportance
	t.source.ShowLineNumbers = true
	t.source.Scroll = fyne.ScrollNone
	t.scroll = container.NewScroll(t.source)
	t.list = widget.NewList(
		func() int { return len(t.problems) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p := t.problems[i]
			text := fmt.Sprintf("%d:%d  %s", p.Line, p.Col, p.Message)
			if t.inFragment(p) {
				text = fmt.Sprintf("%s:%d:%d  %s", filepath.Base(p.File), p.Line, p.Col, p.Message)
			}
			if p.Hint != "" {
				text += "\n→ " + p.Hint
			}
			o.(*widget.Label).SetText(text)
			t.list.SetItemHeight(i, o.(*widget.Label).MinSize().Height)
		})
	t.list.OnSelected = func(i widget.ListItemID) {
		if !t.inFragment(t.problems[i]) { // a fragment's lines are not shown
			t.JumpTo(t.problems[i].Line)
		}
	}
	t.planBtn = widget.NewButtonWithIcon(tr("Preview plan"), theme.SearchIcon(), t.Preview)
	t.planBtn.Disable()
	t.applyBtn = widget.NewButtonWithIcon(tr("Apply…"), theme.ConfirmIcon(), t.askApply)
	t.applyBtn.Importance = widget.HighImportance
	t.applyBtn.Disable()
	if file != "" {
		t.Open(file)
	}
	return t
}

// Content returns the screen's widget tree.
func (t *TemplateScreen) Content() fyne.CanvasObject {
	if t.content != nil {
		return t.content
	}
	open := widget.NewButtonWithIcon(tr("Open template…"), theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			t.Open(r.URI().Path())
		}, t.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".yaml", ".yml"}))
		d.Resize(fyne.NewSize(800, 560))
		showDialog(t.win, d)
	})
	export := widget.NewButtonWithIcon(tr("Export box…"), theme.DocumentSaveIcon(), t.export)
	secrets := widget.NewButtonWithIcon(tr("Secrets…"), theme.VisibilityOffIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			t.LoadSecrets(r.URI().Path())
		}, t.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".yaml", ".yml"}))
		d.Resize(fyne.NewSize(800, 560))
		showDialog(t.win, d)
	})
	bar := container.NewBorder(nil, nil, container.NewHBox(open, secrets), container.NewHBox(t.planBtn, t.applyBtn, export))
	file := container.NewBorder(nil, nil, t.path, nil, t.secretsLbl)
	check := container.NewHSplit(container.NewStack(t.list, container.NewPadded(t.empty)), t.scroll)
	check.Offset = 0.4
	apply := container.NewBorder(container.NewVBox(t.progress, t.outcome), nil, nil, nil, container.NewVScroll(t.stepsBox))
	t.tabs = container.NewAppTabs(
		container.NewTabItem(tr("Check"), check),
		container.NewTabItem(tr("Plan"), container.NewVScroll(t.planBox)),
		container.NewTabItem(tr("Apply"), apply),
	)
	t.content = container.NewBorder(container.NewVBox(heading(tr("Site template")), bar, file, t.status), nil, nil, nil, t.tabs)
	return t.content
}

// Applying reports whether an apply is running.
func (t *TemplateScreen) Applying() bool { return t.applying }

// Reload does nothing: the template is read when opened.
func (t *TemplateScreen) Reload() {}

// Open loads and validates file; reading happens off the UI goroutine.
func (t *TemplateScreen) Open(file string) {
	if file != t.file {
		t.secretsFile = "" // another template: look for its own secrets
	}
	t.file, t.given = file, nil
	t.path.SetText(filepath.Base(file))
	t.status.SetText(tr("Checking…"))
	type loaded struct {
		source, merged []byte
		site           *site.Site
		err            error
	}
	call(t.br, func(context.Context, Backend) (loaded, error) {
		var l loaded
		var err error
		if l.source, err = os.ReadFile(file); err != nil {
			return l, err
		}
		// The fragments it includes are read from next to it, as
		// possectl does; the box gets the merged template.
		l.site, l.merged, l.err = site.LoadFlat(file)
		return l, nil
	}, func(l loaded, err error) {
		if err != nil {
			t.status.SetText(tr("Cannot read the file: %v", err))
			return
		}
		send := l.merged
		if send == nil {
			send = l.source
		}
		t.show(file, l.source, send, l.site, l.err)
	})
}

// Check validates data (named file) locally and shows the problems. A
// template given this way cannot include fragments (Open reads them).
func (t *TemplateScreen) Check(file string, data []byte) {
	st, err := site.Parse(file, data)
	t.show(file, data, data, st, err)
}

// show shows source (the file as written) with the problems err lists;
// send is the template the box gets (source with its fragments merged in).
func (t *TemplateScreen) show(file string, source, send []byte, st *site.Site, err error) {
	t.file, t.data = file, send
	t.merged = !bytes.Equal(source, send)
	t.path.SetText(filepath.Base(file))
	t.site = st
	t.source.SetText(strings.TrimRight(string(source), "\n"))
	t.marked = -1
	t.problems = nil
	t.planBox.RemoveAll()
	t.applyBtn.Disable()
	switch ps, ok := err.(site.Problems); {
	case ok:
		t.problems = ps
		t.status.SetText(tr("%d problems: select one to see its line. Fix them in your editor and open the file again.", len(ps)))
		t.planBtn.Disable()
	case err != nil:
		t.status.SetText(errorText(err))
		t.planBtn.Disable()
	default:
		t.status.SetText(tr("The template is valid. Preview the plan to see what would change on the box."))
		t.planBtn.Enable()
		if t.secretsFile == "" {
			if sib := siblingSecrets(file); sib != "" {
				t.secretsFile = sib
			}
		}
		t.checkSecrets()
	}
	t.list.UnselectAll()
	t.list.Refresh()
	if len(t.problems) == 0 {
		t.empty.SetText(tr("No problems found."))
		t.empty.Show()
	} else {
		t.empty.Hide()
		t.list.Select(0) // show where the first problem is
	}
	if t.tabs != nil {
		t.tabs.SelectIndex(0)
	}
}

// siblingSecrets finds NAME.secrets.yaml next to NAME.yaml.
func siblingSecrets(file string) string {
	ext := filepath.Ext(file)
	if ext == "" {
		return ""
	}
	sib := strings.TrimSuffix(file, ext) + ".secrets" + ext
	if _, err := os.Stat(sib); err != nil {
		return ""
	}
	return sib
}

// UseTemplate checks a template written elsewhere (the setup wizard)
// with its secrets and, if it is valid, previews its plan.
func (t *TemplateScreen) UseTemplate(name string, data []byte, secrets map[string]string) {
	t.given, t.secretsFile = secrets, ""
	t.Check(name, data)
	if !t.planBtn.Disabled() {
		t.Preview()
	}
}

// LoadSecrets reads the template's secrets file (mode 0600, as possectl
// wants it) and checks the template's secrets against it.
func (t *TemplateScreen) LoadSecrets(file string) {
	t.secretsFile, t.given = file, nil
	if t.site != nil {
		t.checkSecrets()
	}
}

// checkSecrets loads t.secretsFile (and POSSE_SECRET_* variables) and
// adds missing or weak secrets to the problems.
func (t *TemplateScreen) checkSecrets() {
	t.secrets = nil
	t.secretsLbl.SetText("")
	if t.site == nil || len(t.site.SecretRefs()) == 0 {
		return
	}
	store := site.EnvSecrets()
	switch {
	case t.given != nil:
		store = mapSecrets(t.given)
		t.secretsLbl.SetText(tr("secrets: from the setup"))
	case t.secretsFile != "":
		st, err := site.LoadSecrets(t.secretsFile)
		if err != nil {
			t.secretsLbl.SetText(tr("secrets: not usable"))
			t.status.SetText(tr("The secrets file cannot be used: %v", err))
			t.planBtn.Disable()
			return
		}
		store = st
		t.secretsLbl.SetText(tr("secrets: %s", filepath.Base(t.secretsFile)))
	}
	if ps := site.CheckSecrets(t.site, store); len(ps) > 0 {
		t.problems = append(t.problems, ps...)
		t.empty.Hide()
		t.list.Refresh()
		t.status.SetText(tr("%d secrets are missing or too weak. Choose the secrets file with Secrets…, or fix it and open it again.", len(ps)))
		t.planBtn.Disable()
		return
	}
	t.secrets = map[string]string{}
	for _, r := range t.site.SecretRefs() {
		if name, ok := r.Ref.Name(); ok {
			if v, ok := store.Lookup(name); ok {
				t.secrets[name] = v
			}
		}
	}
	t.planBtn.Enable()
}

// inFragment reports whether p is in a fragment the template includes
// rather than in the template shown.
func (t *TemplateScreen) inFragment(p site.Problem) bool {
	return p.File != "" && t.file != "" && filepath.Clean(p.File) != filepath.Clean(t.file)
}

// JumpTo highlights line (1-based) in the source view and scrolls to it.
func (t *TemplateScreen) JumpTo(line int) {
	if line <= 0 || line > len(t.source.Rows) {
		return
	}
	if t.marked >= 0 && t.marked < len(t.source.Rows) {
		t.source.SetRowStyle(t.marked, nil)
	}
	t.marked = line - 1
	t.source.SetRowStyle(t.marked, &widget.CustomTextGridStyle{BGColor: theme.Color(theme.ColorNameSelection)})
	pos := t.source.PositionForCursorLocation(t.marked, 0)
	y := pos.Y - t.scroll.Size().Height/3
	if y < 0 {
		y = 0
	}
	t.scroll.ScrollToOffset(fyne.NewPos(0, y))
	t.source.Refresh()
}

// Preview has the box check the template (it knows what is installed and
// what exists), then asks for the plan and shows it grouped by service.
func (t *TemplateScreen) Preview() {
	data, secrets := t.data, t.secrets
	t.status.SetText(tr("Asking the box for the plan…"))
	type answer struct {
		problems []api.Problem
		plan     api.PlanResult
	}
	call(t.br, func(ctx context.Context, be Backend) (answer, error) {
		var a answer
		var err error
		if a.problems, err = be.Validate(ctx, data, secrets); err != nil || len(a.problems) > 0 {
			return a, err
		}
		a.plan, err = be.Plan(ctx, data, secrets)
		if err == nil && len(a.plan.Problems) > 0 {
			a.problems = a.plan.Problems // the secrets' problems, found by the plan
		}
		return a, err
	}, func(a answer, err error) {
		switch {
		case err != nil:
			t.status.SetText(tr("No plan."))
			showError(t.win, tr("Cannot make the plan"), err)
		case len(a.problems) > 0:
			t.problems = t.problems[:0]
			for _, p := range a.problems {
				file := t.file
				if t.merged {
					// Lines of the merged template, not of the file shown.
					file = tr("%s with its fragments", filepath.Base(t.file))
				}
				t.problems = append(t.problems, site.Problem{File: file, Line: int(p.Line), Col: int(p.Column), Path: p.Path, Message: p.Message, Hint: p.Hint})
			}
			t.empty.Hide()
			t.list.UnselectAll()
			t.list.Refresh()
			t.list.Select(0)
			t.tabs.SelectIndex(0)
			t.status.SetText(tr("The box found %d problems: select one to see its line.", len(a.problems)))
		default:
			t.showPlan(a.plan)
		}
	})
}

func (t *TemplateScreen) showPlan(p api.PlanResult) {
	t.planBox.RemoveAll()
	var order []string
	by := map[string][]api.PlanStep{}
	for _, s := range p.Steps {
		if _, ok := by[s.Service]; !ok {
			order = append(order, s.Service)
		}
		by[s.Service] = append(by[s.Service], s)
	}
	for _, svc := range order {
		rows := container.NewVBox()
		for _, s := range by[svc] {
			what := s.Summary
			if what == "" {
				what = s.Target
			}
			l := widget.NewLabel(fmt.Sprintf("%-7s %-5s %s", s.Action, s.Kind, what))
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			rows.Add(l)
		}
		t.planBox.Add(card(fmt.Sprintf("%s (%d)", svc, len(by[svc])), rows))
	}
	for _, n := range p.Notes {
		t.planBox.Add(wrapped(fmt.Sprintf("%s: %s — %s", n.Service, n.Target, n.Message)))
	}
	t.planSteps = len(p.Steps)
	t.shown = p
	t.planBox.Refresh()
	if len(p.Steps) == 0 {
		t.status.SetText(tr("The box already matches the template: nothing to do."))
		t.applyBtn.Disable()
	} else {
		t.status.SetText(tr("%d changes in %d services. Apply them when you are ready.", len(p.Steps), len(order)))
		t.applyBtn.Enable()
	}
	if t.outdated {
		t.outdated = false
		t.status.SetText(tr("The box changed since the plan was shown, so nothing was applied. This is the new plan (%d changes): review it, then apply.", len(p.Steps)))
	}
	t.tabs.SelectIndex(1)
}

func (t *TemplateScreen) askApply() {
	confirm(t.win, tr("Apply the template?"),
		tr("The box makes the %d changes of the plan now. If a step fails, everything done so far is rolled back.", t.planSteps),
		tr("Apply"), t.Apply)
}

// Apply applies the template and shows every step as it happens.
func (t *TemplateScreen) Apply() {
	data, secrets, shown := t.data, t.secrets, t.shown
	t.applyBtn.Disable()
	t.planBtn.Disable()
	t.stepsBox.RemoveAll()
	t.outcome.RemoveAll()
	t.stepRows = map[int32]*widget.Label{}
	t.progress.SetValue(0)
	t.tabs.SelectIndex(2)
	t.status.SetText(tr("Applying…"))
	t.applying = true
	onStep := func(ev client.Event) { t.br.ui(func() { t.step(ev) }) }
	call(t.br, func(_ context.Context, be Backend) (api.ApplyResult, error) {
		// An apply waits for its own result: no call timeout. It applies
		// the plan shown, or nothing when the box changed since.
		return be.ApplyPlan(context.Background(), data, secrets, shown, onStep)
	}, func(r api.ApplyResult, err error) {
		t.applying = false
		t.planBtn.Enable()
		if err != nil {
			t.status.SetText(tr("The apply did not finish."))
			showError(t.win, tr("Apply failed"), err)
			return
		}
		t.result(r)
	})
}

func (t *TemplateScreen) step(ev client.Event) {
	l, ok := t.stepRows[ev.Index]
	if !ok {
		l = widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		t.stepRows[ev.Index] = l
		t.stepsBox.Add(l)
	}
	what := ev.Summary
	if what == "" {
		what = ev.Target
	}
	mark := "…"
	switch ev.Status {
	case "done":
		mark = "✓"
	case "unchanged", "skipped":
		mark = "–"
	case "failed":
		mark = "✗"
		l.Importance = widget.DangerImportance
		what += ": " + ev.Error
	}
	l.SetText(fmt.Sprintf("%s  %d/%d  %s · %s", mark, ev.Index+1, ev.Total, ev.Service, what))
	if !ev.Started && ev.Total > 0 {
		t.progress.SetValue(float64(ev.Index+1) / float64(ev.Total))
	}
}

func (t *TemplateScreen) result(r api.ApplyResult) {
	t.outcome.RemoveAll()
	switch {
	case client.PlanChanged(r):
		msg := wrapped(tr("Nothing was applied: the box changed since the plan was shown. Review the new plan on the Plan tab, then apply again."))
		msg.Importance = widget.WarningImportance
		t.outcome.Add(msg)
		t.outcome.Refresh()
		t.outdated = true
		t.Preview() // the new plan, on the Plan tab
		return
	case r.OK:
		t.progress.SetValue(1)
		msg := bold(tr("Applied: the box now matches the template."))
		msg.Importance = widget.SuccessImportance
		t.outcome.Add(msg)
		t.status.SetText(tr("Done."))
	default:
		msg := wrapped(tr("The apply failed (%s): %s", r.Outcome, r.Error))
		msg.Importance = widget.DangerImportance
		t.outcome.Add(msg)
		if len(r.RolledBack) > 0 {
			t.outcome.Add(card(tr("Rolled back: these were put back as they were"),
				widget.NewLabel(strings.Join(r.RolledBack, "\n"))))
		}
		if r.Outcome == "rollback-failed" {
			t.outcome.Add(wrapped(tr("The rollback did not finish: the box may be half changed. Call your integrator and keep this window open.")))
		} else {
			t.outcome.Add(wrapped(tr("Nothing was changed for good. Fix the cause named above and apply again.")))
		}
		t.status.SetText(tr("Rolled back."))
	}
	t.outcome.Refresh()
}

func (t *TemplateScreen) export() {
	call(t.br, func(ctx context.Context, be Backend) ([]byte, error) { return be.Export(ctx) }, func(b []byte, err error) {
		if err != nil {
			showError(t.win, tr("Cannot export the box"), err)
			return
		}
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			if _, err := w.Write(b); err != nil {
				showError(t.win, tr("Cannot save the template"), err)
			}
		}, t.win)
		d.SetFileName("site.yaml")
		d.Resize(fyne.NewSize(800, 560))
		showDialog(t.win, d)
	})
}
