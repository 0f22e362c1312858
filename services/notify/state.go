// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
)

// Open is a problem that is still there: when it was first seen, and when
// its last mail went out (zero when none could be sent yet).
type Open struct {
	Problem
	FirstSeen time.Time `json:"first_seen"`
	LastSent  time.Time `json:"last_sent,omitzero"`
}

// State is what the check runs remember: the open problems by key, and
// when the last run was.
type State struct {
	LastRun time.Time        `json:"last_run,omitzero"`
	Open    map[string]*Open `json:"open"`
}

// Kinds of mail.
const (
	KindAlert    = "alert"
	KindResolved = "resolved"
	KindTest     = "test"
)

// Mail is one mail that is due: an alert (the first for a problem, or a
// daily reminder) or the mail saying it is resolved.
type Mail struct {
	Kind    string
	Problem Problem
	// FirstSeen is when the problem was first seen; Reminder is true for
	// the alerts after the first.
	FirstSeen time.Time
	Reminder  bool
}

// Decide returns the mails due at now for the problems found, and the
// state as it is once they are all sent: a problem not open before gets
// an alert; an open one gets another when its last mail is RemindAfter
// old or none went out; an open problem not found any more gets a
// resolved mail and is closed. When a mail cannot be sent, Unsent puts
// its part of the state back so that the next run tries again.
func Decide(prev State, found []Problem, now time.Time) (State, []Mail) {
	next := State{LastRun: now, Open: map[string]*Open{}}
	var mails []Mail
	for _, p := range found {
		o, ok := prev.Open[p.Key]
		if !ok {
			next.Open[p.Key] = &Open{Problem: p, FirstSeen: now, LastSent: now}
			mails = append(mails, Mail{Kind: KindAlert, Problem: p, FirstSeen: now})
			continue
		}
		n := &Open{Problem: p, FirstSeen: o.FirstSeen, LastSent: o.LastSent}
		if o.LastSent.IsZero() || now.Sub(o.LastSent) >= RemindAfter {
			n.LastSent = now
			mails = append(mails, Mail{Kind: KindAlert, Problem: p, FirstSeen: o.FirstSeen, Reminder: !o.LastSent.IsZero()})
		}
		next.Open[p.Key] = n
	}
	for _, k := range prev.Keys() {
		if _, ok := next.Open[k]; !ok {
			o := prev.Open[k]
			mails = append(mails, Mail{Kind: KindResolved, Problem: o.Problem, FirstSeen: o.FirstSeen})
		}
	}
	return next, mails
}

// Unsent undoes m in s (the state Decide returned), given the state
// before: an alert's problem stays open with its previous last mail (none
// for a new one), a resolved problem stays open.
func (s *State) Unsent(prev State, m Mail) {
	k := m.Problem.Key
	switch m.Kind {
	case KindAlert:
		if o, ok := s.Open[k]; ok {
			o.LastSent = time.Time{}
			if p, ok := prev.Open[k]; ok {
				o.LastSent = p.LastSent
			}
		}
	case KindResolved:
		if p, ok := prev.Open[k]; ok {
			c := *p
			s.Open[k] = &c
		}
	}
}

// Keys returns the open problems' keys, sorted.
func (s State) Keys() []string {
	keys := make([]string, 0, len(s.Open))
	for k := range s.Open {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// LoadState reads the state file; a missing file is an empty state.
func LoadState(path string) (State, error) {
	st := State{Open: map[string]*Open{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return State{Open: map[string]*Open{}}, fmt.Errorf("cannot read the alert state %s: %w", path, err)
	}
	if st.Open == nil {
		st.Open = map[string]*Open{}
	}
	return st, nil
}

// SaveState writes the state file atomically, 0600, creating its
// directory 0700.
func SaveState(path string, st State) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(b, '\n'), 0o600, fsutil.NoID, fsutil.NoID)
}
