// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"os"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/internal/version"
)

// Unavailable is a Backend that offers nothing but a minimal Status: every
// other method fails with ErrNotAvailable naming the feature. Real backends
// embed it and override what they implement, so a feature whose service is
// not written yet answers with a clear error instead of a missing method.
type Unavailable struct{}

var _ Backend = Unavailable{}

// Status reports the version and host name only.
func (Unavailable) Status(context.Context) (api.Status, error) {
	h, _ := os.Hostname()
	return api.Status{Version: version.Version, Hostname: h, Services: []api.ServiceStatus{}}, nil
}

// Health implements Backend.
func (Unavailable) Health(context.Context, string) ([]api.ServiceStatus, error) {
	return nil, NotAvailable("health checking")
}

// Validate implements Backend.
func (Unavailable) Validate(context.Context, []byte, map[string]string) ([]api.Problem, error) {
	return nil, NotAvailable("site validation")
}

// Plan implements Backend.
func (Unavailable) Plan(context.Context, []byte, map[string]string) (api.PlanResult, error) {
	return api.PlanResult{}, NotAvailable("planning a site")
}

// Apply implements Backend.
func (Unavailable) Apply(context.Context, []byte, map[string]string, func(bool, api.Step)) (api.ApplyResult, error) {
	return api.ApplyResult{}, NotAvailable("applying a site")
}

// Export implements Backend.
func (Unavailable) Export(context.Context) ([]byte, error) { return nil, NotAvailable("export") }

// Usage implements Backend.
func (Unavailable) Usage(context.Context) (api.Usage, error) {
	return api.Usage{}, NotAvailable("disk and mail queue usage")
}

// Certificates implements Backend.
func (Unavailable) Certificates(context.Context) ([]api.Certificate, error) {
	return nil, NotAvailable("certificates")
}

// Alerts implements Backend.
func (Unavailable) Alerts(context.Context) (api.Alerts, error) {
	return api.Alerts{}, NotAvailable("the alerts")
}

// Users implements Backend.
func (Unavailable) Users(context.Context, string) ([]api.User, error) {
	return nil, NotAvailable("user management")
}

// User implements Backend.
func (Unavailable) User(context.Context, string) (api.User, error) {
	return api.User{}, NotAvailable("user management")
}

// CreateUser implements Backend.
func (Unavailable) CreateUser(context.Context, api.User, string, bool) error {
	return NotAvailable("user management")
}

// UpdateUser implements Backend.
func (Unavailable) UpdateUser(context.Context, string, UserUpdate) error {
	return NotAvailable("user management")
}

// SetPassword implements Backend.
func (Unavailable) SetPassword(context.Context, string, string, bool) error {
	return NotAvailable("user management")
}

// SetDisabled implements Backend.
func (Unavailable) SetDisabled(context.Context, string, bool) error {
	return NotAvailable("user management")
}

// DeleteUser implements Backend.
func (Unavailable) DeleteUser(context.Context, string) error { return NotAvailable("user management") }

// ImportUsers implements Backend.
func (Unavailable) ImportUsers(context.Context, []byte, bool) (api.ImportResult, error) {
	return api.ImportResult{}, NotAvailable("CSV import")
}

// Groups implements Backend.
func (Unavailable) Groups(context.Context) ([]api.Group, error) {
	return nil, NotAvailable("group management")
}

// CreateGroup implements Backend.
func (Unavailable) CreateGroup(context.Context, api.Group) error {
	return NotAvailable("group management")
}

// DeleteGroup implements Backend.
func (Unavailable) DeleteGroup(context.Context, string) error {
	return NotAvailable("group management")
}

// SetMembers implements Backend.
func (Unavailable) SetMembers(context.Context, string, []string, []string) error {
	return NotAvailable("group management")
}

// Shares implements Backend.
func (Unavailable) Shares(context.Context) ([]api.Share, error) {
	return nil, NotAvailable("share management")
}

// SetShare implements Backend.
func (Unavailable) SetShare(context.Context, api.Share) error {
	return NotAvailable("share management")
}

// DeleteShare implements Backend.
func (Unavailable) DeleteShare(context.Context, string) error {
	return NotAvailable("share management")
}

// Logon implements Backend.
func (Unavailable) Logon(context.Context, string) (api.LogonInfo, error) {
	return api.LogonInfo{}, ErrNotAvailable
}

// Permissions implements Backend.
func (Unavailable) Permissions(context.Context, string, string) (api.Permissions, error) {
	return api.Permissions{}, NotAvailable("share permissions")
}

// Versions implements Backend.
func (Unavailable) Versions(context.Context, string, string) ([]api.FileVersion, error) {
	return nil, NotAvailable("previous versions")
}

// RestoreVersion implements Backend.
func (Unavailable) RestoreVersion(context.Context, string, string, time.Time, bool) (api.VersionRestored, error) {
	return api.VersionRestored{}, NotAvailable("previous versions")
}

// Aliases implements Backend.
func (Unavailable) Aliases(context.Context) ([]api.Alias, error) {
	return nil, NotAvailable("mail alias management")
}

// SetAlias implements Backend.
func (Unavailable) SetAlias(context.Context, api.Alias) error {
	return NotAvailable("mail alias management")
}

// DeleteAlias implements Backend.
func (Unavailable) DeleteAlias(context.Context, string) error {
	return NotAvailable("mail alias management")
}

// BackupStatus implements Backend.
func (Unavailable) BackupStatus(context.Context) (api.BackupStatus, error) {
	return api.BackupStatus{}, NotAvailable("backup")
}

// RunBackup implements Backend.
func (Unavailable) RunBackup(context.Context) error { return NotAvailable("backup") }

// RunCopy implements Backend.
func (Unavailable) RunCopy(context.Context, string) error { return NotAvailable("backup") }

// Snapshots implements Backend.
func (Unavailable) Snapshots(context.Context) ([]api.Snapshot, error) {
	return nil, NotAvailable("backup")
}

// Browse implements Backend.
func (Unavailable) Browse(context.Context, string, string) ([]api.Entry, error) {
	return nil, NotAvailable("backup")
}

// ShareSnapshots implements Backend.
func (Unavailable) ShareSnapshots(context.Context) (api.ShareBackups, error) {
	return api.ShareBackups{}, NotAvailable("backup")
}

// BrowseShare implements Backend.
func (Unavailable) BrowseShare(context.Context, string, string, string) ([]api.Entry, error) {
	return nil, NotAvailable("backup")
}

// RestoreShareFiles implements Backend.
func (Unavailable) RestoreShareFiles(context.Context, string, string, []string, bool) (api.ShareRestored, error) {
	return api.ShareRestored{}, NotAvailable("backup")
}

// Restore implements Backend.
func (Unavailable) Restore(context.Context, string, []string, string) (api.RestoreResult, error) {
	return api.RestoreResult{}, NotAvailable("backup")
}

// Updates implements Backend.
func (Unavailable) Updates(context.Context, bool) (api.Updates, error) {
	return api.Updates{}, NotAvailable("listing updates")
}

// ApplyUpdates implements Backend.
func (Unavailable) ApplyUpdates(context.Context, string) (api.UpdatesApplied, error) {
	return api.UpdatesApplied{}, NotAvailable("installing updates")
}
