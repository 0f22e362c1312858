// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

func TestHealthGateRunsOneRoundForManyCallers(t *testing.T) {
	var g healthGate
	var runs atomic.Int32
	release := make(chan struct{})
	probe := func(context.Context) ([]api.ServiceStatus, error) {
		runs.Add(1)
		<-release
		return []api.ServiceStatus{{Name: "directory", Healthy: true}}, nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := g.do(context.Background(), "", time.Minute, probe)
			if err != nil || len(r) != 1 || !r[0].Healthy {
				t.Errorf("caller got %v %v", r, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("50 callers ran %d rounds of probes, want 1", n)
	}
	// A finished round is not reused: the next caller probes again.
	g.do(context.Background(), "", time.Minute, probe)
	if n := runs.Load(); n != 2 {
		t.Errorf("rounds after the first finished: %d, want 2", n)
	}
	// Another service is probed on its own.
	g.do(context.Background(), "mail", time.Minute, probe)
	if n := runs.Load(); n != 3 {
		t.Errorf("rounds with another service: %d, want 3", n)
	}
}

func TestHealthGateCallerGivesUpAlone(t *testing.T) {
	var g healthGate
	release := make(chan struct{})
	probe := func(ctx context.Context) ([]api.ServiceStatus, error) {
		<-release
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := g.do(ctx, "", time.Minute, probe); done <- err }()
	other := make(chan error)
	go func() { _, err := g.do(context.Background(), "", time.Minute, probe); other <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Error("the caller that gave up got no error")
	}
	close(release)
	if err := <-other; err != nil {
		t.Errorf("the round was cancelled for the other caller: %v", err)
	}
}
