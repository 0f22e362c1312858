// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"os"
	"strings"
	"testing"
)

func TestParseBackupOutput(t *testing.T) {
	raw, err := os.ReadFile("testdata/backup-status.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var statuses []Status
	var sums []Summary
	forLines(raw, func(l []byte) {
		m, err := ParseBackupLine(l)
		if err != nil {
			t.Fatalf("line %s: %v", l, err)
		}
		switch v := m.(type) {
		case Status:
			statuses = append(statuses, v)
		case Summary:
			sums = append(sums, v)
		}
	})
	if len(statuses) != 4 || len(sums) != 1 {
		t.Fatalf("got %d status and %d summary lines, want 4 and 1", len(statuses), len(sums))
	}
	last := statuses[3]
	if last.PercentDone != 1 || last.FilesDone != 3 || last.TotalBytes != 3000012 {
		t.Errorf("last status = %+v", last)
	}
	s := sums[0]
	if s.FilesNew != 3 || s.DataAdded != 3001830 || s.SnapshotID != "7c7ef710" || s.TotalFilesProcessed != 3 {
		t.Errorf("summary = %+v", s)
	}
}

func TestParseBackupLineRefuses(t *testing.T) {
	for _, l := range []string{"", "not json", `{"message_type":"error","error":{}}`, `{"message_type":"verbose_status"}`} {
		if _, err := ParseBackupLine([]byte(l)); err == nil {
			t.Errorf("ParseBackupLine(%q) accepted", l)
		}
	}
}

func TestParseSnapshots(t *testing.T) {
	raw, err := os.ReadFile("testdata/snapshots.json")
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := ParseSnapshots(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 {
		t.Fatalf("got %d snapshots, want 2", len(snaps))
	}
	if snaps[1].ShortID != "d18bcea2" || snaps[1].Parent != snaps[0].ID || snaps[0].Tags[0] != "posse" || snaps[0].Time.IsZero() {
		t.Errorf("snapshots = %+v", snaps)
	}
	if _, err := ParseSnapshots([]byte("Fatal: wrong password")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestParseLs(t *testing.T) {
	raw, err := os.ReadFile("testdata/ls.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	snap, nodes, err := ParseLs(raw)
	if err != nil {
		t.Fatal(err)
	}
	if snap.ShortID != "d18bcea2" || len(nodes) != 6 {
		t.Fatalf("snapshot %s with %d nodes, want d18bcea2 with 6", snap.ShortID, len(nodes))
	}
	if n := nodes[1]; n.Path != "/data/a.txt" || n.Type != "file" || n.Size != 6 || n.Perm != "-rw-r--r--" {
		t.Errorf("node = %+v", n)
	}
	if _, _, err := ParseLs([]byte(`{"name":"x","struct_type":"node"}`)); err == nil {
		t.Error("a listing without its snapshot line was accepted")
	}
}

func FuzzParseBackupLine(f *testing.F) {
	raw, _ := os.ReadFile("testdata/backup-status.jsonl")
	forLines(raw, func(l []byte) { f.Add(string(l)) })
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseBackupLine([]byte(s)) })
}

func FuzzParseLs(f *testing.F) {
	raw, _ := os.ReadFile("testdata/ls.jsonl")
	f.Add(string(raw))
	f.Fuzz(func(t *testing.T, s string) { _, _, _ = ParseLs([]byte(s)) })
}

func TestParseStats(t *testing.T) {
	if n, err := ParseStats([]byte(`{"total_size":1234,"total_uncompressed_size":2000,"snapshots_count":3}` + "\n")); err != nil || n != 1234 {
		t.Errorf("ParseStats = %d, %v", n, err)
	}
	for _, bad := range []string{"", "{}", "not json", `{"total_file_count":3}`} {
		if _, err := ParseStats([]byte(bad)); err == nil || !strings.Contains(err.Error(), "no total size") {
			t.Errorf("ParseStats(%q) = %v", bad, err)
		}
	}
}
