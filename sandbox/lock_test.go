// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestLockFileExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", ".lock")
	l1, err := lockFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if l2, err := lockFile(ctx, p); err == nil {
		l2.unlock()
		t.Fatal("a second lock was granted while the first was held")
	}
	done := make(chan error)
	go func() {
		l3, err := lockFile(context.Background(), p)
		if err == nil {
			l3.unlock()
		}
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	l1.unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lock was not granted after unlock")
	}
}
