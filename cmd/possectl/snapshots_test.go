// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	possed "github.com/posse-project/posse/daemon/box"
	"github.com/posse-project/posse/services/files"
)

// TestSnapshotsContract: the files service offers the snapshot methods
// this command looks for, and its results read into this command's types
// field by field (the JSON form is the contract between them).
func TestSnapshotsContract(t *testing.T) {
	found := 0
	for _, x := range possed.Services() {
		if _, ok := x.(snapshotService); ok {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d services take snapshots, want 1 (files)", found)
	}
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	snap := files.Snapshot{Share: "Akten", Name: files.SnapshotName(at), Time: at, Path: "/srv/posse/shares/akten/.snapshots/" + files.SnapshotName(at)}
	var res takeResult
	if err := reJSON(files.TakeResult{Taken: []files.Snapshot{snap}, Pruned: []files.Snapshot{snap}}, &res); err != nil {
		t.Fatal(err)
	}
	want := shareSnapshot{Share: snap.Share, Name: snap.Name, Time: snap.Time, Path: snap.Path}
	if len(res.Taken) != 1 || res.Taken[0] != want || len(res.Pruned) != 1 || res.Pruned[0] != want {
		t.Errorf("take result read as %+v, want %+v", res, want)
	}
	var list []shareSnapshot
	if err := reJSON([]files.Snapshot{snap}, &list); err != nil || len(list) != 1 || list[0] != want {
		t.Errorf("list read as %+v, %v", list, err)
	}
	var b bytes.Buffer
	if err := printSnapshots(&b, list); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SHARE") || !strings.Contains(lines[1], "Akten  @GMT-2026.12.07-10.00.00  ") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestParseAt(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 7, 14, 30, 0, 0, loc)
	for in, want := range map[string]time.Time{
		"":                         {},
		"@GMT-2026.12.07-10.00.00": time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
		"2026-12-07 11:00":         time.Date(2026, 12, 7, 11, 0, 0, 0, loc),
		"2026-12-06":               time.Date(2026, 12, 6, 23, 59, 59, 0, loc),
		"11:15":                    time.Date(2026, 12, 7, 11, 15, 0, 0, loc),
		"2026-12-07T10:00:00Z":     time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
	} {
		got, err := parseAt(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseAt(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseAt("yesterday", now); err == nil || !strings.Contains(err.Error(), "is not a time") {
		t.Errorf("parseAt(yesterday): %v", err)
	}
}
