// SPDX-License-Identifier: GPL-3.0-or-later

package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Prober asks one box. It must give up when ctx ends (closing its
// connection) and say in the Box it returns what it could not learn.
type Prober interface {
	Probe(ctx context.Context, e Entry) Box
}

// ProberFunc is a Prober as a function.
type ProberFunc func(ctx context.Context, e Entry) Box

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context, e Entry) Box { return f(ctx, e) }

// Options bound a fleet check.
type Options struct {
	// Parallel is how many boxes are asked at once (at least 1).
	Parallel int
	// Timeout bounds the asking of one box.
	Timeout time.Duration
	// Grace is how long past Timeout a prober may take to give up before
	// its box is reported as timed out without it (default 2s).
	Grace time.Duration
	// Now is the clock the backups' age is measured with (default
	// time.Now).
	Now func() time.Time
}

// Check asks every box, at most opts.Parallel at a time and each for at
// most opts.Timeout, and returns the evaluated reports worst first. When
// ctx ends, boxes not asked yet are reported as not asked.
func Check(ctx context.Context, boxes []Entry, p Prober, opts Options) []Report {
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.Grace <= 0 {
		opts.Grace = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	out := make([]Report, len(boxes))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, e := range boxes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				out[i] = Report{Entry: e, Box: Box{Problem: ProblemError, Detail: "not asked: " + ctx.Err().Error()}}
				return
			}
			out[i] = probeOne(ctx, e, p, opts)
		}()
	}
	wg.Wait()
	now := opts.Now()
	for i := range out {
		out[i].Evaluate(now)
	}
	Sort(out)
	return out
}

// probeOne asks one box within the timeout; a prober that does not come
// back within the grace after it is left behind and the box timed out.
func probeOne(parent context.Context, e Entry, p Prober, opts Options) Report {
	ctx, cancel := context.WithTimeout(parent, opts.Timeout)
	defer cancel()
	start := time.Now()
	done := make(chan Box, 1)
	go func() { done <- p.Probe(ctx, e) }()
	timedOut := Box{Problem: ProblemTimeout, Detail: fmt.Sprintf("no answer within %s", opts.Timeout)}
	var b Box
	select {
	case b = <-done:
	case <-ctx.Done():
		select {
		case b = <-done:
		case <-time.After(opts.Grace):
			b = timedOut
		}
	}
	if !b.Reachable && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
		b = timedOut
	}
	if !b.Reachable && b.Problem == "" {
		b.Problem = ProblemError
	}
	return Report{Entry: e, Box: b, Took: time.Since(start)}
}
