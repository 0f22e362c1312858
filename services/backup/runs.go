// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// Run kinds in the run log.
const (
	KindBackup = "backup"
	KindCheck  = "check"
)

// RunRecord is one line of runs.jsonl: a backup, check, drill or copy
// run's result.
type RunRecord struct {
	Kind      string    `json:"kind"`
	Start     time.Time `json:"start"`
	Seconds   float64   `json:"seconds"`
	Scheduled bool      `json:"scheduled,omitempty"`
	// Backup results.
	FilesNew        int64  `json:"files_new,omitempty"`
	FilesChanged    int64  `json:"files_changed,omitempty"`
	FilesUnmodified int64  `json:"files_unmodified,omitempty"`
	BytesAdded      int64  `json:"bytes_added,omitempty"`
	BytesProcessed  int64  `json:"bytes_processed,omitempty"`
	SnapshotID      string `json:"snapshot_id,omitempty"`
	// Frozen counts the shares and home folders read from a fresh
	// read-only snapshot rather than live.
	Frozen int `json:"frozen,omitempty"`
	// CopiesChecked counts the copies' repositories a check found sound.
	CopiesChecked int `json:"copies_checked,omitempty"`
	// Phase durations: the directory dump, restic backup, forget --prune.
	DumpSeconds   float64 `json:"dump_seconds,omitempty"`
	BackupSeconds float64 `json:"backup_seconds,omitempty"`
	ForgetSeconds float64 `json:"forget_seconds,omitempty"`
	// Copy results: the copy's name and repository, and how many
	// snapshots the copy holds after the run.
	Copy      string `json:"copy,omitempty"`
	Target    string `json:"target,omitempty"`
	Snapshots int    `json:"snapshots,omitempty"`
	// RepoBytes is what the repository (the main one for a backup, the
	// copy's for a copy) stores after a successful run: restic stats
	// --mode raw-data. 0 when it could not be measured.
	RepoBytes int64 `json:"repo_bytes,omitempty"`
	// Warning is a problem that did not stop the run (unreadable files, a
	// failed retention step).
	Warning string `json:"warning,omitempty"`
	// Error is why the run failed; empty on success.
	Error string `json:"error,omitempty"`
	// Reason names a failure Posse recognised (ReasonWrongPassword,
	// ReasonTargetFull); empty for other failures.
	Reason string `json:"reason,omitempty"`
}

// OK reports whether the run succeeded.
func (r RunRecord) OK() bool { return r.Error == "" }

// AppendRun appends rec to the run log under env's root.
func AppendRun(env *host.Env, rec RunRecord) error {
	p := env.Path(RunsFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot record the backup run: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("cannot record the backup run: %w", err)
	}
	return f.Close()
}

// ReadRuns returns the recorded runs, oldest first; no log is no runs.
// Lines that do not parse (a torn write) are skipped.
func ReadRuns(env *host.Env) ([]RunRecord, error) {
	f, err := os.Open(env.Path(RunsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []RunRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var r RunRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Kind != "" {
			out = append(out, r)
		}
	}
	return out, sc.Err()
}

// Last returns the last run of kind and the last successful one (zero
// values when there is none).
func Last(runs []RunRecord, kind string) (last, lastOK RunRecord) {
	for _, r := range runs {
		if r.Kind != kind {
			continue
		}
		last = r
		if r.OK() {
			lastOK = r
		}
	}
	return last, lastOK
}

// LastSize returns the repository size the last successful run of kind
// (and, for copies, of the copy named copy) measured, and when that run
// started; 0 and the zero time when none did.
func LastSize(runs []RunRecord, kind, copy string) (int64, time.Time) {
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Kind == kind && r.Copy == copy && r.OK() && r.RepoBytes > 0 {
			return r.RepoBytes, r.Start
		}
	}
	return 0, time.Time{}
}
