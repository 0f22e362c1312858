// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/site"
)

func TestSnapshotName(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 11, 0, 5, 999, time.UTC), "@GMT-2026.12.07-11.00.05"},
		// Local times become UTC: Windows converts back for the user.
		{time.Date(2026, 12, 7, 11, 0, 0, 0, berlin), "@GMT-2026.12.07-10.00.00"},
		{time.Date(2026, 7, 1, 0, 30, 0, 0, berlin), "@GMT-2026.06.30-22.30.00"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "@GMT-2027.01.01-00.00.00"},
	} {
		got := SnapshotName(tc.t)
		if got != tc.want {
			t.Errorf("SnapshotName(%v) = %s, want %s", tc.t, got, tc.want)
		}
		back, ok := ParseSnapshotName(got)
		if !ok || !back.Equal(tc.t.Truncate(time.Second)) || back.Location() != time.UTC {
			t.Errorf("ParseSnapshotName(%s) = %v, %v", got, back, ok)
		}
	}
	for _, bad := range []string{
		"", "@GMT-", "@GMT-2026.12.07-11.00", "@GMT-2026.12.07-11.00.05x", "@GMT-2026.13.07-11.00.05",
		"@GMT-2026.02.30-11.00.05", "@GMT-2026.12.07-24.00.00", "@gmt-2026.12.07-11.00.05",
		"GMT-2026.12.07-11.00.05.", "@GMT-2026-12-07-11.00.05", "@GMT-2026.1.07-11.00.005", ".recycle",
		"@GMT-+026.12.07-11.00.05",
	} {
		if tm, ok := ParseSnapshotName(bad); ok {
			t.Errorf("ParseSnapshotName(%q) = %v, want no snapshot", bad, tm)
		}
	}
}

// at builds times from "2006-01-02 15:04" strings in loc.
func at(t *testing.T, loc *time.Location, s ...string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, v := range s {
		tm, err := time.ParseInLocation("2006-01-02 15:04", v, loc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tm)
	}
	return out
}

func fmtTimes(ts []time.Time, loc *time.Location) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.In(loc).Format("2006-01-02 15:04"))
	}
	return strings.Join(s, ", ")
}

func TestPruneSnapshots(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := time.UTC
	for _, tc := range []struct {
		name  string
		loc   *time.Location
		keep  site.SnapshotKeep
		times []string
		kept  string
	}{
		{"none", utc, site.SnapshotKeep{Hourly: 3}, nil, ""},
		{"one snapshot always stays", utc, site.SnapshotKeep{Hourly: 1}, []string{"2026-12-07 10:00"}, "2026-12-07 10:00"},
		{"newest of each hour", utc, site.SnapshotKeep{Hourly: 2},
			[]string{"2026-12-07 10:00", "2026-12-07 10:30", "2026-12-07 11:00", "2026-12-07 11:45", "2026-12-07 12:15"},
			// The count is used up before the oldest: 10:00 goes.
			"2026-12-07 12:15, 2026-12-07 11:45"},
		{"oldest stays while counts are left", utc, site.SnapshotKeep{Hourly: 5},
			[]string{"2026-12-07 10:00", "2026-12-07 10:30", "2026-12-07 11:00"},
			"2026-12-07 11:00, 2026-12-07 10:30, 2026-12-07 10:00"},
		{"gaps count hours that have snapshots, not clock hours", utc, site.SnapshotKeep{Hourly: 3},
			[]string{"2026-12-01 08:00", "2026-12-03 09:00", "2026-12-07 10:00", "2026-12-07 10:05"},
			"2026-12-07 10:05, 2026-12-03 09:00, 2026-12-01 08:00"},
		{"hourly and daily together", utc, site.SnapshotKeep{Hourly: 2, Daily: 3},
			[]string{"2026-12-05 17:00", "2026-12-05 18:00", "2026-12-06 08:00", "2026-12-06 17:00", "2026-12-07 08:00", "2026-12-07 09:00", "2026-12-07 09:30"},
			"2026-12-07 09:30, 2026-12-07 08:00, 2026-12-06 17:00, 2026-12-05 18:00"},
		{"daily only", utc, site.SnapshotKeep{Daily: 2},
			[]string{"2026-12-05 17:00", "2026-12-06 08:00", "2026-12-06 17:00", "2026-12-07 08:00", "2026-12-07 09:00"},
			"2026-12-07 09:00, 2026-12-06 17:00"},
		{"weekly: ISO weeks start on Monday", utc, site.SnapshotKeep{Weekly: 2},
			// Sun 6 Dec is in week 49, Mon 7 Dec starts week 50.
			[]string{"2026-11-30 09:00", "2026-12-04 09:00", "2026-12-06 23:00", "2026-12-07 00:30", "2026-12-08 09:00"},
			"2026-12-08 09:00, 2026-12-06 23:00"},
		{"weekly across the new year (ISO week 53)", utc, site.SnapshotKeep{Weekly: 3},
			[]string{"2026-12-28 09:00", "2026-12-31 09:00", "2027-01-01 09:00", "2027-01-04 09:00"},
			"2027-01-04 09:00, 2027-01-01 09:00, 2026-12-28 09:00"},
		{"days of the site's time zone", berlin, site.SnapshotKeep{Daily: 2},
			// 00:30 Berlin is the previous day in UTC; days are Berlin's.
			[]string{"2026-12-06 00:30", "2026-12-06 23:30", "2026-12-07 00:30", "2026-12-07 08:00"},
			"2026-12-07 08:00, 2026-12-06 23:30"},
		{"the night daylight saving time ends", berlin, site.SnapshotKeep{Hourly: 10},
			[]string{"2026-10-25 01:30", "2026-10-25 03:30"},
			"2026-10-25 03:30, 2026-10-25 01:30"},
		{"equal times count once", utc, site.SnapshotKeep{Hourly: 1},
			[]string{"2026-12-07 10:00", "2026-12-07 10:00"},
			"2026-12-07 10:00"},
		{"no counts deletes nothing", utc, site.SnapshotKeep{},
			[]string{"2026-12-07 10:00", "2026-12-07 10:30"},
			"2026-12-07 10:30, 2026-12-07 10:00"},
		{"negative counts are none", utc, site.SnapshotKeep{Hourly: -1, Daily: 1},
			[]string{"2026-12-07 10:00", "2026-12-07 10:30", "2026-12-06 10:30"},
			"2026-12-07 10:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := at(t, tc.loc, tc.times...)
			// Reverse the input: the order must not matter.
			for i, j := 0, len(in)-1; i < j; i, j = i+1, j-1 {
				in[i], in[j] = in[j], in[i]
			}
			kept, gone := PruneSnapshots(in, tc.keep, tc.loc)
			if got := fmtTimes(kept, tc.loc); got != tc.kept {
				t.Errorf("kept %s\nwant %s", got, tc.kept)
			}
			seen := map[time.Time]bool{}
			for _, x := range append(append([]time.Time{}, kept...), gone...) {
				if seen[x] {
					t.Errorf("%v both kept and gone, or twice", x)
				}
				seen[x] = true
			}
			for _, x := range in {
				if !seen[x] {
					t.Errorf("%v neither kept nor gone", x)
				}
			}
		})
	}
}

// TestPruneSnapshotsSteady: hourly snapshots on weekdays 08..18 for six
// weeks with the keep rules end with at most 24+14+8 snapshots,
// the newest always among them, and pruning again changes nothing.
func TestPruneSnapshotsSteady(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	keep := site.SnapshotKeep{Hourly: 24, Daily: 14, Weekly: 8}
	var all []time.Time
	start := time.Date(2026, 10, 19, 0, 0, 0, 0, loc)
	for d := 0; d < 42; d++ {
		day := start.AddDate(0, 0, d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for h := 8; h <= 18; h++ {
			all = append(all, day.Add(time.Duration(h)*time.Hour))
		}
	}
	kept, gone := PruneSnapshots(all, keep, loc)
	if len(kept) > 24+14+8 || len(kept) < 24 {
		t.Errorf("kept %d snapshots", len(kept))
	}
	if !kept[0].Equal(all[len(all)-1]) {
		t.Errorf("newest %v not kept first (%v)", all[len(all)-1], kept[0])
	}
	if len(kept)+len(gone) != len(all) {
		t.Errorf("%d kept + %d gone != %d", len(kept), len(gone), len(all))
	}
	again, gone2 := PruneSnapshots(kept, keep, loc)
	if len(gone2) != 0 || len(again) != len(kept) {
		t.Errorf("second prune deletes %d more", len(gone2))
	}
}
