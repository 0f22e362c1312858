// SPDX-License-Identifier: GPL-3.0-or-later

// Package notify sends alerts by mail (the site's notify section): a
// scheduled check run turns what the box reports (the backup run log, the
// file systems, the site's units, the certificates) into problems, decides
// which mails are due (one per problem and day at most, one when it is
// resolved) and sends them through the box's own Postfix. Detection,
// decision and rendering are pure; mail goes out behind Sender, and the
// service writes the check's units.
package notify

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Thresholds of the problems.
const (
	// BackupMaxAge is how old the last successful backup may be.
	BackupMaxAge = 36 * time.Hour
	// DiskFullPercent is the use of a file system above which it alerts.
	DiskFullPercent = 90.0
	// CertWarnBefore is how long before its end a certificate alerts.
	CertWarnBefore = 14 * 24 * time.Hour
	// RemindAfter is how long an open problem waits for its next mail.
	RemindAfter = 24 * time.Hour
)

// Run is one recorded run of a backup, copy, check or drill: when it
// started and why it failed ("" when it succeeded). A zero Start is no run.
type Run struct {
	Start time.Time
	Error string
}

// Facts is what one check run observed on the box.
type Facts struct {
	// Backup is nil when the site has no backup.
	Backup *Backup
	Disks  []Disk
	Units  []Unit
	Certs  []Cert
}

// Backup is the backup's state from its run log.
type Backup struct {
	Repository string
	// Last is the last backup run; LastOK the last successful one.
	Last, LastOK Run
	// Setup is when the backup was set up (zero: unknown); before the
	// first run a backup set up less than BackupMaxAge ago is fine.
	Setup  time.Time
	Check  Run
	Drill  Run
	Copies []Copy
}

// Copy is one off-site copy and its last run.
type Copy struct {
	Name, Repository string
	Last             Run
}

// Disk is one file system's use.
type Disk struct {
	// Path is where it is mounted (or a directory on it).
	Path        string
	UsedPercent float64
	Free        uint64
}

// Unit is one unit of the site and its systemd ActiveState.
type Unit struct {
	Name, State string
}

// Cert is one certificate Posse manages and when it ends.
type Cert struct {
	Path     string
	NotAfter time.Time
}

// Problem is one thing that is wrong. Key identifies it across runs
// ("backup", "copy:nas", "disk:/srv"); Subject is the mail's subject line,
// What says what happened and Next what to do.
type Problem struct {
	Key     string `json:"key"`
	Subject string `json:"subject"`
	What    string `json:"what"`
	Next    string `json:"next"`
}

// Detect returns the problems in facts at now, sorted by key.
func Detect(f Facts, now time.Time) []Problem {
	var out []Problem
	if b := f.Backup; b != nil {
		out = append(out, backupProblems(b, now)...)
	}
	for _, d := range f.Disks {
		if d.UsedPercent > DiskFullPercent {
			out = append(out, Problem{
				Key:     "disk:" + d.Path,
				Subject: fmt.Sprintf("file system %s is %.0f%% full", d.Path, d.UsedPercent),
				What:    fmt.Sprintf("The file system at %s is %.1f%% full (%s free), more than %.0f%%.", d.Path, d.UsedPercent, sizeText(d.Free), DiskFullPercent),
				Next:    "Free space: delete or move old files, empty the shares' recycle bins, or add a larger disk. 'possectl status' shows the shares' sizes.",
			})
		}
	}
	for _, u := range f.Units {
		if u.State == "failed" || u.State == "inactive" {
			out = append(out, Problem{
				Key:     "unit:" + u.Name,
				Subject: fmt.Sprintf("service %s is %s", u.Name, u.State),
				What:    fmt.Sprintf("The unit %s of the site is %s, not running.", u.Name, u.State),
				Next:    fmt.Sprintf("See why with 'journalctl -u %s', then start it with 'systemctl start %s' or apply the site again; 'possectl status' shows every service.", u.Name, u.Name),
			})
		}
	}
	for _, c := range f.Certs {
		left := c.NotAfter.Sub(now)
		if left > CertWarnBefore {
			continue
		}
		p := Problem{Key: "cert:" + c.Path, Next: "Apply the site again ('possectl apply'): Posse renews the certificates it manages; see docs/security.md."}
		if left <= 0 {
			p.Subject = fmt.Sprintf("certificate %s has expired", c.Path)
			p.What = fmt.Sprintf("The certificate %s expired on %s; clients refuse the connection.", c.Path, day(c.NotAfter))
		} else {
			p.Subject = fmt.Sprintf("certificate %s expires in %d days", c.Path, int(left.Hours()/24))
			p.What = fmt.Sprintf("The certificate %s expires on %s.", c.Path, day(c.NotAfter))
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func backupProblems(b *Backup, now time.Time) []Problem {
	var out []Problem
	switch {
	case !b.Last.Start.IsZero() && b.Last.Error != "":
		what := fmt.Sprintf("The backup of %s at %s failed: %s", b.Repository, stamp(b.Last.Start), b.Last.Error)
		if !b.LastOK.Start.IsZero() {
			what += fmt.Sprintf("\nThe last successful backup was at %s.", stamp(b.LastOK.Start))
		} else {
			what += "\nNo backup has succeeded yet."
		}
		out = append(out, Problem{Key: "backup", Subject: "the backup failed", What: what,
			Next: "Read the error above and 'journalctl -u posse-backup.service', fix the cause (the repository reachable, its disk not full, the password right), then run 'possectl backup run'. See docs/backup.md."})
	case b.LastOK.Start.IsZero():
		if b.Setup.IsZero() || now.Sub(b.Setup) > BackupMaxAge {
			out = append(out, Problem{Key: "backup", Subject: "no backup has run",
				What: fmt.Sprintf("No backup of %s has succeeded, and the backup was set up more than %s ago.", b.Repository, hours(BackupMaxAge)),
				Next: "Check 'systemctl status posse-backup.timer' and run 'possectl backup run'."})
		}
	case now.Sub(b.LastOK.Start) > BackupMaxAge:
		out = append(out, Problem{Key: "backup", Subject: "the last backup is too old",
			What: fmt.Sprintf("The last successful backup of %s was at %s, more than %s ago.", b.Repository, stamp(b.LastOK.Start), hours(BackupMaxAge)),
			Next: "Check 'systemctl status posse-backup.timer' (is the timer enabled, was the box off?) and run 'possectl backup run'."})
	}
	if c := b.Check; !c.Start.IsZero() && c.Error != "" {
		out = append(out, Problem{Key: "check", Subject: "the backup check failed",
			What: fmt.Sprintf("The check of the backup repositories (restic check of the main one and of each sftp copy) at %s failed: %s", stamp(c.Start), c.Error),
			Next: "Run 'possectl backup check' to see it again. The error names the repository (\"copy NAME (...)\" for a copy) and the damaged pack: repair it as restic says ('restic repair packs'), or for a copy move its repository aside on the target and run 'possectl backup copy NAME' for a fresh one (see docs/backup.md#verification)."})
	}
	if d := b.Drill; !d.Start.IsZero() && d.Error != "" {
		out = append(out, Problem{Key: "drill", Subject: "the restore drill failed",
			What: fmt.Sprintf("The restore drill at %s failed: %s", stamp(d.Start), d.Error),
			Next: "Run 'possectl backup drill' to see it again and check the repository with 'possectl backup check'; until a drill passes, do not rely on restoring from this backup."})
	}
	for _, cp := range b.Copies {
		if l := cp.Last; !l.Start.IsZero() && l.Error != "" {
			out = append(out, Problem{Key: "copy:" + cp.Name, Subject: fmt.Sprintf("the backup copy to %s failed", cp.Name),
				What: fmt.Sprintf("The copy of the backup to %s (%s) at %s failed: %s", cp.Name, cp.Repository, stamp(l.Start), l.Error),
				Next: fmt.Sprintf("Make the target reachable (the backup server up, the USB disk plugged in), then run 'possectl backup copy %s'.", cp.Name)})
		}
	}
	return out
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
func day(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func hours(d time.Duration) string {
	return fmt.Sprintf("%d hours", int(d.Hours()))
}

// sizeText formats a byte count in binary units.
func sizeText(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// oneLine makes s fit a header: control characters become spaces, and it
// is cut at max characters.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}
