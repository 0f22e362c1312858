// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// JournalFile is the journal's name in the state directory.
const JournalFile = "journal.jsonl"

// appendJournal appends r as one JSON line to <state>/journal.jsonl.
func appendJournal(env *host.Env, r *Result) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	path := env.State(JournalFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	return f.Sync()
}

// ReadJournal returns the journal's records, oldest first.
func ReadJournal(env *host.Env) ([]Result, error) {
	b, err := os.ReadFile(env.State(JournalFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Result
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var r Result
		if err := dec.Decode(&r); err != nil {
			return out, fmt.Errorf("journal %s: %w", env.State(JournalFile), err)
		}
		r.Duration = time.Duration(r.DurationMS) * time.Millisecond
		for i := range r.Steps {
			r.Steps[i].Duration = time.Duration(r.Steps[i].DurationMS) * time.Millisecond
		}
		out = append(out, r)
	}
	return out, nil
}
