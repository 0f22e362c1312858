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
	Error    string  `json:"error,omitempty"`
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
					b.Backup.AgeHours = math.Round(now.Sub(bk.LastRun).Hours()*10) / 10
				}
			}
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

// WriteJSON prints reports as StatusJSON, indented.
func WriteJSON(w io.Writer, rs []Report, now time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(JSON(rs, now))
}

// WriteText prints one line per box, in the order given: its state,
// services, last backup, disk use, drift, and why it needs attention.
func WriteText(w io.Writer, rs []Report, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "BOX\tSTATE\tSERVICES\tBACKUP\tDISK\tDRIFT\tUPDATES\tNOTE\n")
	for _, r := range rs {
		note := strings.Join(r.Attention, "; ")
		if !r.Reachable {
			note = r.Problem
			if r.Detail != "" {
				note += ": " + r.Detail
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable.String(r.Name), state(r), services(r),
			backupText(r, now), diskText(r), driftText(r), updatesText(r), printable.String(note))
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
