// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/files"
)

// Home folder sync: when the applied site shares home folders, a user
// created (or deleted) through possed needs its folder and share section,
// which only an apply of the files service makes. CreateUser, ImportUsers
// and DeleteUser request a sync and return; the sync runs in the
// background once requests have stopped for homeSyncDelay (at most
// homeSyncMaxDelay after the first), so a burst of creations costs one
// apply. One sync runs at a time; requests during a run make one more run
// after it. The apply takes the engine's lock like every apply, so it never
// runs concurrently with another one; when another apply holds the lock the
// sync waits and tries again.
//
// A failed sync is logged and kept (homeSyncState); the user stays
// created, `possectl status` reports the missing folder (the files
// service's health probe checks every home folder the plan wants), and the
// next request or any apply of the site makes it.
var (
	homeSyncDelay    = 2 * time.Second
	homeSyncMaxDelay = 15 * time.Second
	homeSyncRetry    = 3 * time.Second
	homeSyncTimeout  = 3 * time.Minute
	homeSyncLog      = func() *slog.Logger { return syncLogger }
)

// syncLogger writes possed's log format to stderr (journald adds the time).
var syncLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{
	ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	},
}))

// homeSync is the sync state of one Box.
type homeSync struct {
	mu      sync.Mutex
	idle    *sync.Cond // broadcast when a run ends
	pending bool       // requested and not yet started
	running bool
	first   time.Time // first request of the pending run
	timer   *time.Timer
	runs    int
	applies int // runs that applied a plan with steps
	last    error
	lastAt  time.Time
}

func (b *Box) homeSync() *homeSync {
	b.homesOnce.Do(func() { b.homes.idle = sync.NewCond(&b.homes.mu) })
	return &b.homes
}

// homesEnabled reports whether the applied site shares home folders.
func homesEnabled(s *site.Site) bool { return s != nil && s.Homes.Enabled }

// requestHomeSync asks for a sync of the files service soon.
func (b *Box) requestHomeSync() {
	h := b.homeSync()
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if !h.pending {
		h.pending, h.first = true, now
	}
	if !h.running {
		h.schedule(b, now)
	}
}

// schedule (re)arms the timer for the pending run; h.mu is held.
func (h *homeSync) schedule(b *Box, now time.Time) {
	d := min(homeSyncDelay, h.first.Add(homeSyncMaxDelay).Sub(now))
	if h.timer == nil {
		h.timer = time.AfterFunc(max(d, 0), b.runHomeSync)
		return
	}
	h.timer.Reset(max(d, 0))
}

// runHomeSync runs the pending sync, unless none is pending or one runs.
func (b *Box) runHomeSync() {
	h := b.homeSync()
	h.mu.Lock()
	if !h.pending || h.running {
		h.mu.Unlock()
		return
	}
	h.pending, h.running = false, true
	h.mu.Unlock()

	applied, err := b.syncFiles()
	if err != nil {
		homeSyncLog().Warn("home folder sync failed; the users were created, their folders not (yet)",
			"error", err.Error(), "fix", "possectl apply the site again, or create another user to retry")
	} else if applied > 0 {
		homeSyncLog().Info("home folder sync applied", "steps", applied)
	}

	h.mu.Lock()
	h.running = false
	h.runs++
	if applied > 0 {
		h.applies++
	}
	h.last, h.lastAt = err, time.Now()
	if h.pending {
		h.schedule(b, time.Now())
	}
	h.idle.Broadcast()
	h.mu.Unlock()
}

// homeSyncState says when the last sync ended and how.
func (b *Box) homeSyncState() (at time.Time, err error) {
	h := b.homeSync()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastAt, h.last
}

// syncFiles plans the files service of the applied site and applies the
// plan when it has steps, returning how many. Only the files part
// changes: the other services are neither planned nor applied, and the
// applied site stays as recorded.
func (b *Box) syncFiles() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), homeSyncTimeout)
	defer cancel()
	s, _, err := b.applied()
	if err != nil {
		return 0, err
	}
	if !homesEnabled(s) {
		return 0, nil
	}
	for {
		// Every executor runs: an interrupted apply's unfinished steps of
		// any service are run again by the engine.
		p, res, err := b.RunSite(ctx, s, b.secrets(nil), RunOptions{Services: []string{files.Name}, SkipEmpty: true})
		if !errors.Is(err, apply.ErrLocked) { // held outside possed (possectl --direct)
			n := 0
			if res != nil {
				n = len(p.Steps)
			}
			return n, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waited %s for another apply to finish: %w", homeSyncTimeout, err)
		case <-time.After(homeSyncRetry):
		}
	}
}

// flushHomeSync runs a pending sync now and waits until no sync runs.
func (b *Box) flushHomeSync() {
	b.runHomeSync()
	h := b.homeSync()
	h.mu.Lock()
	for h.running {
		h.idle.Wait()
	}
	h.mu.Unlock()
}
