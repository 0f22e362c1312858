// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is a progress line of restic backup --json.
type Status struct {
	PercentDone  float64  `json:"percent_done"`
	TotalFiles   int64    `json:"total_files"`
	FilesDone    int64    `json:"files_done"`
	TotalBytes   int64    `json:"total_bytes"`
	BytesDone    int64    `json:"bytes_done"`
	CurrentFiles []string `json:"current_files,omitempty"`
}

// Summary is the last line of restic backup --json.
type Summary struct {
	FilesNew            int64   `json:"files_new"`
	FilesChanged        int64   `json:"files_changed"`
	FilesUnmodified     int64   `json:"files_unmodified"`
	DirsNew             int64   `json:"dirs_new"`
	DirsChanged         int64   `json:"dirs_changed"`
	DataAdded           int64   `json:"data_added"`
	TotalFilesProcessed int64   `json:"total_files_processed"`
	TotalBytesProcessed int64   `json:"total_bytes_processed"`
	TotalDuration       float64 `json:"total_duration"`
	SnapshotID          string  `json:"snapshot_id"`
	// Warning is set when restic made the snapshot but could not read some
	// files (exit status 3).
	Warning string `json:"-"`
}

// ParseBackupLine parses one line of restic backup --json into a Status
// or a Summary. Other message types (verbose_status, error) and lines that
// are not JSON are an error.
func ParseBackupLine(line []byte) (any, error) {
	var head struct {
		Type string `json:"message_type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, fmt.Errorf("not a restic JSON line: %w", err)
	}
	switch head.Type {
	case "status":
		var s Status
		err := json.Unmarshal(line, &s)
		return s, err
	case "summary":
		var s Summary
		err := json.Unmarshal(line, &s)
		return s, err
	}
	return nil, fmt.Errorf("restic message type %q is not handled", head.Type)
}

// Snapshot is one snapshot as restic snapshots --json prints it.
type Snapshot struct {
	ID       string    `json:"id"`
	ShortID  string    `json:"short_id"`
	Time     time.Time `json:"time"`
	Parent   string    `json:"parent,omitempty"`
	Paths    []string  `json:"paths"`
	Hostname string    `json:"hostname"`
	Tags     []string  `json:"tags,omitempty"`
}

// ParseSnapshots parses restic snapshots --json.
func ParseSnapshots(out []byte) ([]Snapshot, error) {
	var snaps []Snapshot
	if err := json.Unmarshal(bytes.TrimSpace(out), &snaps); err != nil {
		return nil, fmt.Errorf("cannot read restic's snapshot list: %w", err)
	}
	return snaps, nil
}

// Node is a file, directory or link in a snapshot (restic ls --json).
type Node struct {
	Name  string    `json:"name"`
	Type  string    `json:"type"`
	Path  string    `json:"path"`
	UID   int       `json:"uid"`
	GID   int       `json:"gid"`
	Size  int64     `json:"size"`
	Mode  uint32    `json:"mode"`
	Perm  string    `json:"permissions"`
	MTime time.Time `json:"mtime"`
}

// ParseLs parses restic ls --json: a snapshot line, then one node a line.
func ParseLs(out []byte) (Snapshot, []Node, error) {
	var snap Snapshot
	var nodes []Node
	var seen bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var head struct {
			StructType string `json:"struct_type"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			return snap, nil, fmt.Errorf("cannot read restic's file list: %w", err)
		}
		switch head.StructType {
		case "snapshot":
			if err := json.Unmarshal(line, &snap); err != nil {
				return snap, nil, err
			}
			seen = true
		case "node":
			var n Node
			if err := json.Unmarshal(line, &n); err != nil {
				return snap, nil, err
			}
			nodes = append(nodes, n)
		}
	}
	if err := sc.Err(); err != nil {
		return snap, nil, err
	}
	if !seen {
		return snap, nil, errors.New("restic ls printed no snapshot")
	}
	return snap, nodes, nil
}

// ParseStats reads the total size from restic stats --json.
func ParseStats(out []byte) (int64, error) {
	var st struct {
		TotalSize *int64 `json:"total_size"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &st); err != nil || st.TotalSize == nil {
		return 0, errors.New("restic stats printed no total size; is restic 0.12 or newer installed?")
	}
	return *st.TotalSize, nil
}
