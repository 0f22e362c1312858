// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/posse-project/posse/provisioning/plan"
)

// Progress hears about an apply as it runs. i is the 0-based step index and
// n the number of steps. Calls come from the applying goroutine, in order.
type Progress interface {
	StepStart(i, n int, s plan.Step)
	// StepDone gets nil on success, ErrSkipped for a skipped step, or the
	// step's (secret-free) error.
	StepDone(i, n int, s plan.Step, d time.Duration, err error)
	RollbackDone(service string, restored []string, err error)
}

type nopProgress struct{}

func (nopProgress) StepStart(int, int, plan.Step)                      {}
func (nopProgress) StepDone(int, int, plan.Step, time.Duration, error) {}
func (nopProgress) RollbackDone(string, []string, error)               {}

// spinnerFrames animate a running step on a terminal.
var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// TextProgress prints each step as it starts and ends, with its elapsed
// time. On a terminal a running step shows a spinner and a ticking clock on
// one line; elsewhere (logs, pipes) it prints plain lines.
type TextProgress struct {
	w   io.Writer
	tty bool

	mu    sync.Mutex
	stop  chan struct{}
	ended chan struct{}
}

// NewTextProgress returns a TextProgress writing to w. Pass tty true when w
// is a terminal (see IsTerminal): only then is the spinner drawn.
func NewTextProgress(w io.Writer, tty bool) *TextProgress {
	return &TextProgress{w: w, tty: tty}
}

// IsTerminal reports whether w is a terminal that can draw the spinner.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func label(i, n int, s plan.Step) string {
	return fmt.Sprintf("[%d/%d] %s: %s", i+1, n, s.Service, plan.StepLine(s))
}

// StepStart prints the step (or starts its spinner).
func (p *TextProgress) StepStart(i, n int, s plan.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := label(i, n, s)
	if !p.tty {
		fmt.Fprintf(p.w, "%s ...\n", l)
		return
	}
	p.stop, p.ended = make(chan struct{}), make(chan struct{})
	go p.spin(l, time.Now(), p.stop, p.ended)
}

func (p *TextProgress) spin(l string, start time.Time, stop, ended chan struct{}) {
	defer close(ended)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for f := 0; ; f++ {
		fmt.Fprintf(p.w, "\r\x1b[K%s %s %s", spinnerFrames[f%len(spinnerFrames)], l, elapsed(time.Since(start)))
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// StepDone prints the step's outcome and elapsed time.
func (p *TextProgress) StepDone(i, n int, s plan.Step, d time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		<-p.ended
		p.stop = nil
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	mark, outcome := "✓", "done"
	switch {
	case err == ErrSkipped:
		mark, outcome = "-", "skipped (offline)"
	case err != nil:
		mark, outcome = "✗", "failed: "+err.Error()
	}
	fmt.Fprintf(p.w, "%s %s: %s (%s)\n", mark, label(i, n, s), outcome, elapsed(d))
}

// RollbackDone prints what the rollback of service restored.
func (p *TextProgress) RollbackDone(service string, restored []string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(restored) == 0 && err == nil {
		fmt.Fprintf(p.w, "↩ %s: nothing needed rolling back\n", service)
		return
	}
	if len(restored) > 0 {
		fmt.Fprintf(p.w, "↩ %s rolled back: %s\n", service, strings.Join(restored, ", "))
	}
	if err != nil {
		fmt.Fprintf(p.w, "✗ %s rollback incomplete: %v\n", service, err)
	}
}

func elapsed(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
