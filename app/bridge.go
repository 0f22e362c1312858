// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// Backend is what the screens need from possed. *client.Client satisfies
// it; the demo backend and the tests' fake do too.
type Backend interface {
	Status(ctx context.Context) (api.Status, error)
	Health(ctx context.Context, service string) ([]api.ServiceStatus, error)
	Validate(ctx context.Context, template []byte, secrets map[string]string) ([]api.Problem, error)
	Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error)
	Apply(ctx context.Context, template []byte, secrets map[string]string, onStep func(client.Event)) (api.ApplyResult, error)
	ApplyPlan(ctx context.Context, template []byte, secrets map[string]string, plan api.PlanResult, onStep func(client.Event)) (api.ApplyResult, error)
	Export(ctx context.Context) ([]byte, error)
	Usage(ctx context.Context) (api.Usage, error)
	Alerts(ctx context.Context) (api.Alerts, error)

	Users(ctx context.Context, query string) ([]api.User, error)
	User(ctx context.Context, username string) (api.User, error)
	Logon(ctx context.Context, username string) (api.LogonInfo, error)
	CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error
	UpdateUser(ctx context.Context, username string, up client.UserUpdate) error
	SetPassword(ctx context.Context, username, password string, mustChange bool) error
	DisableUser(ctx context.Context, username string) error
	EnableUser(ctx context.Context, username string) error
	DeleteUser(ctx context.Context, username string) error
	ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error)

	Groups(ctx context.Context) ([]api.Group, error)
	CreateGroup(ctx context.Context, g api.Group) error
	DeleteGroup(ctx context.Context, name string) error
	SetMembers(ctx context.Context, group string, add, remove []string) error

	Shares(ctx context.Context) ([]api.Share, error)
	SetShare(ctx context.Context, s api.Share) error
	DeleteShare(ctx context.Context, name string) error
	Permissions(ctx context.Context, share, path string) (api.Permissions, error)
	Versions(ctx context.Context, share, path string) ([]api.FileVersion, error)
	RestoreVersion(ctx context.Context, share, path string, at time.Time, alongside bool) (api.VersionRestored, error)

	Aliases(ctx context.Context) ([]api.Alias, error)
	SetAlias(ctx context.Context, a api.Alias) error
	DeleteAlias(ctx context.Context, address string) error

	BackupStatus(ctx context.Context) (api.BackupStatus, error)
	RunBackup(ctx context.Context) error
	Snapshots(ctx context.Context) ([]api.Snapshot, error)
	Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error)
	Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error)
	ShareSnapshots(ctx context.Context) (api.ShareBackups, error)
	BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error)
	RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error)

	Close() error
}

var _ Backend = (*client.Client)(nil)

// Bridge connects the screens to a Backend without ever blocking the UI:
// calls run on their own goroutine and their results come back on the UI
// goroutine through fyne.Do.
type Bridge struct {
	// Backend is the connected box.
	Backend Backend
	// Box names the connected box for people ("this computer", "admin@box").
	Box string
	// Hostname is the box's own host name (Status), as the office's
	// computers reach it: \\HOST\share. Box may be an SSH login instead.
	Hostname string
	// Demo is set when Backend is the built-in demo data.
	Demo bool
	// OfficeManager is set when the daemon refused site-level reads: only
	// Users and a read-only Dashboard are shown.
	OfficeManager bool
	// Sync runs calls on the caller's goroutine; tests set it so that a
	// tap's effect is visible right after the tap.
	Sync bool
	// Timeout bounds one call (default 2 minutes); Apply has none.
	Timeout time.Duration
}

// do runs work off the UI goroutine and then done on it.
func (b *Bridge) do(work func(ctx context.Context, be Backend) error, done func(err error)) {
	run := func() {
		t := b.Timeout
		if t == 0 {
			t = 2 * time.Minute
		}
		ctx, cancel := context.WithTimeout(context.Background(), t)
		err := work(ctx, b.Backend)
		cancel()
		if done == nil {
			return
		}
		if b.Sync {
			done(err)
			return
		}
		fyne.Do(func() { done(err) })
	}
	if b.Sync {
		run()
		return
	}
	go run()
}

// call is do for a call that returns a value.
func call[T any](b *Bridge, work func(ctx context.Context, be Backend) (T, error), done func(T, error)) {
	var v T
	b.do(func(ctx context.Context, be Backend) error {
		var err error
		v, err = work(ctx, be)
		return err
	}, func(err error) { done(v, err) })
}

// ui runs f on the UI goroutine (directly in Sync mode).
func (b *Bridge) ui(f func()) {
	if b.Sync {
		f()
		return
	}
	fyne.Do(f)
}
