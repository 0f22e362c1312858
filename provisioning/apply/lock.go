// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
)

// applyLock is the held <state>/apply.lock and the running-apply marker.
type applyLock struct {
	f      *os.File
	marker string
}

// lock takes <state>/apply.lock with a non-blocking flock. The kernel
// releases it when the process dies, so a crashed apply never wedges the
// next one.
func lock(env *host.Env) (*applyLock, error) {
	dir := env.State()
	if _, err := fsutil.MkdirAll(filepath.Dir(dir)); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	path := env.State("apply.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			holder := strings.TrimSpace(string(b))
			if _, perr := strconv.Atoi(holder); perr != nil {
				holder = "unknown"
			}
			return nil, fmt.Errorf("%w (pid %s); wait for it to finish", ErrLocked, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(pid())+"\n"), 0)
	}
	return &applyLock{f: f, marker: env.State("apply.running")}, nil
}

// interrupted returns the id of an apply that started but never finished.
func (l *applyLock) interrupted() string {
	b, err := os.ReadFile(l.marker)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// mark records that apply id is running until unmark.
func (l *applyLock) mark(id string) error {
	if err := os.WriteFile(l.marker, []byte(id+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", l.marker, err)
	}
	return nil
}

func (l *applyLock) unmark() { os.Remove(l.marker) }

func (l *applyLock) release() {
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// Interrupted returns the id of an apply that started and never finished
// (its process was killed), or "". A caller that skips Apply for an empty
// plan should apply anyway when it is set: Apply then runs the unit, check
// and probe steps the interrupted apply did not get to.
func Interrupted(env *host.Env) string {
	return (&applyLock{marker: env.State("apply.running")}).interrupted()
}
