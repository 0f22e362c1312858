// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

func TestBridgeNeverBlocksTheCaller(t *testing.T) {
	test.NewTempApp(t)
	br := &Bridge{Backend: newFake(1), Timeout: time.Second}
	release := make(chan struct{})
	done := make(chan error, 1)
	start := time.Now()
	br.do(func(ctx context.Context, be Backend) error {
		<-release
		return errors.New("box gone")
	}, func(err error) { done <- err })
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("do waited for the call")
	}
	select {
	case <-done:
		t.Fatal("done ran before the call finished")
	default:
	}
	close(release)
	select {
	case err := <-done:
		if err == nil || err.Error() != "box gone" {
			t.Errorf("done got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("done never ran")
	}
}

func TestBridgeTimesOut(t *testing.T) {
	test.NewTempApp(t)
	br := &Bridge{Backend: newFake(1), Timeout: 50 * time.Millisecond, Sync: true}
	var got error
	br.do(func(ctx context.Context, be Backend) error {
		<-ctx.Done()
		return ctx.Err()
	}, func(err error) { got = err })
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("a hanging call ended with %v", got)
	}
}
