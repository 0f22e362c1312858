// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// syncSvc stands for the files service: it always plans one step, counts
// plans and executions, can fail, and can hold a plan until released.
type syncSvc struct {
	mu       sync.Mutex
	plans    int
	executed int
	fail     error
	planned  chan int      // receives the number of each plan, if set
	hold     chan struct{} // each plan waits for a value, if set
}

func (f *syncSvc) Name() string { return "files" }

func (f *syncSvc) Plan(context.Context, *site.Site, *host.Env) ([]plan.Step, []plan.Note, error) {
	f.mu.Lock()
	f.plans++
	n, planned, hold := f.plans, f.planned, f.hold
	f.mu.Unlock()
	if planned != nil {
		planned <- n
	}
	if hold != nil {
		<-hold
	}
	return []plan.Step{plan.NewStep("files", plan.Update, "fake", "homes", "home folders", nil)}, nil, nil
}

func (f *syncSvc) Execute(context.Context, plan.Step, *host.Env) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.executed++
	return f.fail
}

func (f *syncSvc) counts() (plans, executed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plans, f.executed
}

// otherSvc is a service the sync must neither plan nor apply.
type otherSvc struct{ plans int }

func (o *otherSvc) Name() string { return "mail" }
func (o *otherSvc) Plan(context.Context, *site.Site, *host.Env) ([]plan.Step, []plan.Note, error) {
	o.plans++
	return nil, nil, nil
}
func (o *otherSvc) Execute(context.Context, plan.Step, *host.Env) error { return nil }

// homesBox is a Box whose applied site shares home folders (when homes),
// with a fake files service; the sync's delay is long enough that only
// flushHomeSync starts it.
func homesBox(t *testing.T, homes bool) (*Box, *syncSvc, *otherSvc) {
	t.Helper()
	b, fake := newBox(t, true)
	if homes {
		p := filepath.Join(b.Root, host.DefaultStateDir, "site.yaml")
		if err := os.WriteFile(p, []byte(testSite+"homes: {enabled: true}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fake.SeedGroup(ad.Group{Name: "staff"})
	svc, other := &syncSvc{}, &otherSvc{}
	b.Units = hosttest.NewFakeUnits()
	b.Runner = hosttest.NewFakeRunner(t)
	b.Services = func() []provisioning.Service { return []provisioning.Service{other, svc} }
	delay := homeSyncDelay
	homeSyncDelay = time.Hour
	t.Cleanup(func() {
		homeSyncDelay = delay
		if h := b.homeSync(); h.timer != nil {
			h.timer.Stop()
		}
	})
	return b, svc, other
}

// 100 users created at once: each gets homeDirectory and homeDrive, and
// the files service is applied once for all of them, alone.
func TestCreateUsersSyncHomesOnce(t *testing.T) {
	b, svc, other := homesBox(t, true)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- b.CreateUser(ctx, api.User{Username: fmt.Sprintf("user%03d", i)}, "Sommer-2026-ok", true)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if plans, _ := svc.counts(); plans != 0 {
		t.Fatalf("%d syncs ran before the delay", plans)
	}
	b.flushHomeSync()
	if plans, executed := svc.counts(); plans != 1 || executed != 1 {
		t.Errorf("100 creations: %d plans, %d steps executed; want one sync", plans, executed)
	}
	if other.plans != 0 {
		t.Errorf("the sync planned another service %d times", other.plans)
	}
	if _, err := b.homeSyncState(); err != nil {
		t.Errorf("sync failed: %v", err)
	}
	u, ok, _ := b.dir.User(ctx, "user042")
	if !ok || u.HomeDirectory != `\\DC1\user042` || u.HomeDrive != "H:" {
		t.Errorf("user042 = %+v, want home \\\\DC1\\user042 on H:", u)
	}
	// An import is one more sync; a dry run none.
	if _, err := b.ImportUsers(ctx, []byte("username\nimp1\n"), true); err != nil {
		t.Fatal(err)
	}
	b.flushHomeSync()
	if plans, _ := svc.counts(); plans != 1 {
		t.Errorf("a dry-run import synced (%d plans)", plans)
	}
	if _, err := b.ImportUsers(ctx, []byte("username\nimp1\nimp2\n"), false); err != nil {
		t.Fatal(err)
	}
	b.flushHomeSync()
	if plans, _ := svc.counts(); plans != 2 {
		t.Errorf("an import of 2 users: %d plans in all, want 2", plans)
	}
	if u, _, _ := b.dir.User(ctx, "imp2"); u.HomeDirectory != `\\DC1\imp2` || u.HomeDrive != "H:" {
		t.Errorf("imported user = %+v, want its home attributes", u)
	}
}

// Requests while a sync runs make exactly one more sync after it.
func TestHomeSyncDuringARun(t *testing.T) {
	b, svc, _ := homesBox(t, true)
	svc.planned, svc.hold = make(chan int), make(chan struct{})
	b.requestHomeSync()
	done := make(chan struct{})
	go func() { b.flushHomeSync(); close(done) }()
	<-svc.planned // the first sync is planning
	for range 50 {
		b.requestHomeSync()
	}
	svc.hold <- struct{}{}
	<-done
	go func() { <-svc.planned; svc.hold <- struct{}{} }()
	b.flushHomeSync()
	b.flushHomeSync() // nothing pending: no third run
	if plans, executed := svc.counts(); plans != 2 || executed != 2 {
		t.Errorf("%d plans, %d executions; want 2 runs", plans, executed)
	}
}

// Without home folders nothing is synced and no attributes are set.
func TestHomesDisabledNoSync(t *testing.T) {
	b, svc, _ := homesBox(t, false)
	ctx := context.Background()
	if err := b.CreateUser(ctx, api.User{Username: "newhire"}, "Sommer-2026-ok", true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportUsers(ctx, []byte("username\nimp1\n"), false); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteUser(ctx, "imp1"); err != nil {
		t.Fatal(err)
	}
	b.flushHomeSync()
	if plans, _ := svc.counts(); plans != 0 {
		t.Errorf("homes disabled: %d syncs", plans)
	}
	if u, _, _ := b.dir.User(ctx, "newhire"); u.HomeDirectory != "" || u.HomeDrive != "" {
		t.Errorf("homes disabled: user %+v has home attributes", u)
	}
}

// A failed sync is kept and does not undo the user; the next request
// tries again. Another apply holding the engine's lock makes the sync wait.
func TestHomeSyncFailureAndLock(t *testing.T) {
	b, svc, _ := homesBox(t, true)
	ctx := context.Background()
	svc.fail = errors.New("testparm rejects the configuration")
	if err := b.CreateUser(ctx, api.User{Username: "newhire"}, "Sommer-2026-ok", true); err != nil {
		t.Fatal(err)
	}
	b.flushHomeSync()
	if _, err := b.homeSyncState(); err == nil {
		t.Error("the failed sync was not recorded")
	}
	if _, ok, _ := b.dir.User(ctx, "newhire"); !ok {
		t.Error("the failed sync removed the user")
	}

	// Another apply holds the lock: the sync waits for it.
	svc.mu.Lock()
	svc.fail = nil
	svc.mu.Unlock()
	retry := homeSyncRetry
	homeSyncRetry = time.Millisecond
	t.Cleanup(func() { homeSyncRetry = retry })
	f, err := os.OpenFile(filepath.Join(b.Root, host.DefaultStateDir, "apply.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	svc.planned = make(chan int)
	plans, _ := svc.counts()
	b.requestHomeSync()
	done := make(chan struct{})
	go func() { b.flushHomeSync(); close(done) }()
	<-svc.planned // the plan before the locked attempt
	<-svc.planned // planned again: the first attempt found the lock taken
	_, executed := svc.counts()
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	go func() {
		for range svc.planned {
		}
	}()
	<-done
	close(svc.planned)
	if _, err := b.homeSyncState(); err != nil {
		t.Errorf("sync after the lock was released: %v", err)
	}
	if p, e := svc.counts(); p < plans+2 || e != executed+1 {
		t.Errorf("plans %d→%d, executions %d→%d: want the sync to wait, then apply once", plans, p, executed, e)
	}
}

// A site apply through possed that comes while a sync runs waits for it
// (it does not fail on the engine's lock) and plans only after it.
func TestSiteApplyWaitsForHomeSync(t *testing.T) {
	b, svc, _ := homesBox(t, true)
	template, err := os.ReadFile(filepath.Join(b.Root, host.DefaultStateDir, "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	svc.planned, svc.hold = make(chan int), make(chan struct{})
	b.requestHomeSync()
	synced := make(chan struct{})
	go func() { b.flushHomeSync(); close(synced) }()
	if n := <-svc.planned; n != 1 {
		t.Fatalf("plan %d first", n)
	}
	type result struct {
		res api.ApplyResult
		err error
	}
	applied := make(chan result)
	go func() {
		r, err := b.Apply(context.Background(), template, map[string]string{"carla": "Sommer-2026-ok", "domain_admin": "Admin-2026-Secret!"}, nil)
		applied <- result{r, err}
	}()
	select {
	case n := <-svc.planned:
		t.Fatalf("the site apply planned (plan %d) while the sync was running", n)
	case r := <-applied:
		t.Fatalf("the site apply returned while the sync was running: %+v, %v", r.res, r.err)
	case <-time.After(200 * time.Millisecond):
	}
	svc.hold <- struct{}{} // the sync goes on and ends
	<-synced
	var r result
	select {
	case n := <-svc.planned:
		if n != 2 {
			t.Errorf("plan %d second", n)
		}
		svc.hold <- struct{}{}
		r = <-applied
	case r = <-applied:
	}
	if r.err != nil {
		t.Errorf("site apply after the sync: %v", r.err)
	}
}
