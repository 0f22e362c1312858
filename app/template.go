package app

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/provisioning/site"
)

// TemplateScreen opens a site template and lists its validation problems
// with line and column; selecting a problem jumps to that line in a
// read-only view of the file.
type TemplateScreen struct {
	win      fyne.Window
	path     *widget.Label
	status   *widget.Label
	problems site.Problems
	list     *widget.List
	source   *widget.Entry
}

// NewTemplateScreen builds the screen; file may be empty.
func NewTemplateScreen(w fyne.Window, file string) *TemplateScreen {
	t := &TemplateScreen{win: w,
		path:   widget.NewLabel("No template opened"),
		status: widget.NewLabel("Open a site template (YAML) to check it."),
		source: widget.NewMultiLineEntry(),
	}
	t.source.TextStyle = fyne.TextStyle{Monospace: true}
	t.source.Disable()
	t.list = widget.NewList(
		func() int { return len(t.problems) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			p := t.problems[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%d:%d  %s", p.Line, p.Col, p.Message))
		})
	t.list.OnSelected = func(i widget.ListItemID) { t.jumpTo(t.problems[i].Line) }
	if file != "" {
		t.Open(file)
	}
	return t
}

// Content returns the screen's widget tree.
func (t *TemplateScreen) Content() fyne.CanvasObject {
	open := widget.NewButton("Open template…", func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			t.Open(r.URI().Path())
		}, t.win)
		d.Show()
	})
	top := container.NewVBox(container.NewHBox(open, t.path), t.status)
	split := container.NewHSplit(t.list, container.NewScroll(t.source))
	split.Offset = 0.45
	return container.NewBorder(top, nil, nil, nil, split)
}

// Open loads and validates file; reading happens off the UI goroutine.
func (t *TemplateScreen) Open(file string) {
	t.path.SetText(file)
	t.status.SetText("Checking…")
	go func() {
		data, readErr := os.ReadFile(file)
		_, err := site.Parse(file, data)
		fyne.Do(func() {
			t.source.SetText(string(data))
			t.problems = nil
			switch ps, ok := err.(site.Problems); {
			case readErr != nil:
				t.status.SetText("Cannot read the file: " + readErr.Error())
			case ok:
				t.problems = ps
				t.status.SetText(fmt.Sprintf("%d problems: select one to see its line.", len(ps)))
			case err != nil:
				t.status.SetText(err.Error())
			default:
				t.status.SetText("The template is valid.")
			}
			t.list.Refresh()
		})
	}()
}

func (t *TemplateScreen) jumpTo(line int) {
	if line > 0 {
		t.source.CursorRow = line - 1
		t.source.CursorColumn = 0
		t.source.Refresh()
	}
}
