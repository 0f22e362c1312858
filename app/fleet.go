// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client/fleet"
)

// FleetScreen is the integrator's morning view: every box of the fleet
// file (the one possectl fleet add and remove keep) in one list, asked
// with the prober and rules of possectl fleet status (fleet.SSHProber,
// fleet.Check: health, backup and its copies, restore drill, certificates,
// disk, updates, drift from the box's template), one row per box with a
// traffic light and the reason, worst first. A click on a row
// opens the box through the connect screen.
type FleetScreen struct {
	win    fyne.Window
	boxes  []fleet.Entry
	prober fleet.Prober
	br     *Bridge
	// Options bound the check (parallel boxes, the time per box).
	Options fleet.Options
	// Now is the clock for backup ages.
	Now func() time.Time
	// OnOpen is called with a box's user@host when its row is clicked.
	OnOpen func(host string)
	// OnConnect, when set, offers the connect screen.
	OnConnect func()

	reports  []fleet.Report
	rows     *fyne.Container
	buttons  []*widget.Button
	refresh  *widget.Button
	progress *widget.ProgressBar
	summary  *widget.Label
	// round counts checks, so that a late check's result is dropped.
	round atomic.Int64
	// onChecked is called on the UI goroutine after a check (tests).
	onChecked func()
}

// Fleet check bounds: as possectl fleet status's defaults.
const (
	fleetParallel = 8
	fleetTimeout  = 20 * time.Second
)

// NewFleetScreen builds the screen for boxes, asked by p.
func NewFleetScreen(w fyne.Window, boxes []fleet.Entry, p fleet.Prober) *FleetScreen {
	f := &FleetScreen{win: w, boxes: boxes, prober: p, Now: time.Now,
		br:      &Bridge{Timeout: 30 * time.Minute},
		Options: fleet.Options{Parallel: fleetParallel, Timeout: fleetTimeout},
		rows:    container.NewVBox(), summary: widget.NewLabel(""), progress: widget.NewProgressBar()}
	f.refresh = widget.NewButtonWithIcon(tr("Refresh"), theme.ViewRefreshIcon(), f.Refresh)
	f.progress.Max = float64(len(boxes))
	f.progress.TextFormatter = func() string {
		return tr("%d of %d boxes answered", int(f.progress.Value), len(f.boxes))
	}
	f.progress.Hide()
	f.summary.Wrapping = fyne.TextWrapWord
	for _, e := range boxes {
		f.reports = append(f.reports, fleet.Report{Entry: e, Box: fleet.Box{Reachable: true}, Severity: -1})
	}
	f.fill()
	return f
}

// Content returns the screen's widget tree.
func (f *FleetScreen) Content() fyne.CanvasObject {
	buttons := container.NewHBox(f.refresh)
	if f.OnConnect != nil {
		other := widget.NewButtonWithIcon(tr("Connect to a box…"), theme.LoginIcon(), f.OnConnect)
		buttons.Add(other)
	}
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, buttons, heading(tr("Your boxes"))),
		f.summary, f.progress, widget.NewSeparator())
	return container.NewPadded(container.NewBorder(top, nil, nil, nil, container.NewVScroll(f.rows)))
}

// SetSync runs the check on the caller's goroutine (tests).
func (f *FleetScreen) SetSync(on bool) { f.br.Sync = on }

// Refresh asks every box again, without blocking the UI; the progress bar
// counts the boxes that answered.
func (f *FleetScreen) Refresh() {
	f.refresh.Disable()
	round := f.round.Add(1)
	f.progress.SetValue(0)
	f.progress.Show()
	f.summary.SetText(tr("Asking %d boxes…", len(f.boxes)))
	var answered atomic.Int64
	counting := fleet.ProberFunc(func(ctx context.Context, e fleet.Entry) fleet.Box {
		defer answered.Add(1)
		return f.prober.Probe(ctx, e)
	})
	opts := f.Options
	opts.Now = f.Now
	boxes := f.boxes
	call(f.br, func(ctx context.Context, _ Backend) ([]fleet.Report, error) {
		// One goroutine shows the progress, and it is done before the
		// result is: the UI is changed from one goroutine at a time.
		stop, stopped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stopped)
			if f.br.Sync {
				return
			}
			t := time.NewTicker(progressEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					n := float64(answered.Load())
					fyne.DoAndWait(func() {
						if f.round.Load() == round {
							f.progress.SetValue(n)
						}
					})
				}
			}
		}()
		rs := fleet.Check(ctx, boxes, counting, opts)
		close(stop)
		<-stopped
		return rs, nil
	}, func(rs []fleet.Report, _ error) {
		if f.round.Load() != round {
			return
		}
		f.progress.Hide()
		f.refresh.Enable()
		f.reports = rs
		f.fill()
		if f.onChecked != nil {
			f.onChecked()
		}
	})
}

// progressEvery is how often the progress bar catches up with the boxes
// that answered.
const progressEvery = 200 * time.Millisecond

// Reports returns the last check's reports, worst first.
func (f *FleetScreen) Reports() []fleet.Report { return f.reports }

// fill shows one row per report.
func (f *FleetScreen) fill() {
	f.rows.RemoveAll()
	f.buttons = nil
	attention, asked := 0, false
	for _, r := range f.reports {
		if r.Severity >= 0 {
			asked = true
		}
		if r.NeedsAttention() {
			attention++
		}
		f.rows.Add(f.row(r))
		f.rows.Add(widget.NewSeparator())
	}
	switch {
	case !asked:
		f.summary.SetText(tr("%d boxes. Refresh asks each of them how it is.", len(f.reports)))
	case attention == 0:
		f.summary.SetText(tr("All %d boxes are fine (asked at %s).", len(f.reports), f.Now().Format("15:04")))
	default:
		f.summary.SetText(tr("%d of %d boxes need attention (asked at %s).", attention, len(f.reports), f.Now().Format("15:04")))
	}
	f.rows.Refresh()
}

// row is one box: light, name and host, reason, last backup and its
// copies, last drill and certificates, disk; a click opens the box.
func (f *FleetScreen) row(r fleet.Report) fyne.CanvasObject {
	light := canvas.NewCircle(fleetColor(r))
	name := bold(r.Name)
	name.Truncation = fyne.TextTruncateEllipsis
	host := widget.NewLabel(r.Host)
	host.Truncation = fyne.TextTruncateEllipsis
	left := container.NewHBox(container.NewCenter(sized(light, 16, 16)),
		sized(container.NewVBox(name, host), 220, 115))
	reason := wrapped(fleetReason(r))
	if r.NeedsAttention() {
		reason.Importance = widget.DangerImportance
		if !r.Reachable {
			reason.Importance = widget.MediumImportance
		}
	}
	facts := container.NewGridWithColumns(2)
	for _, t := range []string{f.backupText(r), f.copyText(r), f.drillText(r), f.certText(r), diskText(r)} {
		// A long translation ends in an ellipsis rather than running
		// into the next column; the reason says it in full.
		l := widget.NewLabel(t)
		l.Truncation = fyne.TextTruncateEllipsis
		facts.Add(l)
	}
	right := sized(facts, 480, 115)
	body := container.NewBorder(nil, nil, left, right, reason)
	open := widget.NewButton("", func() {
		if f.OnOpen != nil {
			f.OnOpen(r.Host)
		}
	})
	open.Importance = widget.LowImportance
	f.buttons = append(f.buttons, open)
	return container.NewStack(open, body)
}

// fleetColor is a report's traffic light: grey when the box could not be
// asked (or was not asked yet), red when it needs attention, green when
// it is fine.
func fleetColor(r fleet.Report) color.Color {
	switch {
	case r.Severity < 0 || !r.Reachable:
		return fleetGrey
	case r.NeedsAttention():
		return theme.Color(theme.ColorNameError)
	}
	return theme.Color(theme.ColorNameSuccess)
}

// fleetGrey is the light of a box that could not be asked: a mid grey,
// seen on the light and the dark theme.
var fleetGrey = color.NRGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}

// backupText says when the box's last backup ran.
func (f *FleetScreen) backupText(r fleet.Report) string {
	switch b := r.Backup; {
	case r.Severity < 0 || !r.Reachable:
		return tr("Backup: –")
	case b == nil:
		return tr("Backup: unknown")
	case !b.Configured:
		return tr("Backup: not set up")
	case b.LastRun.IsZero():
		return tr("Backup: never ran")
	case b.LastResult == "failed":
		return tr("Backup failed %s", age(f.Now(), b.LastRun))
	}
	return tr("Backup %s", age(f.Now(), r.Backup.LastRun))
}

// copyText says when the oldest off-site copy last succeeded.
func (f *FleetScreen) copyText(r fleet.Report) string {
	b := r.Backup
	switch {
	case r.Severity < 0 || !r.Reachable:
		return tr("Copy: –")
	case b == nil || !b.Configured:
		return tr("Copy: unknown")
	case len(b.Copies) == 0:
		return tr("Copy: none")
	}
	c, _ := b.OldestCopy()
	if c.LastSuccess.IsZero() {
		return tr("Copy: never succeeded")
	}
	return tr("Copy %s", age(f.Now(), c.LastSuccess))
}

// drillText says when the last restore drill ran and whether it failed.
func (f *FleetScreen) drillText(r fleet.Report) string {
	b := r.Backup
	switch {
	case r.Severity < 0 || !r.Reachable:
		return tr("Restore drill: –")
	case b == nil || !b.Configured:
		return tr("Restore drill: unknown")
	case b.LastDrill.IsZero():
		return tr("Restore drill: never")
	case b.DrillResult == "failed":
		return tr("Restore drill failed %s", age(f.Now(), b.LastDrill))
	}
	return tr("Restore drill %s", age(f.Now(), b.LastDrill))
}

// certText says how many days the soonest ending certificate has left.
func (f *FleetScreen) certText(r fleet.Report) string {
	c, ok := r.SoonestCert()
	switch {
	case r.Severity < 0 || !r.Reachable:
		return tr("Certificates: –")
	case r.Certs == nil:
		return tr("Certificates: unknown")
	case !ok:
		return tr("Certificates: none")
	}
	if d := c.DaysLeft(f.Now()); d >= 0 {
		return tr("Certificates: %d days left", d)
	}
	return tr("Certificate expired")
}

// diskText names the fullest share's filesystem.
func diskText(r fleet.Report) string {
	if r.Severity < 0 || !r.Reachable {
		return tr("Disk: –")
	}
	full := -1
	for _, d := range r.Disk {
		full = max(full, d.FullPercent())
	}
	if full < 0 {
		return tr("Disk: unknown")
	}
	return tr("Disk %d%% full", full)
}

// reasonRules put fleet.Report.Attention's lines (see Report.Evaluate)
// into plain, translated words; a line none of them knows is shown as it
// is.
var reasonRules = []struct {
	re   *regexp.Regexp
	text func(r fleet.Report, m []string) string
}{
	{regexp.MustCompile(`^unreachable: (.*)$`), func(r fleet.Report, _ []string) string { return problemText(r) }},
	{regexp.MustCompile(`^no site is applied$`), func(fleet.Report, []string) string { return tr("No site is applied yet.") }},
	{regexp.MustCompile(`^(.+) is not healthy$`), func(_ fleet.Report, m []string) string { return tr("%s is not working.", serviceLabel(m[1])) }},
	{regexp.MustCompile(`^drift not checked: (.*)$`), func(_ fleet.Report, m []string) string { return tr("The template could not be checked: %s", m[1]) }},
	{regexp.MustCompile(`^drifted from its template: (\d+) steps?$`), func(_ fleet.Report, m []string) string {
		n, _ := strconv.Atoi(m[1])
		return tr("Changed since its template was applied (%d steps to undo).", n)
	}},
	{regexp.MustCompile(`^backup status unknown: (.*)$`), func(_ fleet.Report, m []string) string { return tr("The backup state cannot be read: %s", m[1]) }},
	{regexp.MustCompile(`^no backup ran yet$`), func(fleet.Report, []string) string { return tr("No backup has run yet.") }},
	{regexp.MustCompile(`^last backup (\S+) ago \(more than (\d+)h\)$`), func(_ fleet.Report, m []string) string {
		return tr("The last backup is older than %s hours.", m[2])
	}},
	{regexp.MustCompile(`^the last backup failed$`), func(fleet.Report, []string) string { return tr("The last backup failed.") }},
	{regexp.MustCompile(`^copy (\S+) never succeeded$`), func(_ fleet.Report, m []string) string {
		return tr("The off-site copy %s has never succeeded.", m[1])
	}},
	{regexp.MustCompile(`^last copy to (\S+) (\S+) ago \(more than (\d+)h\)$`), func(_ fleet.Report, m []string) string {
		return tr("The off-site copy %s is older than %s hours.", m[1], m[3])
	}},
	{regexp.MustCompile(`^the last copy to (\S+) failed$`), func(_ fleet.Report, m []string) string {
		return tr("The last off-site copy to %s failed.", m[1])
	}},
	{regexp.MustCompile(`^the last restore drill failed$`), func(fleet.Report, []string) string { return tr("The last restore drill failed.") }},
	{regexp.MustCompile(`^certificate (.+) has expired$`), func(_ fleet.Report, m []string) string {
		return tr("The certificate %s has expired.", certLabel(m[1]))
	}},
	{regexp.MustCompile(`^certificate (.+) expires in (\d+) days?$`), func(_ fleet.Report, m []string) string {
		return tr("The certificate %s expires in %s days.", certLabel(m[1]), m[2])
	}},
	{regexp.MustCompile(`^the disk of share (\S+) is (\d+)% full$`), func(_ fleet.Report, m []string) string {
		return tr("The disk of %s is %s%% full.", shareLabel(m[1]), m[2])
	}},
}

// certLabel names a certificate as possed does (api.Certificate.Name)
// in the reader's language.
func certLabel(name string) string {
	switch name {
	case "site CA":
		return tr("of the site CA")
	case "directory (LDAPS)":
		return tr("of the directory (LDAPS)")
	case "mail":
		return tr("of the mail server")
	}
	return name
}

// fleetReason is why the box needs attention, in plain words, worst
// first; or that it is fine.
func fleetReason(r fleet.Report) string {
	if r.Severity < 0 {
		return tr("Not asked yet.")
	}
	if !r.NeedsAttention() {
		return tr("Everything is fine.")
	}
	var out []string
	for _, a := range r.Attention {
		out = append(out, reasonLine(r, a))
	}
	return strings.Join(out, " ")
}

func reasonLine(r fleet.Report, a string) string {
	for _, rule := range reasonRules {
		if m := rule.re.FindStringSubmatch(a); m != nil {
			return rule.text(r, m)
		}
	}
	return a + "."
}

// problemText says in plain words why a box could not be asked.
func problemText(r fleet.Report) string {
	switch r.Problem {
	case fleet.ProblemTimeout:
		return tr("No answer in time: the box may be switched off or offline.")
	case fleet.ProblemHostKeyUnknown:
		return tr("Its SSH key is not known yet: open it to compare the key's fingerprint and connect.")
	case fleet.ProblemHostKeyChanged:
		return tr("Its SSH key has CHANGED since the last connection: someone may be intercepting the connection.")
	case fleet.ProblemRefused:
		return tr("The box refuses SSH connections.")
	case fleet.ProblemAuthFailed:
		return tr("The box refused the login: check your SSH key.")
	case fleet.ProblemNoRoute:
		return tr("The box cannot be found on the network.")
	case fleet.ProblemNoPossed:
		return tr("Posse does not answer on the box.")
	}
	return tr("Cannot ask the box: %s", r.Detail)
}
