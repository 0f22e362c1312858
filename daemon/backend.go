// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posse-project/posse/daemon/api"
)

// Backend is what possed does on the box once a call is authorised and its
// arguments are valid. The server calls mutating methods one at a time (it
// holds the change lock), and read methods concurrently with each other and
// with a running change. Errors from a Backend are returned to the caller as
// org.posse.Posse1.Error.Failed unless they wrap ErrNotFound,
// ErrNotAvailable or ErrInvalid. They must never contain secret values.
type Backend interface {
	// Status reports the applied site and every service's state.
	Status(ctx context.Context) (api.Status, error)
	// Health runs one service's health probe ("" = all of them).
	Health(ctx context.Context, service string) ([]api.ServiceStatus, error)
	// Validate checks a template (and, when given, its secrets).
	Validate(ctx context.Context, template []byte, secrets map[string]string) ([]api.Problem, error)
	// Plan compares the template with the box; it never changes the box.
	Plan(ctx context.Context, template []byte, secrets map[string]string) (api.PlanResult, error)
	// Apply makes the box match the template, telling progress about every
	// step. It returns the engine's result even when a step failed.
	Apply(ctx context.Context, template []byte, secrets map[string]string, progress func(started bool, s api.Step)) (api.ApplyResult, error)
	// Export returns the applied site as a template (YAML, no secret values).
	Export(ctx context.Context) ([]byte, error)
	// Usage reports the shares' disk use and the mail queue. It must
	// answer quickly however big the shares are: share sizes may be as of
	// an earlier walk (api.ShareUsage.MeasuredAt says when).
	Usage(ctx context.Context) (api.Usage, error)
	// Certificates lists the TLS certificates Posse manages on the box
	// and when they end; none before a site is applied.
	Certificates(ctx context.Context) ([]api.Certificate, error)
	// Alerts reports the alerts' recipients and the open problems as the
	// last check run of the alerts left them; it reads, never checks.
	Alerts(ctx context.Context) (api.Alerts, error)

	Users(ctx context.Context, query string) ([]api.User, error)
	User(ctx context.Context, username string) (api.User, error)
	CreateUser(ctx context.Context, u api.User, password string, mustChange bool) error
	UpdateUser(ctx context.Context, username string, up UserUpdate) error
	SetPassword(ctx context.Context, username, password string, mustChange bool) error
	SetDisabled(ctx context.Context, username string, disabled bool) error
	DeleteUser(ctx context.Context, username string) error
	ImportUsers(ctx context.Context, csv []byte, dryRun bool) (api.ImportResult, error)

	Groups(ctx context.Context) ([]api.Group, error)
	CreateGroup(ctx context.Context, g api.Group) error
	DeleteGroup(ctx context.Context, name string) error
	SetMembers(ctx context.Context, group string, add, remove []string) error

	Shares(ctx context.Context) ([]api.Share, error)
	SetShare(ctx context.Context, s api.Share) error
	DeleteShare(ctx context.Context, name string) error
	// Logon says how a user logs on and which shares their groups reach.
	Logon(ctx context.Context, username string) (api.LogonInfo, error)
	// Permissions reads the Windows ACL of a folder or file of a share
	// (path relative to it, "" for its root).
	Permissions(ctx context.Context, share, path string) (api.Permissions, error)
	// Versions lists the earlier versions of a file or folder of a share
	// (its snapshots), newest first.
	Versions(ctx context.Context, share, path string) ([]api.FileVersion, error)
	// RestoreVersion brings a file or folder of a share back from the
	// newest snapshot taken at or before at (zero: the newest), in place
	// or alongside.
	RestoreVersion(ctx context.Context, share, path string, at time.Time, alongside bool) (api.VersionRestored, error)

	Aliases(ctx context.Context) ([]api.Alias, error)
	SetAlias(ctx context.Context, a api.Alias) error
	DeleteAlias(ctx context.Context, address string) error

	BackupStatus(ctx context.Context) (api.BackupStatus, error)
	RunBackup(ctx context.Context) error
	// RunCopy starts the off-site copy named name (a name from
	// BackupStatus.Copies) and returns once it has started.
	RunCopy(ctx context.Context, name string) error
	Snapshots(ctx context.Context) ([]api.Snapshot, error)
	Browse(ctx context.Context, snapshot, dir string) ([]api.Entry, error)
	// Restore restores paths of a snapshot into target, or in place when
	// target is "" (files that differ are kept and the restored ones put
	// next to them).
	Restore(ctx context.Context, snapshot string, paths []string, target string) (api.RestoreResult, error)

	// Updates lists the pending Debian updates, reading the package lists
	// from the repositories first only when refresh is set.
	Updates(ctx context.Context, refresh bool) (api.Updates, error)
	// ApplyUpdates installs the pending updates in a systemd unit and
	// waits for it. When id is not "" and the pending set's id differs,
	// it installs nothing and returns an error wrapping ErrInvalid.
	ApplyUpdates(ctx context.Context, id string) (api.UpdatesApplied, error)
	// ShareSnapshots lists the backup snapshots without box paths and the
	// shares and home folders of the applied site.
	ShareSnapshots(ctx context.Context) (api.ShareBackups, error)
	// BrowseShare lists a folder of a share (dir relative to it, "" for
	// the share itself) in a snapshot, with share-relative paths.
	BrowseShare(ctx context.Context, snapshot, share, dir string) ([]api.Entry, error)
	// RestoreShareFiles brings files and folders of a share (paths
	// relative to it) back from a snapshot, in place or alongside, writing
	// only inside the share.
	RestoreShareFiles(ctx context.Context, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, error)
}

// PlanApplier is a Backend that applies exactly a plan it showed: when the
// plan it makes (its PlanResult.ID) is not planID, it changes nothing
// and returns Outcome api.OutcomePlanChanged with api.PlanChangedError.
// For a Backend without it, possed plans with Plan and compares before
// calling Apply (both while holding the change lock).
type PlanApplier interface {
	ApplyPlan(ctx context.Context, template []byte, secrets map[string]string, planID string, progress func(started bool, s api.Step)) (api.ApplyResult, error)
}

// planChanged is the result of an ApplyPlan whose plan is out of date.
func planChanged() api.ApplyResult {
	return api.ApplyResult{Outcome: api.OutcomePlanChanged, Error: api.PlanChangedError, FailedStep: -1, RolledBack: []string{}}
}

// UserUpdate lists the attributes to replace; nil fields stay as they are.
type UserUpdate struct {
	GivenName   *string
	Surname     *string
	DisplayName *string
	Email       *string
	Aliases     *[]string
	// MustChangePassword turns "must choose a new password at the next
	// logon" on or off without changing the password.
	MustChangePassword *bool
}

// Sentinel errors a Backend wraps to choose the D-Bus error name.
var (
	ErrNotFound     = errors.New("not found")
	ErrNotAvailable = errors.New("not available on this box yet")
	ErrInvalid      = errors.New("invalid input")
)

// NotAvailable returns an error wrapping ErrNotAvailable that names the
// feature, e.g. NotAvailable("backup") → "backup is not available on this
// box yet".
func NotAvailable(feature string) error {
	return api.Keyed(fmt.Errorf("%s is not available on this box yet: %w", feature, errNotAvailableTail), api.KeyNotAvailable, "feature", feature)
}

// errNotAvailableTail wraps ErrNotAvailable with a hint instead of repeating
// its text.
var errNotAvailableTail = &hintError{hint: "update Posse, or apply a site that configures it", err: ErrNotAvailable}

type hintError struct {
	hint string
	err  error
}

func (h *hintError) Error() string { return h.hint }
func (h *hintError) Unwrap() error { return h.err }
