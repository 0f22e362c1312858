// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// ServiceHealth is one entry of `possectl status --json`.
type ServiceHealth struct {
	Service string `json:"service"`
	Unit    string `json:"unit,omitempty"` // a service with several units has one entry per unit
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
}

// ErrNoStatus means the possectl inside the box has no status command yet.
var ErrNoStatus = errors.New("possectl in the box has no status command (no health probes yet)")

// Status runs `possectl status --json` inside the box and returns the
// per-service health. A possectl without that command gives ErrNoStatus.
func (b *Box) Status(ctx context.Context) ([]ServiceHealth, error) {
	var out, errb bytes.Buffer
	code, err := b.Run(ctx, RunOptions{Stdout: &out, Stderr: &errb}, "possectl", "status", "--json")
	if err != nil {
		return nil, err
	}
	if code != 0 && strings.Contains(errb.String(), "unknown command") {
		return nil, ErrNoStatus
	}
	var hs []ServiceHealth
	if jerr := json.Unmarshal(out.Bytes(), &hs); jerr != nil {
		return nil, fmt.Errorf("possectl status --json exited with %d and printed no health list (%v): %s",
			code, jerr, strings.TrimSpace(lastLines(errb.String()+out.String(), 10)))
	}
	return hs, nil
}

// RehearseOptions tune Rehearse.
type RehearseOptions struct {
	// Release is the Debian release of the box (default DefaultRelease).
	Release string
	// Keep leaves the box running for inspection.
	Keep bool
	// BinDir is as in UpOptions.
	BinDir string
	// Progress receives image build and boot messages (may be nil).
	Progress io.Writer
	// Output receives the apply output as it happens (may be nil).
	Output io.Writer
}

// Timing is one measured phase of a rehearsal.
type Timing struct {
	Phase    string
	Duration time.Duration
}

// Report is the result of a rehearsal.
type Report struct {
	Box       string
	IP        string
	Kept      bool
	Booted    bool
	ApplyCode int    // possectl apply's exit code (-1: not run)
	ApplyTail string // last lines of the apply output
	Services  []ServiceHealth
	NoProbes  bool   // possectl has no status command yet
	Problem   string // why the rehearsal failed, if it did outside apply and probes
	Timings   []Timing
}

// Passed reports whether the box booted, the apply succeeded and every
// service's probe passed.
func (r *Report) Passed() bool {
	if !r.Booted || r.ApplyCode != 0 || r.Problem != "" {
		return false
	}
	for _, s := range r.Services {
		if !s.OK {
			return false
		}
	}
	return true
}

// Write prints the report for people.
func (r *Report) Write(w io.Writer) error {
	fmt.Fprintf(w, "\nRehearsal in box %s", r.Box)
	if r.IP != "" {
		fmt.Fprintf(w, " (%s)", r.IP)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  CHECK\tRESULT\tDETAIL")
	res := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "FAIL"
	}
	fmt.Fprintf(tw, "  boot\t%s\t\n", res(r.Booted))
	if r.Booted {
		detail := ""
		if r.ApplyCode != 0 {
			detail = fmt.Sprintf("exit code %d", r.ApplyCode)
		}
		fmt.Fprintf(tw, "  apply\t%s\t%s\n", res(r.ApplyCode == 0), detail)
	}
	for _, s := range r.Services {
		name := s.Service
		if s.Unit != "" {
			name += " (" + s.Unit + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, res(s.OK), oneLine(s.Detail))
	}
	switch {
	case r.NoProbes:
		fmt.Fprintln(tw, "  probes\t-\tpossectl has no status command yet: no health probes run")
	case len(r.Services) == 0 && r.ApplyCode >= 0 && r.Problem == "":
		fmt.Fprintln(tw, "  probes\t-\tpossectl status reported no services")
	}
	tw.Flush()
	if r.Problem != "" {
		fmt.Fprintf(w, "Problem: %s\n", r.Problem)
	}
	if r.ApplyCode > 0 && r.ApplyTail != "" {
		fmt.Fprintf(w, "Last lines of the apply:\n%s\n", r.ApplyTail)
	}
	fmt.Fprint(w, "Timings:")
	for _, t := range r.Timings {
		fmt.Fprintf(w, " %s %.1fs", t.Phase, t.Duration.Seconds())
	}
	fmt.Fprintln(w)
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "Rehearsal %s.", verdict)
	if r.Kept {
		fmt.Fprintf(w, " Box %s is kept: possectl sandbox shell %s; possectl sandbox down %s", r.Box, r.Box, r.Box)
	}
	_, err := fmt.Fprintln(w)
	return err
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

// rehearsalName is "rehearse-" and 5 random characters.
func rehearsalName() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "rehearse-" + string(b)
}

// Rehearse boots a fresh box, applies the site template inside it, runs
// every service's health probe (possectl status --json) and brings the box
// down again unless opts.Keep. The report is returned even when a phase
// fails; err is set only for failures outside the site (cannot boot, …).
func Rehearse(ctx context.Context, template, secrets string, opts RehearseOptions) (*Report, error) {
	r := &Report{Box: rehearsalName(), ApplyCode: -1}
	phase := func(name string, start time.Time) {
		r.Timings = append(r.Timings, Timing{name, time.Since(start)})
	}
	total := time.Now()
	start := time.Now()
	if _, err := EnsureImage(ctx, opts.Release, opts.Progress); err != nil {
		return r, err
	}
	phase("image", start)
	start = time.Now()
	b, err := Up(ctx, r.Box, UpOptions{Release: opts.Release, BinDir: opts.BinDir, Progress: opts.Progress})
	if err != nil {
		r.Problem = err.Error()
		return r, err
	}
	phase("boot", start)
	r.Booted, r.IP = true, b.IP()
	defer func() {
		if opts.Keep {
			r.Kept = true
			return
		}
		start := time.Now()
		if err := b.Down(context.WithoutCancel(ctx), DownOptions{Purge: true}); err != nil && r.Problem == "" {
			r.Problem = "bringing the box down: " + err.Error()
		}
		phase("down", start)
		phase("total", total)
	}()

	start = time.Now()
	var tail tailBuffer
	out := io.Writer(&tail)
	if opts.Output != nil {
		out = io.MultiWriter(opts.Output, &tail)
	}
	r.ApplyCode, err = b.Apply(ctx, template, secrets, out, out)
	phase("apply", start)
	r.ApplyTail = lastLines(tail.String(), 20)
	if err != nil {
		r.Problem = err.Error()
		return r, nil
	}
	start = time.Now()
	hs, err := b.Status(ctx)
	phase("probes", start)
	switch {
	case errors.Is(err, ErrNoStatus):
		r.NoProbes = true
	case err != nil:
		r.Problem = err.Error()
	default:
		r.Services = hs
	}
	return r, nil
}
