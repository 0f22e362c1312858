// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// healthTTL is how long a finished round of health probes answers further
// callers. Zero: a result is never reused once the round is over, so a
// check after a change (a failed backup run, a restarted service) always
// probes again.
const healthTTL = 0

// healthGate runs at most one round of probes per service name at a time
// and hands its result to every caller that asks while it runs: probes log
// in to the directory and the mail server, and fifty callers at once must
// not mean fifty Kerberos logins.
type healthGate struct {
	mu    sync.Mutex
	calls map[string]*healthCall
	now   func() time.Time
}

type healthCall struct {
	done     chan struct{}
	finished time.Time
	res      []api.ServiceStatus
	err      error
}

// do returns the result of a round started within healthTTL or still
// running, or runs fn. fn gets a context of its own (bounded by timeout),
// so a caller that gives up does not cancel the round for the others.
func (g *healthGate) do(ctx context.Context, service string, timeout time.Duration, fn func(context.Context) ([]api.ServiceStatus, error)) ([]api.ServiceStatus, error) {
	now := time.Now
	if g.now != nil {
		now = g.now
	}
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*healthCall{}
	}
	c, ok := g.calls[service]
	if ok {
		select {
		case <-c.done:
			if now().Sub(c.finished) >= healthTTL {
				ok = false
			}
		default: // still running: wait for it
		}
	}
	if !ok {
		c = &healthCall{done: make(chan struct{})}
		g.calls[service] = c
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			defer cancel()
			res, err := fn(rctx)
			g.mu.Lock()
			c.res, c.err, c.finished = res, err, now()
			g.mu.Unlock()
			close(c.done)
		}()
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		g.mu.Lock()
		defer g.mu.Unlock()
		return append([]api.ServiceStatus(nil), c.res...), c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
