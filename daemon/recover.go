// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// safe wraps a Backend so that a panic in it becomes an error for the one
// call instead of ending possed (godbus runs handlers without recover).
type safe struct {
	b   Backend
	log *slog.Logger
}

var _ Backend = safe{}

// catch turns a panic into *err and logs the stack.
func (s safe) catch(err *error) {
	if p := recover(); p != nil {
		s.log.Error("backend panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = fmt.Errorf("internal error in possed: %v; please report it with the output of journalctl -u possed", p)
	}
}

func (s safe) Status(ctx context.Context) (r api.Status, err error) {
	defer s.catch(&err)
	return s.b.Status(ctx)
}

func (s safe) Health(ctx context.Context, svc string) (r []api.ServiceStatus, err error) {
	defer s.catch(&err)
	return s.b.Health(ctx, svc)
}

func (s safe) Validate(ctx context.Context, t []byte, sec map[string]string) (r []api.Problem, err error) {
	defer s.catch(&err)
	return s.b.Validate(ctx, t, sec)
}

func (s safe) Plan(ctx context.Context, t []byte, sec map[string]string) (r api.PlanResult, err error) {
	defer s.catch(&err)
	return s.b.Plan(ctx, t, sec)
}

func (s safe) Apply(ctx context.Context, t []byte, sec map[string]string, p func(bool, api.Step)) (r api.ApplyResult, err error) {
	defer s.catch(&err)
	return s.b.Apply(ctx, t, sec, p)
}

// ApplyPlan applies only the plan planID names: through the backend's own
// ApplyPlan, or by planning and comparing first.
func (s safe) ApplyPlan(ctx context.Context, t []byte, sec map[string]string, planID string, p func(bool, api.Step)) (r api.ApplyResult, err error) {
	defer s.catch(&err)
	if pa, ok := s.b.(PlanApplier); ok {
		return pa.ApplyPlan(ctx, t, sec, planID, p)
	}
	pl, err := s.b.Plan(ctx, t, sec)
	if err != nil {
		return api.ApplyResult{}, err
	}
	if pl.ID != planID {
		return planChanged(), nil
	}
	return s.b.Apply(ctx, t, sec, p)
}

func (s safe) Export(ctx context.Context) (r []byte, err error) {
	defer s.catch(&err)
	return s.b.Export(ctx)
}

func (s safe) Usage(ctx context.Context) (r api.Usage, err error) {
	defer s.catch(&err)
	return s.b.Usage(ctx)
}

func (s safe) Certificates(ctx context.Context) (r []api.Certificate, err error) {
	defer s.catch(&err)
	return s.b.Certificates(ctx)
}

func (s safe) Alerts(ctx context.Context) (r api.Alerts, err error) {
	defer s.catch(&err)
	return s.b.Alerts(ctx)
}

func (s safe) Users(ctx context.Context, q string) (r []api.User, err error) {
	defer s.catch(&err)
	return s.b.Users(ctx, q)
}

func (s safe) User(ctx context.Context, name string) (r api.User, err error) {
	defer s.catch(&err)
	return s.b.User(ctx, name)
}

func (s safe) CreateUser(ctx context.Context, u api.User, pw string, mc bool) (err error) {
	defer s.catch(&err)
	return s.b.CreateUser(ctx, u, pw, mc)
}

func (s safe) UpdateUser(ctx context.Context, name string, up UserUpdate) (err error) {
	defer s.catch(&err)
	return s.b.UpdateUser(ctx, name, up)
}

func (s safe) SetPassword(ctx context.Context, name, pw string, mc bool) (err error) {
	defer s.catch(&err)
	return s.b.SetPassword(ctx, name, pw, mc)
}

func (s safe) SetDisabled(ctx context.Context, name string, d bool) (err error) {
	defer s.catch(&err)
	return s.b.SetDisabled(ctx, name, d)
}

func (s safe) DeleteUser(ctx context.Context, name string) (err error) {
	defer s.catch(&err)
	return s.b.DeleteUser(ctx, name)
}

func (s safe) ImportUsers(ctx context.Context, csv []byte, dry bool) (r api.ImportResult, err error) {
	defer s.catch(&err)
	return s.b.ImportUsers(ctx, csv, dry)
}

func (s safe) Groups(ctx context.Context) (r []api.Group, err error) {
	defer s.catch(&err)
	return s.b.Groups(ctx)
}

func (s safe) CreateGroup(ctx context.Context, g api.Group) (err error) {
	defer s.catch(&err)
	return s.b.CreateGroup(ctx, g)
}

func (s safe) DeleteGroup(ctx context.Context, name string) (err error) {
	defer s.catch(&err)
	return s.b.DeleteGroup(ctx, name)
}

func (s safe) SetMembers(ctx context.Context, g string, add, rm []string) (err error) {
	defer s.catch(&err)
	return s.b.SetMembers(ctx, g, add, rm)
}

func (s safe) Shares(ctx context.Context) (r []api.Share, err error) {
	defer s.catch(&err)
	return s.b.Shares(ctx)
}

func (s safe) SetShare(ctx context.Context, sh api.Share) (err error) {
	defer s.catch(&err)
	return s.b.SetShare(ctx, sh)
}

func (s safe) DeleteShare(ctx context.Context, name string) (err error) {
	defer s.catch(&err)
	return s.b.DeleteShare(ctx, name)
}

func (s safe) Logon(ctx context.Context, username string) (r api.LogonInfo, err error) {
	defer s.catch(&err)
	return s.b.Logon(ctx, username)
}

// Versions implements Backend.
func (s safe) Permissions(ctx context.Context, share, p string) (r api.Permissions, err error) {
	defer s.catch(&err)
	return s.b.Permissions(ctx, share, p)
}

func (s safe) Versions(ctx context.Context, share, p string) (r []api.FileVersion, err error) {
	defer s.catch(&err)
	return s.b.Versions(ctx, share, p)
}

func (s safe) RestoreVersion(ctx context.Context, share, p string, at time.Time, alongside bool) (r api.VersionRestored, err error) {
	defer s.catch(&err)
	return s.b.RestoreVersion(ctx, share, p, at, alongside)
}

func (s safe) Aliases(ctx context.Context) (r []api.Alias, err error) {
	defer s.catch(&err)
	return s.b.Aliases(ctx)
}

func (s safe) SetAlias(ctx context.Context, a api.Alias) (err error) {
	defer s.catch(&err)
	return s.b.SetAlias(ctx, a)
}

func (s safe) DeleteAlias(ctx context.Context, addr string) (err error) {
	defer s.catch(&err)
	return s.b.DeleteAlias(ctx, addr)
}

func (s safe) BackupStatus(ctx context.Context) (r api.BackupStatus, err error) {
	defer s.catch(&err)
	return s.b.BackupStatus(ctx)
}

func (s safe) RunBackup(ctx context.Context) (err error) {
	defer s.catch(&err)
	return s.b.RunBackup(ctx)
}

func (s safe) RunCopy(ctx context.Context, name string) (err error) {
	defer s.catch(&err)
	return s.b.RunCopy(ctx, name)
}

func (s safe) Snapshots(ctx context.Context) (r []api.Snapshot, err error) {
	defer s.catch(&err)
	return s.b.Snapshots(ctx)
}

func (s safe) Browse(ctx context.Context, snap, dir string) (r []api.Entry, err error) {
	defer s.catch(&err)
	return s.b.Browse(ctx, snap, dir)
}

func (s safe) ShareSnapshots(ctx context.Context) (r api.ShareBackups, err error) {
	defer s.catch(&err)
	return s.b.ShareSnapshots(ctx)
}

func (s safe) BrowseShare(ctx context.Context, snap, share, dir string) (r []api.Entry, err error) {
	defer s.catch(&err)
	return s.b.BrowseShare(ctx, snap, share, dir)
}

func (s safe) RestoreShareFiles(ctx context.Context, snap, share string, paths []string, alongside bool) (r api.ShareRestored, err error) {
	defer s.catch(&err)
	return s.b.RestoreShareFiles(ctx, snap, share, paths, alongside)
}

func (s safe) Restore(ctx context.Context, snap string, paths []string, target string) (r api.RestoreResult, err error) {
	defer s.catch(&err)
	return s.b.Restore(ctx, snap, paths, target)
}

func (s safe) Updates(ctx context.Context, refresh bool) (r api.Updates, err error) {
	defer s.catch(&err)
	return s.b.Updates(ctx, refresh)
}

func (s safe) ApplyUpdates(ctx context.Context, id string) (r api.UpdatesApplied, err error) {
	defer s.catch(&err)
	return s.b.ApplyUpdates(ctx, id)
}
