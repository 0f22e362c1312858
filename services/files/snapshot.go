// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"slices"
	"strconv"
	"time"

	"github.com/posse-project/posse/provisioning/site"
)

// Snapshot names and places.
const (
	// SnapshotDir is the directory inside a share that holds its
	// read-only snapshots, Samba's shadow:snapdir.
	SnapshotDir = site.SnapshotDir
	// SnapshotFormat is the strftime(3) format of snapshot names that
	// vfs_shadow_copy2 reads by default (shadow:format): the time in UTC,
	// which Windows shows in the client's local time.
	SnapshotFormat = "@GMT-%Y.%m.%d-%H.%M.%S"
	// snapshotLayout is SnapshotFormat as a Go time layout.
	snapshotLayout = "@GMT-2006.01.02-15.04.05"
)

// SnapshotName names a snapshot taken at t: @GMT-YYYY.MM.DD-hh.mm.ss in
// UTC, to the second.
func SnapshotName(t time.Time) string { return t.UTC().Format(snapshotLayout) }

// ParseSnapshotName returns the time a snapshot name stands for, in UTC;
// ok is false for any other name (Posse never touches those).
func ParseSnapshotName(name string) (t time.Time, ok bool) {
	if len(name) != len(snapshotLayout) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(snapshotLayout, name, time.UTC)
	if err != nil || SnapshotName(t) != name {
		return time.Time{}, false
	}
	return t, true
}

// PruneSnapshots splits snapshot times into those to keep and those to
// delete, as restic forget does with --keep-hourly, --keep-daily and
// --keep-weekly: going from the newest to the oldest, a snapshot is kept
// when it is the newest one of its hour (day, ISO week) and fewer than
// keep.Hourly (Daily, Weekly) hours (days, weeks) have been kept so far;
// the oldest snapshot stays too while a count has some left (restic 0.14
// and later do so, to keep the longest history the counts allow).
// Hours, days and weeks are those of loc, the site's time zone. With
// every count 0 nothing is deleted (validation forbids it; the guard
// keeps a mistake from deleting every version). Both lists are newest
// first; equal times count once.
func PruneSnapshots(times []time.Time, keep site.SnapshotKeep, loc *time.Location) (kept, gone []time.Time) {
	sorted := slices.Clone(times)
	slices.SortFunc(sorted, func(a, b time.Time) int { return b.Compare(a) })
	sorted = slices.CompactFunc(sorted, func(a, b time.Time) bool { return a.Equal(b) })
	if keep.Hourly <= 0 && keep.Daily <= 0 && keep.Weekly <= 0 {
		return sorted, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	buckets := []struct {
		left int
		last string
		key  func(time.Time) string
	}{
		{left: keep.Hourly, key: func(t time.Time) string { return t.Format("2006-01-02T15") }},
		{left: keep.Daily, key: func(t time.Time) string { return t.Format("2006-01-02") }},
		{left: keep.Weekly, key: func(t time.Time) string {
			y, w := t.ISOWeek()
			return strconv.Itoa(y) + "W" + strconv.Itoa(w)
		}},
	}
	for n, t := range sorted {
		lt := t.In(loc)
		oldest := n == len(sorted)-1
		keepIt := false
		for i := range buckets {
			b := &buckets[i]
			if b.left <= 0 {
				continue
			}
			if k := b.key(lt); k != b.last || oldest {
				b.last = k
				b.left--
				keepIt = true
			}
		}
		if keepIt {
			kept = append(kept, t)
		} else {
			gone = append(gone, t)
		}
	}
	return kept, gone
}
