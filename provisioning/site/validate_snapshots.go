// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
)

// Snapshots configures read-only snapshots of the shares, shown by Samba
// as Windows "Previous Versions".
type Snapshots struct {
	// Schedule is a systemd OnCalendar expression, in the site's time zone.
	Schedule string `yaml:"schedule" json:"schedule"`
	// Keep says how many snapshots stay after each run.
	Keep SnapshotKeep `yaml:"keep" json:"keep"`
}

// SnapshotKeep is the retention of share snapshots: the newest snapshot
// of each of the last Hourly hours, Daily days and Weekly weeks that have
// one stays, as restic forget --keep-hourly/daily/weekly decides.
type SnapshotKeep struct {
	Hourly int `yaml:"hourly" json:"hourly,omitempty"`
	Daily  int `yaml:"daily" json:"daily,omitempty"`
	Weekly int `yaml:"weekly" json:"weekly,omitempty"`
}

// Storage names the file system that holds the shares.
type Storage struct {
	// Path is the mount point (or a directory) of the data file system,
	// such as /srv.
	Path string `yaml:"path" json:"path"`
	// Filesystem is the file system type Path must be on: btrfs.
	Filesystem string `yaml:"filesystem" json:"filesystem"`
}

// Storage file systems.
const (
	// FilesystemBtrfs is the only data file system Posse supports for
	// snapshots.
	FilesystemBtrfs = "btrfs"
	// SnapshotDir is the directory inside a share that holds its snapshots.
	SnapshotDir = ".snapshots"
	// MaxSnapshotKeep limits each keep count: btrfs slows down with many
	// thousands of snapshots.
	MaxSnapshotKeep = 1000
)

// SnapshotsOn reports whether share sh takes part in the site's
// snapshots: the site has snapshots and the share does not opt out.
func (s *Site) SnapshotsOn(sh Share) bool {
	return s.Snapshots != nil && (sh.Snapshots == nil || *sh.Snapshots)
}

const (
	errSnapshotsNoStorage   = "snapshots need storage: the file system that holds the shares"
	hintSnapshotsNoStorage  = "add storage: {path: /srv, filesystem: btrfs} at the top level"
	hintSnapshotSchedule    = `add schedule: such as "hourly" or "Mon..Fri *-*-* 08..18:00"`
	errSnapshotKeepRange    = "snapshots keep.%s %d is out of range"
	hintSnapshotKeepRange   = "use 0 to %d"
	errSnapshotKeepNothing  = "snapshots keep no snapshots"
	hintSnapshotKeepNothing = "set at least one of hourly, daily, weekly above 0, such as keep: {hourly: 24, daily: 14, weekly: 8}"
	errStoragePath          = "storage path %s: %s"
	errStorageOutsideSrv    = "storage path %s is not %s or inside it"
	hintStoragePath         = "name the mount point of the data file system, such as /srv"
	errStorageFilesystem    = "storage file system %q is not supported"
	hintStorageFilesystem   = "use filesystem: btrfs (Previous Versions needs btrfs snapshots)"
	errShareNotOnStorage    = "share %q has snapshots but its path %s is not inside storage path %s"
	hintShareNotOnStorage   = "move the share below the storage path, or set snapshots: false on the share"
	errShareSnapshotsNoSite = "share %q asks for snapshots but the site has no snapshots section"
	hintShareSnapshotsNoSit = `add snapshots: {schedule: "hourly", keep: {hourly: 24}} at the top level, or remove this key`
	errHomesNotOnStorage    = "home folders in %s have snapshots but are not inside storage path %s"
	hintHomesNotOnStorage   = "use a storage path that holds " + HomesDir + ", such as /srv"
	errFolderSnapshotDir    = "folder path %q is the share's snapshot folder %s"
	hintFolderSnapshotDir   = "use another folder name"
)

// snapshots checks the snapshots and storage sections and the shares'
// snapshots keys.
func (v *validator) snapshots() {
	sn := v.s.Snapshots
	st := v.s.Storage
	if st != nil {
		v.storage(st)
	}
	for i, sh := range v.s.Shares {
		p := joinIndex("shares", i)
		if sn == nil {
			if sh.Snapshots != nil && *sh.Snapshots {
				v.add(p+".snapshots", fmt.Sprintf(errShareSnapshotsNoSite, sh.Name), hintShareSnapshotsNoSit)
			}
			continue
		}
		if !v.s.SnapshotsOn(sh) {
			continue
		}
		for j, f := range sh.Folders {
			first, _, _ := strings.Cut(f.Path, "/")
			if strings.EqualFold(first, SnapshotDir) {
				v.add(joinIndex(p+".folders", j)+".path", fmt.Sprintf(errFolderSnapshotDir, f.Path, SnapshotDir), hintFolderSnapshotDir)
			}
		}
		if st == nil || st.Path == "" || pathProblem(st.Path) != "" {
			continue
		}
		sp := v.s.SharePath(sh)
		if pathProblem(sp) == "" && (!inside(sp, st.Path) || sp == st.Path) {
			v.add(pathOrName(v, i), fmt.Sprintf(errShareNotOnStorage, sh.Name, sp, st.Path), hintShareNotOnStorage)
		}
	}
	if sn == nil {
		return
	}
	if st == nil {
		v.add("snapshots", errSnapshotsNoStorage, hintSnapshotsNoStorage)
	} else if v.s.Homes.Enabled && st.Path != "" && pathProblem(st.Path) == "" && !inside(HomesDir, st.Path) {
		v.add("homes.enabled", fmt.Sprintf(errHomesNotOnStorage, HomesDir, st.Path), hintHomesNotOnStorage)
	}
	if v.required("snapshots.schedule", sn.Schedule == "", hintSnapshotSchedule) {
		if err := CheckOnCalendar(sn.Schedule); err != nil {
			v.add("snapshots.schedule", fmt.Sprintf(errScheduleInvalid, sn.Schedule, err), hintOnCalendar)
		}
	}
	k := sn.Keep
	for _, f := range []struct {
		key string
		n   int
	}{{"hourly", k.Hourly}, {"daily", k.Daily}, {"weekly", k.Weekly}} {
		if f.n < 0 || f.n > MaxSnapshotKeep {
			v.add("snapshots.keep."+f.key, fmt.Sprintf(errSnapshotKeepRange, f.key, f.n), fmt.Sprintf(hintSnapshotKeepRange, MaxSnapshotKeep))
		}
	}
	if k.Hourly <= 0 && k.Daily <= 0 && k.Weekly <= 0 {
		v.add("snapshots.keep", errSnapshotKeepNothing, hintSnapshotKeepNothing)
	}
}

func (v *validator) storage(st *Storage) {
	if v.required("storage.path", st.Path == "", hintStoragePath) {
		if msg := pathProblem(st.Path); msg != "" {
			v.add("storage.path", fmt.Sprintf(errStoragePath, quotePath(st.Path), msg), hintStoragePath)
		} else if !inside(st.Path, SharesRoot) {
			v.add("storage.path", fmt.Sprintf(errStorageOutsideSrv, st.Path, SharesRoot), hintStoragePath)
		}
	}
	if v.required("storage.filesystem", st.Filesystem == "", hintStorageFilesystem) && st.Filesystem != FilesystemBtrfs {
		v.add("storage.filesystem", fmt.Sprintf(errStorageFilesystem, st.Filesystem), hintStorageFilesystem)
	}
}
