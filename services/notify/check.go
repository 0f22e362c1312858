// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Report is what one check run found and sent.
type Report struct {
	Problems []Problem `json:"problems"`
	// Sent are the subjects of the mails that went out.
	Sent []string `json:"sent"`
	// Failed are the mails that could not be sent, with why.
	Failed []string `json:"failed,omitempty"`
}

// Check is one check run: it detects the problems in facts, decides with
// the state file at statePath which mails are due, sends them with s and
// saves the state, in which a mail that could not be sent stays due. It
// fails when a mail could not be sent or the state not be kept.
func Check(ctx context.Context, f Facts, statePath string, env Envelope, s Sender, now time.Time) (Report, error) {
	unlock, err := lock(statePath + ".lock")
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	prev, err := LoadState(statePath)
	if err != nil {
		return Report{}, err
	}
	found := Detect(f, now)
	next, mails := Decide(prev, found, now)
	rep := Report{Problems: found, Sent: []string{}}
	var errs []error
	for _, m := range mails {
		subj := SubjectOf(m, env.Hostname)
		msg, err := Render(m, env, now)
		if err == nil {
			err = s.Send(ctx, env.From, msg)
		}
		if err != nil {
			next.Unsent(prev, m)
			rep.Failed = append(rep.Failed, subj+": "+err.Error())
			errs = append(errs, fmt.Errorf("cannot send %q: %w", subj, err))
			continue
		}
		rep.Sent = append(rep.Sent, subj)
	}
	if err := SaveState(statePath, next); err != nil {
		errs = append(errs, fmt.Errorf("cannot keep the alert state: %w", err))
	}
	return rep, errors.Join(errs...)
}

// lock takes an exclusive lock on path, waiting for a check run that holds
// it (the timer's, a failed unit's, one by hand), so that two runs never
// both mail one problem.
func lock(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot lock the alert state: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock the alert state: %w", err)
	}
	return func() { f.Close() }, nil
}

// SendTest sends the test mail.
func SendTest(ctx context.Context, env Envelope, s Sender, now time.Time) (string, error) {
	m := Mail{Kind: KindTest}
	msg, err := Render(m, env, now)
	if err != nil {
		return "", err
	}
	return SubjectOf(m, env.Hostname), s.Send(ctx, env.From, msg)
}
