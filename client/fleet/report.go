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
	// CertWarnBefore is how long before it ends a certificate needs
	// attention.
	CertWarnBefore = 14 * 24 * time.Hour
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
	// Certs are the TLS certificates Posse manages on the box (the site
	// CA, LDAPS, mail); nil when they could not be read (CertsError says
	// why, e.g. a possed older than the Certificates method).
	Certs      []Cert
	CertsError string
}

// Cert is one certificate of a box and when it ends.
type Cert struct {
	Name     string
	Path     string
	NotAfter time.Time
}

// DaysLeft is how many whole days the certificate is still valid at now;
// negative once it has ended.
func (c Cert) DaysLeft(now time.Time) int {
	d := c.NotAfter.Sub(now)
	if d < 0 {
		return -1 - int(-d.Hours()/24)
	}
	return int(d.Hours() / 24)
}

// SoonestCert is the certificate that ends first; ok is false when there
// is none.
func (b Box) SoonestCert() (c Cert, ok bool) {
	for i, x := range b.Certs {
		if i == 0 || x.NotAfter.Before(c.NotAfter) {
			c, ok = x, true
		}
	}
	return c, ok
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
	// Copies are the off-site copies of the repository.
	Copies []Copy
	// LastDrill is when the last restore drill ran (zero: never),
	// DrillResult how it ended ("success", "failed") and DrillDetail
	// what it restored or why it failed.
	LastDrill   time.Time
	DrillResult string
	DrillDetail string
}

// Copy is one off-site copy of a box's backup repository.
type Copy struct {
	Name string
	// LastRun is when the copy last ran (zero: never) and LastResult how
	// it ended; LastSuccess is when it last succeeded (zero: never).
	LastRun     time.Time
	LastResult  string
	LastSuccess time.Time
}

// OldestCopy is the copy whose last success is the oldest (one that never
// succeeded first); ok is false when the backup has no copies.
func (b Backup) OldestCopy() (c Copy, ok bool) {
	for i, x := range b.Copies {
		if i == 0 || x.LastSuccess.Before(c.LastSuccess) {
			c, ok = x, true
		}
	}
	return c, ok
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
	SevCert
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
// when its last backup or an off-site copy is older than BackupMaxAge,
// failed or never ran, the last restore drill failed, a certificate ends
// within CertWarnBefore, a share's filesystem is DiskFullPercent full, or
// security updates are pending or the last upgrade Posse ran failed.
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
	if b := r.Backup; b != nil && b.Configured {
		for _, c := range b.Copies {
			switch {
			case c.LastSuccess.IsZero():
				add(SevBackup, "copy %s never succeeded", c.Name)
			case now.Sub(c.LastSuccess) > BackupMaxAge:
				add(SevBackup, "last copy to %s %s ago (more than %dh)", c.Name, age(now.Sub(c.LastSuccess)), int(BackupMaxAge.Hours()))
			case c.LastResult == "failed":
				add(SevBackup, "the last copy to %s failed", c.Name)
			}
		}
		if b.DrillResult == "failed" {
			add(SevBackup, "the last restore drill failed")
		}
	}
	if c, ok := r.SoonestCert(); ok && c.NotAfter.Sub(now) <= CertWarnBefore {
		if d := c.DaysLeft(now); d < 0 {
			add(SevCert, "certificate %s has expired", c.Name)
		} else {
			add(SevCert, "certificate %s expires in %s", c.Name, days(d))
		}
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

// days says "1 day" or "N days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
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
