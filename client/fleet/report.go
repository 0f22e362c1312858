// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Why a box could not be asked: Box.Problem.
const (
	ProblemTimeout        = "timeout"
	ProblemHostKeyUnknown = "host-key-unknown"
	ProblemHostKeyChanged = "host-key-changed"
	ProblemRefused        = "connection-refused"
	ProblemAuthFailed     = "auth-failed"
	ProblemNoRoute        = "no-route"
	ProblemNoPossed       = "no-possed"
	ProblemError          = "error"
)

// Limits of a box that needs no attention.
const (
	// BackupMaxAge is how old the last backup may be.
	BackupMaxAge = 36 * time.Hour
	// DiskFullPercent is how full a share's filesystem may get.
	DiskFullPercent = 90
)

// Box is what a Prober found out about one box.
type Box struct {
	// Reachable is false when possed on the box could not be asked;
	// Problem and Detail say why.
	Reachable bool
	Problem   string
	Detail    string

	Hostname string
	// Site is the name of the site applied, "" when none is.
	Site    string
	Version string

	Services []Service
	// Backup is nil when the backup status could not be read (Detail
	// of BackupError says why).
	Backup      *Backup
	BackupError string
	// Disk lists the shares' filesystems (the home folders count as a
	// share); DiskError says why they could not be read.
	Disk      []Disk
	DiskError string
	// Drift is nil when no template is given for the box.
	Drift *Drift
	// Updates are the box's pending Debian updates; nil when they could
	// not be read (UpdatesError says why).
	Updates      *Updates
	UpdatesError string
}

// Updates counts a box's pending Debian updates.
type Updates struct {
	Pending  int
	Security int
	// ListsUpdated is when apt last read the package lists (zero when
	// unknown).
	ListsUpdated time.Time
	// LastUpgrade is when Posse last ran an upgrade (zero: never) and
	// LastUpgradeResult how it ended ("success", "failed").
	LastUpgrade       time.Time
	LastUpgradeResult string
}

// Service is one service's health.
type Service struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Backup is the state of the box's backups.
type Backup struct {
	Configured bool
	// LastRun is zero when no backup ran yet.
	LastRun time.Time
	// LastResult is "success", "failed" or "".
	LastResult string
}

// Disk is the disk use of one share and of the filesystem it is on.
type Disk struct {
	Share     string `json:"share"`
	Path      string `json:"path"`
	UsedBytes uint64 `json:"used_bytes"`
	FreeBytes uint64 `json:"free_bytes"`
	SizeBytes uint64 `json:"size_bytes"`
}

// FullPercent is how full the share's filesystem is, 0 when unknown.
func (d Disk) FullPercent() int {
	if d.SizeBytes == 0 || d.FreeBytes > d.SizeBytes {
		return 0
	}
	return int((d.SizeBytes - d.FreeBytes) * 100 / d.SizeBytes)
}

// Drift is what planning the box's template against it gave.
type Drift struct {
	Template string
	// Steps is the number of steps apply would take: 0 when the box
	// matches the template.
	Steps int
	// Error says why there is no plan ("" when there is one).
	Error string
}

// Severity orders reports worst first.
type Severity int

// Severities, worst first.
const (
	SevUnreachable Severity = iota
	SevUnhealthy
	SevDrift
	SevBackup
	SevDisk
	SevUpdates
	SevOK
)

// Report is one box of a fleet status: the entry, what its prober found,
// and whether and why it needs attention.
type Report struct {
	Entry
	Box
	// Attention lists why the box needs attention, worst first; empty
	// when it needs none.
	Attention []string
	Severity  Severity
	// Took is how long asking the box took.
	Took time.Duration
}

// NeedsAttention reports whether anything about the box is wrong.
func (r Report) NeedsAttention() bool { return len(r.Attention) > 0 }

// Evaluate fills in Attention and Severity by the rules: a box needs
// attention when it cannot be asked, has no site or an unhealthy service,
// has drifted from its template (or its template could not be planned),
// when its last backup is older than BackupMaxAge, failed or never ran,
// a share's filesystem is DiskFullPercent full, or security updates are
// pending or the last upgrade Posse ran failed.
func (r *Report) Evaluate(now time.Time) {
	r.Attention, r.Severity = nil, SevOK
	add := func(s Severity, format string, a ...any) {
		r.Attention = append(r.Attention, fmt.Sprintf(format, a...))
		r.Severity = min(r.Severity, s)
	}
	if !r.Reachable {
		add(SevUnreachable, "unreachable: %s", r.Problem)
		return
	}
	if r.Site == "" {
		add(SevUnhealthy, "no site is applied")
	}
	for _, s := range r.Services {
		if !s.OK {
			add(SevUnhealthy, "%s is not healthy", s.Name)
		}
	}
	if d := r.Drift; d != nil {
		switch {
		case d.Error != "":
			add(SevDrift, "drift not checked: %s", d.Error)
		case d.Steps > 0:
			add(SevDrift, "drifted from its template: %s", steps(d.Steps))
		}
	}
	switch b := r.Backup; {
	case b == nil:
		add(SevBackup, "backup status unknown: %s", r.BackupError)
	case !b.Configured:
	case b.LastRun.IsZero():
		add(SevBackup, "no backup ran yet")
	case now.Sub(b.LastRun) > BackupMaxAge:
		add(SevBackup, "last backup %s ago (more than %dh)", age(now.Sub(b.LastRun)), int(BackupMaxAge.Hours()))
	case b.LastResult == "failed":
		add(SevBackup, "the last backup failed")
	}
	for _, d := range r.Disk {
		if p := d.FullPercent(); p >= DiskFullPercent {
			add(SevDisk, "the disk of share %s is %d%% full", d.Share, p)
		}
	}
	if u := r.Updates; u != nil && u.LastUpgradeResult == "failed" {
		add(SevUpdates, "the last upgrade failed")
	}
	if u := r.Updates; u != nil && u.Security > 0 {
		if u.Security == 1 {
			add(SevUpdates, "1 security update pending")
		} else {
			add(SevUpdates, "%d security updates pending", u.Security)
		}
	}
}

// Sort orders reports worst first, then by name.
func Sort(rs []Report) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Severity != rs[j].Severity {
			return rs[i].Severity < rs[j].Severity
		}
		return strings.ToLower(rs[i].Name) < strings.ToLower(rs[j].Name)
	})
}

// steps says "1 step" or "N steps".
func steps(n int) string {
	if n == 1 {
		return "1 step"
	}
	return fmt.Sprintf("%d steps", n)
}

// age prints a duration the way people read a backup's age: 45m, 3h, 2d5h.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%dd%dh", days, int(d.Hours())-days*24)
}
