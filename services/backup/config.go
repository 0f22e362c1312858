// SPDX-License-Identifier: GPL-3.0-or-later

// Package backup protects a site with restic: a 0600 password file, the
// repository initialised on first apply, a systemd timer that runs
// `possectl backup run --scheduled` on the template's schedule (and a weekly
// `restic check`), retention with `restic forget --prune`, a record of every
// run in runs.jsonl, and restores of a file, a home, a mailbox or the whole
// box. The repository password is only ever handed to restic through the
// password file, never in argv, the environment or a log line.
package backup

import (
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Paths on the box.
const (
	// StateDir holds the password file, the run log and the staging area.
	StateDir = host.DefaultStateDir + "/backup"
	// PasswordFile is the 0600 file restic reads the repository password from.
	PasswordFile = StateDir + "/restic.pw"
	// RunsFile is the append-only log of backup and check runs (JSON lines).
	RunsFile = StateDir + "/runs.jsonl"
	// StagingDir receives the directory dump before restic reads it; it is
	// removed after each run (the snapshot keeps it).
	StagingDir = StateDir + "/staging"
	// ADDumpDir is where the AD backup archive lies inside the staging dir
	// and hence inside every snapshot.
	ADDumpDir = StagingDir + "/ad"
	// CacheDir is restic's local cache.
	CacheDir = "/var/cache/posse/restic"
	// SystemdDir is where the unit files are written.
	SystemdDir = "/etc/systemd/system"
	// HomesDir holds the home folders (files service).
	HomesDir = site.HomesDir
	// VmailDir holds the Maildirs (mail service).
	VmailDir = "/var/vmail"
	// DKIMDir holds the mail service's DKIM signing keys: backed up with
	// the configuration whenever the site has mail, so a restored box signs
	// with the key its DNS publishes.
	DKIMDir = "/var/lib/rspamd/dkim"
)

// Unit names.
const (
	ServiceUnit      = "posse-backup.service"
	TimerUnit        = "posse-backup.timer"
	CheckServiceUnit = "posse-backup-check.service"
	CheckTimerUnit   = "posse-backup-check.timer"
	DrillServiceUnit = "posse-backup-drill.service"
	DrillTimerUnit   = "posse-backup-drill.timer"
)

// Timers are the backup's timers, all enabled by apply.
var Timers = []string{TimerUnit, CheckTimerUnit, DrillTimerUnit}

// Units are the backup's unit files.
var Units = []string{ServiceUnit, TimerUnit, CheckServiceUnit, CheckTimerUnit, DrillServiceUnit, DrillTimerUnit}

// Tag marks every snapshot Posse makes; retention only touches those.
const Tag = "posse"

// ConfigPaths are the configuration trees Posse owns, always backed up.
var ConfigPaths = []string{"/etc/samba", "/etc/postfix", "/etc/dovecot", "/etc/krb5.conf"}

// Config is what the backup service needs from a site.
type Config struct {
	Repository string
	Schedule   string
	Keep       site.Keep
	// Paths are the box paths to back up, sorted, before checking which
	// exist (unit files are added at run time by pattern).
	Paths []string
	// Directory is true when the AD database is dumped first.
	Directory bool
	// Exclude lists paths restic skips (the local repository itself, the
	// restic cache, the snapshot folders of Previous Versions).
	Exclude []string
	// Frozen are the shares (and HomesDir, standing for every home
	// folder) with Previous Versions: a run reads each from a fresh
	// read-only snapshot instead of the live files (see freeze).
	Frozen []string
	// Copies are the off-site copies of the repository, in template order.
	Copies []Copy
	// CheckSchedule is when the scheduled check runs (CheckSchedule by
	// default); ReadDataSubset the share of the data it reads ("5%", ""
	// for none).
	CheckSchedule, ReadDataSubset string
	// OnFailure is the unit started when a backup, check, drill or copy
	// run fails: the alerts' check run (site.NotifyUnit) when the site has
	// notify, else "".
	OnFailure string
}

// Copy is one off-site copy of the repository.
type Copy struct {
	// Name is the copy's name (site.CopyName): units and possectl use it.
	Name string `json:"name"`
	// Repository is sftp:user@host:/path or usb:LABEL as in the template.
	Repository string `json:"repository"`
	Schedule   string `json:"schedule"`
}

// Copy returns the copy named name; ok is false when there is none.
func (c Config) Copy(name string) (Copy, bool) {
	for _, cp := range c.Copies {
		if cp.Name == name {
			return cp, true
		}
	}
	return Copy{}, false
}

// FromSite derives the backup configuration; ok is false when the site has
// no backup section.
func FromSite(s *site.Site) (Config, bool) {
	if s == nil || s.Backup == nil {
		return Config{}, false
	}
	b := s.Backup
	c := Config{Repository: b.Repository, Schedule: b.Schedule, Keep: b.Keep, CheckSchedule: CheckSchedule}
	if v := b.Verify; v != nil {
		if v.Schedule != "" {
			c.CheckSchedule = v.Schedule
		}
		c.ReadDataSubset = v.ReadDataSubset
	}
	if s.Notify != nil {
		c.OnFailure = site.NotifyUnit
	}
	set := map[string]bool{host.DefaultStateDir: true}
	for _, p := range ConfigPaths {
		set[p] = true
	}
	if s.Mail != nil {
		set[DKIMDir] = true
	}
	for _, inc := range b.Include {
		switch inc {
		case site.IncludeDirectory:
			c.Directory = true
		case site.IncludeShares:
			for _, sh := range s.Shares {
				set[s.SharePath(sh)] = true
				if s.SnapshotsOn(sh) {
					c.Frozen = append(c.Frozen, s.SharePath(sh))
				}
			}
		case site.IncludeHomes:
			set[HomesDir] = true
			if s.Snapshots != nil {
				c.Frozen = append(c.Frozen, HomesDir)
			}
		case site.IncludeMail:
			set[VmailDir] = true
		}
	}
	for p := range set {
		c.Paths = append(c.Paths, p)
	}
	sort.Strings(c.Paths)
	for _, cp := range b.Copies {
		c.Copies = append(c.Copies, Copy{Name: site.CopyName(cp), Repository: cp.Repository, Schedule: cp.Schedule})
	}
	c.Exclude = []string{CacheDir}
	if IsLocal(c.Repository) {
		c.Exclude = append(c.Exclude, c.Repository)
	}
	// The snapshots of Previous Versions are not backed up again.
	sort.Strings(c.Frozen)
	for _, p := range c.Frozen {
		if p == HomesDir {
			c.Exclude = append(c.Exclude, path.Join(HomesDir, "*", site.SnapshotDir))
		} else {
			c.Exclude = append(c.Exclude, path.Join(p, site.SnapshotDir))
		}
	}
	return c, true
}

// IsLocal reports whether repo is a local path rather than sftp:….
func IsLocal(repo string) bool { return filepath.IsAbs(repo) }

// ExistingPaths returns the paths of c that exist under env's root, plus
// Posse's unit files in /etc/systemd/system; restic refuses a run whose
// path is missing, and a site may not have created every tree yet.
func ExistingPaths(env *host.Env, c Config) []string {
	var out []string
	for _, p := range c.Paths {
		if _, err := os.Lstat(env.Path(p)); err == nil {
			out = append(out, p)
		}
	}
	units, _ := filepath.Glob(env.Path(SystemdDir + "/posse-*"))
	for _, u := range units {
		out = append(out, SystemdDir+"/"+filepath.Base(u))
	}
	return out
}

// PossectlPath returns where possectl is installed on the box
// (host.PossectlPath).
func PossectlPath(env *host.Env) string { return host.PossectlPath(env) }
