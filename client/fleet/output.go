// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posse-project/posse/internal/printable"
)

// JSONVersion is the version of the JSON fleet status; it changes only
// when a field changes meaning or goes away.
const JSONVersion = 1

// StatusJSON is `possectl fleet status --json` (see docs/fleet.md).
type StatusJSON struct {
	Version        int       `json:"version"`
	CheckedAt      string    `json:"checked_at"`
	Boxes          int       `json:"boxes"`
	NeedsAttention int       `json:"needs_attention"`
	Reports        []BoxJSON `json:"reports"`
}

// BoxJSON is one box of StatusJSON.
type BoxJSON struct {
	Name           string       `json:"name"`
	Host           string       `json:"host"`
	Reachable      bool         `json:"reachable"`
	Problem        string       `json:"problem,omitempty"`
	Detail         string       `json:"detail,omitempty"`
	Hostname       string       `json:"hostname,omitempty"`
	Site           string       `json:"site,omitempty"`
	PossedVersion  string       `json:"possed_version,omitempty"`
	Healthy        bool         `json:"healthy"`
	Services       []Service    `json:"services"`
	Backup         *BackupJSON  `json:"backup"`
	Disk           []Disk       `json:"disk"`
	Drift          *DriftJSON   `json:"drift"`
	Updates        *UpdatesJSON `json:"updates"`
	Certificates   *CertsJSON   `json:"certificates"`
	NeedsAttention bool         `json:"needs_attention"`
	Attention      []string     `json:"attention"`
	Seconds        float64      `json:"seconds"`
}

// BackupJSON is a box's backup state; Error is set instead when it could
// not be read.
type BackupJSON struct {
	Configured bool   `json:"configured"`
	LastRun    string `json:"last_run,omitempty"`
	LastResult string `json:"last_result,omitempty"`
	// AgeHours is the last run's age, -1 when no backup ran.
	AgeHours float64 `json:"age_hours"`
	// Copies are the off-site copies; CopyAgeHours is the age of the
	// oldest copy's last success (-1 when a copy never succeeded), absent
	// when there are no copies.
	Copies       []CopyJSON `json:"copies"`
	CopyAgeHours *float64   `json:"copy_age_hours,omitempty"`
	// Drill is the last restore drill, null when none ran.
	Drill *DrillJSON `json:"drill"`
	Error string     `json:"error,omitempty"`
}

// CopyJSON is one off-site copy of a box's backup.
type CopyJSON struct {
	Name        string `json:"name"`
	LastRun     string `json:"last_run,omitempty"`
	LastResult  string `json:"last_result,omitempty"`
	LastSuccess string `json:"last_success,omitempty"`
	// AgeHours is the last success's age, -1 when the copy never
	// succeeded.
	AgeHours float64 `json:"age_hours"`
}

// DrillJSON is a box's last restore drill.
type DrillJSON struct {
	LastRun  string  `json:"last_run"`
	Result   string  `json:"result"`
	Detail   string  `json:"detail,omitempty"`
	AgeHours float64 `json:"age_hours"`
}

// CertsJSON are a box's TLS certificates; Error is set instead when they
// could not be read.
type CertsJSON struct {
	// DaysLeft is the days the soonest ending certificate has left
	// (negative: ended), null when the box has none.
	DaysLeft *int       `json:"days_left"`
	Certs    []CertJSON `json:"certs"`
	Error    string     `json:"error,omitempty"`
}

// CertJSON is one certificate of a box.
type CertJSON struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	NotAfter string `json:"not_after"`
	DaysLeft int    `json:"days_left"`
}

// UpdatesJSON is a box's pending Debian updates; Error is set instead
// when they could not be read.
type UpdatesJSON struct {
	Pending  int `json:"pending"`
	Security int `json:"security"`
	// ListsUpdated is when apt last read the package lists (RFC 3339, ""
	// when unknown).
	ListsUpdated string `json:"lists_updated,omitempty"`
	// LastUpgrade is when Posse last ran an upgrade (RFC 3339, absent
	// when never), LastUpgradeResult how it ended.
	LastUpgrade       string `json:"last_upgrade,omitempty"`
	LastUpgradeResult string `json:"last_upgrade_result,omitempty"`
	Error             string `json:"error,omitempty"`
}

// DriftJSON is a box's drift from its template.
type DriftJSON struct {
	Template string `json:"template"`
	Empty    bool   `json:"empty"`
	Steps    int    `json:"steps"`
	Error    string `json:"error,omitempty"`
}

// JSON turns reports into the stable JSON structure.
func JSON(rs []Report, now time.Time) StatusJSON {
	s := StatusJSON{Version: JSONVersion, CheckedAt: now.UTC().Format(time.RFC3339), Boxes: len(rs), Reports: []BoxJSON{}}
	for _, r := range rs {
		b := BoxJSON{
			Name: r.Name, Host: r.Host, Reachable: r.Reachable, Problem: r.Problem, Detail: r.Detail,
			Hostname: r.Hostname, Site: r.Site, PossedVersion: r.Version,
			Healthy: r.Reachable && r.Site != "", Services: r.Services, Disk: r.Disk,
			NeedsAttention: r.NeedsAttention(), Attention: r.Attention,
			Seconds: math.Round(r.Took.Seconds()*1000) / 1000,
		}
		for _, sv := range r.Services {
			b.Healthy = b.Healthy && sv.OK
		}
		if b.Services == nil {
			b.Services = []Service{}
		}
		if b.Disk == nil {
			b.Disk = []Disk{}
		}
		if b.Attention == nil {
			b.Attention = []string{}
		}
		if r.Reachable {
			b.Backup = &BackupJSON{Error: r.BackupError, AgeHours: -1}
			if bk := r.Backup; bk != nil {
				b.Backup.Configured, b.Backup.LastResult = bk.Configured, bk.LastResult
				if !bk.LastRun.IsZero() {
					b.Backup.LastRun = bk.LastRun.UTC().Format(time.RFC3339)
					b.Backup.AgeHours = hours(now, bk.LastRun)
				}
				b.Backup.Copies, b.Backup.CopyAgeHours = copiesJSON(bk, now)
				if !bk.LastDrill.IsZero() {
					b.Backup.Drill = &DrillJSON{LastRun: rfc3339(bk.LastDrill), Result: bk.DrillResult, Detail: bk.DrillDetail, AgeHours: hours(now, bk.LastDrill)}
				}
			}
			if b.Backup.Copies == nil {
				b.Backup.Copies = []CopyJSON{}
			}
		}
		if r.Reachable && (r.Certs != nil || r.CertsError != "") {
			b.Certificates = certsJSON(r.Box, now)
		}
		if r.Reachable && (r.Updates != nil || r.UpdatesError != "") {
			b.Updates = &UpdatesJSON{Error: r.UpdatesError}
			if u := r.Updates; u != nil {
				b.Updates.Pending, b.Updates.Security = u.Pending, u.Security
				if !u.ListsUpdated.IsZero() {
					b.Updates.ListsUpdated = u.ListsUpdated.UTC().Format(time.RFC3339)
				}
				if !u.LastUpgrade.IsZero() {
					b.Updates.LastUpgrade = u.LastUpgrade.UTC().Format(time.RFC3339)
					b.Updates.LastUpgradeResult = u.LastUpgradeResult
				}
			}
		}
		if d := r.Drift; d != nil {
			b.Drift = &DriftJSON{Template: d.Template, Empty: d.Error == "" && d.Steps == 0, Steps: d.Steps, Error: d.Error}
		}
		if b.NeedsAttention {
			s.NeedsAttention++
		}
		s.Reports = append(s.Reports, b)
	}
	return s
}

// hours is the age of t at now in hours, to a tenth.
func hours(now, t time.Time) float64 { return math.Round(now.Sub(t).Hours()*10) / 10 }

// rfc3339 prints t in UTC, "" when it is zero.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func copiesJSON(bk *Backup, now time.Time) ([]CopyJSON, *float64) {
	out := []CopyJSON{}
	for _, c := range bk.Copies {
		j := CopyJSON{Name: c.Name, LastRun: rfc3339(c.LastRun), LastResult: c.LastResult, LastSuccess: rfc3339(c.LastSuccess), AgeHours: -1}
		if !c.LastSuccess.IsZero() {
			j.AgeHours = hours(now, c.LastSuccess)
		}
		out = append(out, j)
	}
	c, ok := bk.OldestCopy()
	if !ok {
		return out, nil
	}
	a := -1.0
	if !c.LastSuccess.IsZero() {
		a = hours(now, c.LastSuccess)
	}
	return out, &a
}

func certsJSON(b Box, now time.Time) *CertsJSON {
	j := &CertsJSON{Certs: []CertJSON{}, Error: b.CertsError}
	for _, c := range b.Certs {
		j.Certs = append(j.Certs, CertJSON{Name: c.Name, Path: c.Path, NotAfter: rfc3339(c.NotAfter), DaysLeft: c.DaysLeft(now)})
	}
	if c, ok := b.SoonestCert(); ok {
		d := c.DaysLeft(now)
		j.DaysLeft = &d
	}
	return j
}

// WriteJSON prints reports as StatusJSON, indented.
func WriteJSON(w io.Writer, rs []Report, now time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(JSON(rs, now))
}

// WriteText prints one line per box, in the order given: its state,
// services, last backup, its copies' age, last restore drill, the days the
// soonest ending certificate has left, disk use, drift, pending updates,
// and why it needs attention.
func WriteText(w io.Writer, rs []Report, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "BOX\tSTATE\tSERVICES\tBACKUP\tCOPIES\tDRILL\tCERTS\tDISK\tDRIFT\tUPDATES\tNOTE\n")
	for _, r := range rs {
		note := strings.Join(r.Attention, "; ")
		if !r.Reachable {
			note = r.Problem
			if r.Detail != "" {
				note += ": " + r.Detail
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable.String(r.Name), state(r), services(r),
			backupText(r, now), copiesText(r, now), drillText(r, now), certsText(r, now),
			diskText(r), driftText(r), updatesText(r), printable.String(note))
	}
	return tw.Flush()
}

func state(r Report) string {
	switch {
	case !r.Reachable:
		return "UNREACHABLE"
	case r.NeedsAttention():
		return "ATTENTION"
	}
	return "ok"
}

func services(r Report) string {
	switch {
	case !r.Reachable:
		return "-"
	case r.Site == "":
		return "no site"
	}
	ok := 0
	var bad []string
	for _, s := range r.Services {
		if s.OK {
			ok++
		} else {
			bad = append(bad, printable.String(s.Name))
		}
	}
	t := fmt.Sprintf("%d/%d ok", ok, len(r.Services))
	if len(bad) > 0 {
		t += " (" + strings.Join(bad, ", ") + " failed)"
	}
	return t
}

func backupText(r Report, now time.Time) string {
	b := r.Backup
	switch {
	case !r.Reachable:
		return "-"
	case b == nil:
		return "unknown"
	case !b.Configured:
		return "not configured"
	case b.LastRun.IsZero():
		return "never"
	}
	t := age(now.Sub(b.LastRun)) + " ago"
	if b.LastResult == "failed" {
		t += ", failed"
	}
	return t
}

// copiesText is the age of the oldest off-site copy's last success.
func copiesText(r Report, now time.Time) string {
	b := r.Backup
	switch {
	case !r.Reachable:
		return "-"
	case b == nil:
		return "unknown"
	case len(b.Copies) == 0:
		return "none"
	}
	c, _ := b.OldestCopy()
	t := "never"
	if !c.LastSuccess.IsZero() {
		t = age(now.Sub(c.LastSuccess)) + " ago"
	}
	for _, c := range b.Copies {
		if c.LastResult == "failed" {
			return t + ", failed"
		}
	}
	return t
}

// drillText is the last restore drill's age and result.
func drillText(r Report, now time.Time) string {
	b := r.Backup
	switch {
	case !r.Reachable:
		return "-"
	case b == nil:
		return "unknown"
	case b.LastDrill.IsZero():
		return "never"
	}
	t := age(now.Sub(b.LastDrill)) + " ago"
	if b.DrillResult == "failed" {
		t += ", failed"
	}
	return t
}

// certsText is the days the soonest ending certificate has left.
func certsText(r Report, now time.Time) string {
	c, ok := r.SoonestCert()
	switch {
	case !r.Reachable:
		return "-"
	case r.Certs == nil:
		return "unknown"
	case !ok:
		return "none"
	}
	d := c.DaysLeft(now)
	if d < 0 {
		return "expired"
	}
	return days(d) + " left"
}

func diskText(r Report) string {
	if !r.Reachable || len(r.Disk) == 0 {
		if r.DiskError != "" {
			return "unknown"
		}
		return "-"
	}
	var used uint64
	full := 0
	for _, d := range r.Disk {
		used += d.UsedBytes
		full = max(full, d.FullPercent())
	}
	return fmt.Sprintf("%s in shares, %d%% full", sizeText(used), full)
}

func updatesText(r Report) string {
	u := r.Updates
	switch {
	case !r.Reachable:
		return "-"
	case u == nil:
		return "unknown"
	case u.Pending == 0:
		return "none"
	case u.Security > 0:
		return fmt.Sprintf("%d (%d security)", u.Pending, u.Security)
	}
	return fmt.Sprint(u.Pending)
}

func driftText(r Report) string {
	d := r.Drift
	switch {
	case !r.Reachable:
		return "-"
	case d == nil:
		return "no template"
	case d.Error != "":
		return "not checked"
	case d.Steps == 0:
		return "none"
	}
	return steps(d.Steps)
}

// sizeText prints a size in binary units.
func sizeText(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
