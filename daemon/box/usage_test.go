// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/host"
)

// queueRunner answers postqueue -j with out and counts the calls.
type queueRunner struct {
	out   string
	err   error
	calls atomic.Int32
}

func (r *queueRunner) Run(_ context.Context, c host.Cmd) (host.Result, error) {
	r.calls.Add(1)
	if strings.Join(c.Argv, " ") != "postqueue -j" {
		return host.Result{ExitCode: 1}, errors.New("unexpected command " + strings.Join(c.Argv, " "))
	}
	if r.err != nil {
		return host.Result{Stderr: []byte("postqueue: fatal: Queue report unavailable - mail system is down\n"), ExitCode: 69}, r.err
	}
	return host.Result{Stdout: []byte(r.out)}, nil
}

const twoQueued = `{"queue_name": "deferred", "queue_id": "4F1A21C0B2", "arrival_time": 1795420800, "message_size": 1205, "sender": "a@example.com", "recipients": [{"address": "x@elsewhere.example", "delay_reason": "connect timed out"}]}
{"queue_name": "active", "queue_id": "5B2C31D0C3", "arrival_time": 1795424400, "message_size": 900, "sender": "b@example.com", "recipients": [{"address": "y@elsewhere.example"}]}
`

func TestParseQueue(t *testing.T) {
	q, err := ParseQueue([]byte(twoQueued))
	if err != nil || q.Messages != 2 || q.Deferred != 1 || q.Oldest != "2026-11-23T08:00:00Z" || !q.Configured {
		t.Errorf("ParseQueue = %+v, %v", q, err)
	}
	if q, err := ParseQueue(nil); err != nil || q.Messages != 0 || q.Oldest != "" {
		t.Errorf("empty queue = %+v, %v", q, err)
	}
	if _, err := ParseQueue([]byte("Mail queue is empty\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("text output: %v", err)
	}
}

func TestUsageMeasuresSharesAndQueue(t *testing.T) {
	b, _ := newBox(t, true)
	data := filepath.Join(b.Root, "srv/posse/shares/data")
	if err := os.MkdirAll(filepath.Join(data, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "a.txt"), make([]byte, 10000), 0o644)
	os.WriteFile(filepath.Join(data, "sub", "b.txt"), make([]byte, 70000), 0o644)
	os.Link(filepath.Join(data, "a.txt"), filepath.Join(data, "sub", "a-again.txt"))
	r := &queueRunner{out: twoQueued}
	b.Runner = r
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	b.Now = func() time.Time { return now }
	b.UsageLimits.Wait = time.Hour // the walk of a few files ends first

	u, err := b.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Shares) != 1 {
		t.Fatalf("shares = %+v", u.Shares)
	}
	sh := u.Shares[0]
	// a.txt (once: sub/a-again.txt is the same file) and b.txt
	if sh.Name != "Data" || sh.Path != "/srv/posse/shares/data" || sh.Files != 2 || !sh.Complete || sh.Error != "" || sh.MeasuredAt != "2026-11-23T09:00:00Z" {
		t.Errorf("share = %+v", sh)
	}
	if sh.UsedBytes < 80000 || sh.UsedBytes > 200000 {
		t.Errorf("used = %d bytes, want about 80 kB (the hard link counted once)", sh.UsedBytes)
	}
	if sh.SizeBytes == 0 || sh.FreeBytes == 0 || sh.FreeBytes > sh.SizeBytes {
		t.Errorf("filesystem free %d of %d", sh.FreeBytes, sh.SizeBytes)
	}
	if q := u.Mail; !q.Configured || q.Messages != 2 || q.Deferred != 1 || q.Oldest != "2026-11-23T08:00:00Z" || q.Error != "" {
		t.Errorf("mail queue = %+v", q)
	}

	// A second call within the cache's age walks nothing and runs
	// postqueue once; the new file shows after MaxAge.
	os.WriteFile(filepath.Join(data, "c.txt"), make([]byte, 5000), 0o644)
	if u2, _ := b.Usage(context.Background()); u2.Shares[0].Files != 2 || r.calls.Load() != 1 {
		t.Errorf("cached call: files %d, postqueue ran %d times", u2.Shares[0].Files, r.calls.Load())
	}
	now = now.Add(DefaultUsageMaxAge + time.Minute)
	if u3, _ := b.Usage(context.Background()); u3.Shares[0].Files != 3 || r.calls.Load() != 2 || u3.Shares[0].MeasuredAt != "2026-11-23T09:11:00Z" {
		t.Errorf("after max age: %+v, postqueue ran %d times", u3.Shares[0], r.calls.Load())
	}
}

func TestUsageDoesNotWaitForABigShare(t *testing.T) {
	b, _ := newBox(t, true)
	release := make(chan struct{})
	var walks atomic.Int32
	b.WalkDir = func(dir string, _ time.Time, _ uint64) (uint64, uint64, bool, error) {
		walks.Add(1)
		<-release
		return 4096, 1, true, nil
	}
	b.Runner = &queueRunner{}
	b.UsageLimits.Wait = time.Millisecond
	u, err := b.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The walk still runs: no size yet, and the share's folder is missing.
	if sh := u.Shares[0]; sh.MeasuredAt != "" || sh.UsedBytes != 0 || !strings.Contains(sh.Error, "does not exist") {
		t.Errorf("while walking: %+v", sh)
	}
	// A second call does not start a second walk.
	b.Usage(context.Background())
	close(release)
	b.UsageLimits.Wait = time.Hour
	waitWalk(b)
	u, _ = b.Usage(context.Background())
	if sh := u.Shares[0]; sh.UsedBytes != 4096 || sh.MeasuredAt == "" || walks.Load() != 1 {
		t.Errorf("after the walk: %+v, %d walks", sh, walks.Load())
	}
	if q := u.Mail; !q.Configured || q.Messages != 0 || q.Error != "" {
		t.Errorf("empty queue = %+v", q)
	}
}

func TestDiskUseStopsAtItsLimit(t *testing.T) {
	dir := t.TempDir()
	for i := range 10 {
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))), []byte("x"), 0o644)
	}
	used, files, complete, err := DiskUse(dir, time.Now().Add(time.Hour), 5) // the folder and 4 files
	if err != nil || complete || files != 4 || used == 0 {
		t.Errorf("limited: used %d, files %d, complete %v, %v", used, files, complete, err)
	}
	if _, files, complete, err := DiskUse(dir, time.Now().Add(time.Hour), 100); err != nil || !complete || files != 10 {
		t.Errorf("whole: files %d, complete %v, %v", files, complete, err)
	}
	if _, _, _, err := DiskUse(filepath.Join(dir, "missing"), time.Now().Add(time.Hour), 100); err == nil {
		t.Error("a missing folder has no error")
	}
}

func TestUsageMailQueueDown(t *testing.T) {
	b, _ := newBox(t, true)
	b.Runner = &queueRunner{err: errors.New("exit status 69")}
	b.WalkDir = func(string, time.Time, uint64) (uint64, uint64, bool, error) { return 0, 0, true, nil }
	u, err := b.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Mail; !q.Configured || !strings.Contains(q.Error, "mail system is down") {
		t.Errorf("mail queue = %+v", q)
	}
	var none api.Usage
	if _, err := (&Box{Root: t.TempDir()}).Usage(context.Background()); err == nil {
		t.Errorf("no site: %+v", none)
	}
}

func TestUsageSizesOutliveAPossed(t *testing.T) {
	b, _ := newBox(t, true)
	b.Runner = &queueRunner{}
	b.WalkDir = func(string, time.Time, uint64) (uint64, uint64, bool, error) { return 8192, 2, true, nil }
	b.UsageLimits.Wait = time.Hour
	if u, err := b.Usage(context.Background()); err != nil || u.Shares[0].UsedBytes != 8192 {
		t.Fatalf("first possed: %+v, %v", u, err)
	}
	// The next possed (same box) answers with those sizes while its own
	// walk has not ended.
	next := &Box{Root: b.Root, Hostname: b.Hostname, Runner: b.Runner}
	release := make(chan struct{})
	next.WalkDir = func(string, time.Time, uint64) (uint64, uint64, bool, error) {
		<-release
		return 0, 0, true, nil
	}
	next.UsageLimits.Wait = time.Millisecond
	next.UsageLimits.MaxAge = time.Nanosecond // stale: it walks again
	u, err := next.Usage(context.Background())
	if err != nil || u.Shares[0].UsedBytes != 8192 || u.Shares[0].Files != 2 || u.Shares[0].MeasuredAt == "" {
		t.Errorf("next possed: %+v, %v", u, err)
	}
	close(release)
	waitWalk(next)
}

// waitWalk waits for b's running walk, if any, to end.
func waitWalk(b *Box) {
	b.usage.mu.Lock()
	w := b.usage.walking
	b.usage.mu.Unlock()
	if w != nil {
		<-w
	}
}
