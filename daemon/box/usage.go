// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/execx"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/mail"
)

// Limits of the share walk. A status call never waits for a walk longer
// than UsageWait: a share of millions of files is counted in the
// background and reported with the time of its walk.
const (
	// DefaultUsageMaxAge is how old a share's size may be before a call
	// starts a new walk (the answer still carries the old size).
	DefaultUsageMaxAge = 10 * time.Minute
	// DefaultUsageWalkTime and DefaultUsageWalkFiles bound one walk of
	// all shares; a walk stopped by them reports Complete false.
	DefaultUsageWalkTime  = 2 * time.Minute
	DefaultUsageWalkFiles = 2_000_000
	// DefaultUsageWait is how long a call waits for a walk it started, so
	// that small shares are measured in the first answer.
	DefaultUsageWait = 2 * time.Second
	// mailQueueMaxAge: postqueue -j runs at most this often.
	mailQueueMaxAge = 10 * time.Second
)

// UsageLimits bounds the share walk; zero fields take the defaults.
type UsageLimits struct {
	MaxAge    time.Duration
	WalkTime  time.Duration
	WalkFiles uint64
	Wait      time.Duration
}

func (l UsageLimits) withDefaults() UsageLimits {
	if l.MaxAge == 0 {
		l.MaxAge = DefaultUsageMaxAge
	}
	if l.WalkTime == 0 {
		l.WalkTime = DefaultUsageWalkTime
	}
	if l.WalkFiles == 0 {
		l.WalkFiles = DefaultUsageWalkFiles
	}
	if l.Wait == 0 {
		l.Wait = DefaultUsageWait
	}
	return l
}

// usageCacheFile keeps the last walk's sizes in the state directory, so
// that a possed started again (it exits when idle) answers with them at
// once instead of "measuring".
const usageCacheFile = "usage-cache.json"

// walked is one directory's size as of a walk.
type walked struct {
	Used     uint64    `json:"used"`
	Files    uint64    `json:"files"`
	Complete bool      `json:"complete"`
	At       time.Time `json:"at"`
	Err      string    `json:"error,omitempty"`
}

// usageState is the cache of share sizes and of the mail queue.
type usageState struct {
	mu sync.Mutex
	// sizes by box path (not root-joined), from the last walk; loaded
	// tells whether usageCacheFile was read.
	sizes  map[string]walked
	loaded bool
	// walking is closed when the running walk ends; nil when none runs.
	walking chan struct{}

	queueMu sync.Mutex
	queue   api.MailQueue
	queueAt time.Time
}

// Usage implements daemon.Backend: the size of every share (and of the
// home folders) from a background walk, each filesystem's free space now,
// and Postfix's queue.
func (b *Box) Usage(ctx context.Context) (api.Usage, error) {
	s, _, err := b.applied()
	if err != nil {
		return api.Usage{}, err
	}
	type dir struct{ name, path string }
	var dirs []dir
	for _, sh := range s.Shares {
		dirs = append(dirs, dir{sh.Name, s.SharePath(sh)})
	}
	if s.Homes.Enabled {
		dirs = append(dirs, dir{"homes", site.HomesDir})
	}
	paths := make([]string, len(dirs))
	for i, d := range dirs {
		paths[i] = d.path
	}
	sizes := b.shareSizes(ctx, paths)
	u := api.Usage{Shares: make([]api.ShareUsage, 0, len(dirs))}
	for _, d := range dirs {
		r := api.ShareUsage{Name: d.name, Path: d.path}
		if w, ok := sizes[d.path]; ok {
			r.UsedBytes, r.Files, r.Complete, r.Error = w.Used, w.Files, w.Complete, w.Err
			r.MeasuredAt = w.At.UTC().Format(time.RFC3339)
		}
		if free, size, err := fsutil.Space(b.boxPath(d.path)); err != nil {
			if r.Error == "" {
				r.Error = statError(d.path, err)
			}
		} else {
			r.FreeBytes, r.SizeBytes = free, size
		}
		u.Shares = append(u.Shares, r)
	}
	if s.Mail != nil {
		u.Mail = b.mailQueue(ctx)
	}
	return u, nil
}

func statError(path string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("the folder %s does not exist: apply the site again", path)
	}
	return fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err))
}

// boxPath is a box path under b.Root.
func (b *Box) boxPath(p string) string {
	if b.Root == "" || b.Root == "/" {
		return p
	}
	return filepath.Join(b.Root, p)
}

// shareSizes returns the last walk's sizes. When one of paths was never
// walked or its size is older than MaxAge, it starts a walk of all paths
// in the background (one at a time) and waits for it at most Wait.
func (b *Box) shareSizes(ctx context.Context, paths []string) map[string]walked {
	lim := b.UsageLimits.withDefaults()
	u := &b.usage
	u.mu.Lock()
	if !u.loaded {
		u.loaded = true
		if data, err := os.ReadFile(b.env(nil).State(usageCacheFile)); err == nil {
			var m map[string]walked
			if json.Unmarshal(data, &m) == nil {
				u.sizes = m
			}
		}
	}
	stale := false
	for _, p := range paths {
		if w, ok := u.sizes[p]; !ok || b.now().Sub(w.At) > lim.MaxAge {
			stale = true
		}
	}
	walking := u.walking
	if stale && walking == nil {
		walking = make(chan struct{})
		u.walking = walking
		go b.walkAll(append([]string(nil), paths...), lim, walking)
	}
	u.mu.Unlock()
	if walking != nil {
		t := time.NewTimer(lim.Wait)
		select {
		case <-walking:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[string]walked, len(paths))
	for _, p := range paths {
		if w, ok := u.sizes[p]; ok {
			out[p] = w
		}
	}
	return out
}

func (b *Box) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// walkAll measures every path and records the results; done is closed at
// the end. The time and file limits are shared by all paths.
func (b *Box) walkAll(paths []string, lim UsageLimits, done chan struct{}) {
	defer func() {
		b.usage.mu.Lock()
		b.usage.walking = nil
		data, err := json.Marshal(b.usage.sizes)
		b.usage.mu.Unlock()
		if err == nil {
			// Best effort: without it the next possed measures again.
			fsutil.WriteFileAtomic(b.env(nil).State(usageCacheFile), data, 0o600, fsutil.NoID, fsutil.NoID)
		}
		close(done)
	}()
	// The walk reads every inode of the shares: it gives way to Samba and
	// the mail services (idle I/O class, lowest CPU priority). Both apply
	// to this thread only, which ends with the goroutine.
	runtime.LockOSThread()
	lowerPriority()
	walk := b.WalkDir
	if walk == nil {
		walk = DiskUse
	}
	deadline := time.Now().Add(lim.WalkTime)
	budget := lim.WalkFiles
	for _, p := range paths {
		used, files, complete, err := walk(b.boxPath(p), deadline, max(budget, 1))
		if files < budget {
			budget -= files
		} else {
			budget = 0
		}
		w := walked{Used: used, Files: files, Complete: complete, At: b.now()}
		if err != nil {
			w.Err = statError(p, err)
		}
		b.usage.mu.Lock()
		if b.usage.sizes == nil {
			b.usage.sizes = map[string]walked{}
		}
		b.usage.sizes[p] = w
		b.usage.mu.Unlock()
	}
}

// lowerPriority puts the calling thread in the idle I/O class and at nice
// 19; errors are ignored (the walk is then merely not polite).
func lowerPriority() {
	const ioprioClassIdle, ioprioClassShift, ioprioWhoProcess = 3, 13, 1
	syscall.Syscall(syscall.SYS_IOPRIO_SET, ioprioWhoProcess, 0, ioprioClassIdle<<ioprioClassShift)
	syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}

// DiskUse adds up the disk space the files and folders under dir take, as
// du does: allocated blocks, each hard-linked file once, without descending
// into other filesystems; files counts what is not a folder. It stops at
// deadline or after maxEntries files and folders and then reports complete
// false. Unreadable entries are skipped.
func DiskUse(dir string, deadline time.Time, maxEntries uint64) (used, files uint64, complete bool, err error) {
	var root syscall.Stat_t
	if err := syscall.Lstat(dir, &root); err != nil {
		return 0, 0, false, &fs.PathError{Op: "lstat", Path: dir, Err: err}
	}
	seen := map[[2]uint64]bool{}
	errStop := errors.New("limit")
	var n, counted uint64
	werr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: skip it, count the rest
		}
		n++
		if counted >= maxEntries || n%1024 == 0 && time.Now().After(deadline) {
			return errStop
		}
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) != nil {
			return nil
		}
		if uint64(st.Dev) != uint64(root.Dev) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if st.Nlink > 1 && !d.IsDir() {
			k := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
			if seen[k] {
				return nil
			}
			seen[k] = true
		}
		counted++
		if !d.IsDir() {
			files++
		}
		used += uint64(st.Blocks) * 512
		return nil
	})
	if werr == errStop {
		return used, files, false, nil
	}
	return used, files, true, nil
}

// mailQueue reads Postfix's queue with postqueue -j, at most every
// mailQueueMaxAge.
func (b *Box) mailQueue(ctx context.Context) api.MailQueue {
	u := &b.usage
	u.queueMu.Lock()
	defer u.queueMu.Unlock()
	if !u.queueAt.IsZero() && b.now().Sub(u.queueAt) < mailQueueMaxAge {
		return u.queue
	}
	r := b.Runner
	if r == nil {
		r = execx.New()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	q := api.MailQueue{Configured: true}
	res, err := r.Run(ctx, host.Cmd{Argv: []string{"postqueue", "-j"}})
	if err != nil {
		q.Error = "cannot read the mail queue (postqueue -j): " + firstLine(string(res.Stderr), err)
	} else if q, err = ParseQueue(res.Stdout); err != nil {
		q = api.MailQueue{Configured: true, Error: err.Error()}
	}
	u.queue, u.queueAt = q, b.now()
	return q
}

func firstLine(stderr string, err error) string {
	if l, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); l != "" {
		return l
	}
	return err.Error()
}

// ParseQueue reads postqueue -j output (mail.ParseQueue) as the API's
// mail queue: messages, deferred, and the oldest arrival in RFC 3339.
func ParseQueue(out []byte) (api.MailQueue, error) {
	r, err := mail.ParseQueue(out)
	if err != nil {
		return api.MailQueue{}, err
	}
	q := api.MailQueue{Configured: true, Messages: int32(r.QueueSize), Deferred: int32(r.Deferred)}
	if !r.Oldest.IsZero() {
		q.Oldest = r.Oldest.Format(time.RFC3339)
	}
	return q, nil
}
