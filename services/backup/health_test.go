// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"strings"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ok := func(ago time.Duration) RunRecord {
		return RunRecord{Kind: KindBackup, Start: now.Add(-ago), SnapshotID: "abc", BytesAdded: 2048}
	}
	failed := func(ago time.Duration) RunRecord {
		r := ok(ago)
		r.Error = "restic backup: exit status 1"
		return r
	}
	day := 24 * time.Hour
	for _, tc := range []struct {
		name  string
		runs  []RunRecord
		setup time.Time
		want  string // substring of the detail, or of the error when err
		err   bool
	}{
		{"recent success", []RunRecord{ok(10 * time.Hour)}, time.Time{}, "last backup 10h 0m ago, snapshot abc, 2.0 KiB added", false},
		{"missed", []RunRecord{ok(31 * time.Hour)}, time.Time{}, "31h 0m old", true},
		{"within margin", []RunRecord{ok(29 * time.Hour)}, time.Time{}, "last backup", false},
		{"last failed", []RunRecord{ok(30 * time.Hour), failed(time.Hour)}, time.Time{}, "failed: restic backup", true},
		{"failed then ok", []RunRecord{failed(30 * time.Hour), ok(time.Hour)}, time.Time{}, "last backup 1h 0m ago", false},
		{"none yet, new", nil, now.Add(-time.Hour), "no backup yet", false},
		{"none ever", nil, now.Add(-3 * day), "no backup has ever run", true},
		{"check failed", []RunRecord{ok(time.Hour), {Kind: KindCheck, Start: now, Error: "pack damaged"}}, time.Time{}, "repository check", true},
		{"warning", []RunRecord{{Kind: KindBackup, Start: now, Warning: "some files could not be read"}}, time.Time{}, "warning: some files", false},
	} {
		detail, err := Judge(tc.runs, day, tc.setup, now)
		got := detail
		if err != nil {
			got = err.Error()
		}
		if (err != nil) != tc.err || !strings.Contains(got, tc.want) {
			t.Errorf("%s: detail %q err %v; want %q (error %v)", tc.name, detail, err, tc.want, tc.err)
		}
	}
}

func TestParseCalendarPeriod(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want time.Duration
	}{
		{"  Original form: *-*-* 22:00\nNormalized form: *-*-* 22:00:00\n    Next elapse: Mon 2026-11-23 22:00:00 UTC\n       From now: 6h left\n       Iter. #2: Tue 2026-11-24 22:00:00 UTC\n       From now: 1 day 6h left\n", 24 * time.Hour},
		{"    Next elapse: Mon 2026-11-23 16:00:00 UTC\n       Iter. #2: Mon 2026-11-23 17:00:00 UTC\n", time.Hour},
		{"    Next elapse: Mon 2026-11-23 16:00:00 UTC\n", 0},
		{"garbage", 0},
	} {
		got, ok := ParseCalendarPeriod(tc.out)
		if got != tc.want || ok != (tc.want != 0) {
			t.Errorf("ParseCalendarPeriod(%q) = %v, %v; want %v", tc.out, got, ok, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Age(50 * time.Hour), "2d 2h"}, {Age(90 * time.Minute), "1h 30m"}, {Age(61 * time.Second), "1m 1s"}, {Age(5 * time.Second), "5s"},
		{Bytes(512), "512 B"}, {Bytes(1536), "1.5 KiB"}, {Bytes(3 << 30), "3.0 GiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
