// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// fileLock is an exclusive flock on a file; it is released when the process
// dies, so a crashed caller never leaves a lock behind.
type fileLock struct{ f *os.File }

// lockFile takes an exclusive lock on path, waiting until ctx is done.
func lockFile(ctx context.Context, path string) (*fileLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &fileLock{f}, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *fileLock) unlock() {
	if l != nil && l.f != nil {
		unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
		l.f.Close()
	}
}

// LockRun takes the lock that box creation, Down and lab network pruning
// hold while they change the host, and returns its release. A caller that
// looks at boxes of other processes (a leak check while another test run
// goes on) holds it to see every box either fully there or fully gone.
func LockRun(ctx context.Context) (unlock func(), err error) {
	l, err := lockFile(ctx, filepath.Join(RunDir, ".lock"))
	if err != nil {
		return nil, err
	}
	return l.unlock, nil
}
