// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// shares is the object on api.SharesInterface.
type shares struct{ s *Server }

// List returns the shares of the applied site.
func (o *shares) List(sender dbus.Sender, msg dbus.Message) ([]api.Share, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "List")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	r, err := o.s.backend.Shares(c.ctx)
	for i := range r {
		r[i].Read, r[i].Write = nonNil(r[i].Read), nonNil(r[i].Write)
	}
	return nonNil(r), c.done(err)
}

// Set creates or changes a share.
func (o *shares) Set(sender dbus.Sender, msg dbus.Message, sh api.Share) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "Set")
	if derr != nil {
		return derr
	}
	defer c.end()
	err := firstErr(checkShareName(sh.Name), checkText("description", sh.Description),
		checkList("read", sh.Read, checkGroupName), checkList("write", sh.Write, checkGroupName))
	if err == nil && sh.Path != "" {
		err = checkBoxPath("share path", sh.Path)
	}
	if err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.SetShare(ctx, sh) })
}

// Delete removes a share (its files stay on disk).
func (o *shares) Delete(sender dbus.Sender, msg dbus.Message, name string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "Delete")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := checkShareName(name); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.DeleteShare(ctx, name) })
}

// Permissions reads the Windows ACL of a folder or file of a share ("" for
// the share's root), with account names.
func (o *shares) Permissions(sender dbus.Sender, msg dbus.Message, share, p string) (api.Permissions, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "Permissions")
	if derr != nil {
		return api.Permissions{}, derr
	}
	defer c.end()
	if err := firstErr(checkShareName(share), checkShareRootOrPath(p)); err != nil {
		return api.Permissions{}, c.invalid(err)
	}
	r, err := o.s.backend.Permissions(c.ctx, share, p)
	if r.Entries == nil {
		r.Entries = []api.Permission{}
	}
	return r, c.done(err)
}

// Versions lists the earlier versions of a file or folder of a share.
func (o *shares) Versions(sender dbus.Sender, msg dbus.Message, share, p string) ([]api.FileVersion, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "Versions")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	if err := firstErr(checkVersionShare(share), checkSharePath(p)); err != nil {
		return nil, c.invalid(err)
	}
	r, err := o.s.backend.Versions(c.ctx, share, p)
	return nonNil(r), c.done(err)
}

// RestoreVersion brings a file or folder of a share back from a snapshot:
// the newest taken at or before at (RFC 3339; "" for the newest), in
// place or alongside. Office managers may (ActionVersions): it writes
// only inside the share, as the file was.
func (o *shares) RestoreVersion(sender dbus.Sender, msg dbus.Message, share, p, at string, alongside bool) (api.VersionRestored, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.SharesInterface, "RestoreVersion")
	if derr != nil {
		return api.VersionRestored{}, derr
	}
	defer c.end()
	var when time.Time
	err := firstErr(checkVersionShare(share), checkSharePath(p))
	if err == nil && at != "" {
		if when, err = time.Parse(time.RFC3339, at); err != nil {
			err = fmt.Errorf("time %q is not RFC 3339 (2006-01-02T15:04:05Z)", at)
		}
	}
	if err != nil {
		return api.VersionRestored{}, c.invalid(err)
	}
	var r api.VersionRestored
	derr = c.change(func(ctx context.Context) error {
		var err error
		r, err = o.s.backend.RestoreVersion(ctx, share, p, when, alongside)
		return err
	})
	return r, derr
}

// mail is the object on api.MailInterface.
type mail struct{ s *Server }

// ListAliases returns the mail aliases.
func (o *mail) ListAliases(sender dbus.Sender, msg dbus.Message) ([]api.Alias, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.MailInterface, "ListAliases")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	r, err := o.s.backend.Aliases(c.ctx)
	for i := range r {
		r[i].To = nonNil(r[i].To)
	}
	return nonNil(r), c.done(err)
}

// SetAlias creates or replaces an alias.
func (o *mail) SetAlias(sender dbus.Sender, msg dbus.Message, a api.Alias) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.MailInterface, "SetAlias")
	if derr != nil {
		return derr
	}
	defer c.end()
	err := checkEmail(a.Address)
	if err == nil && len(a.To) == 0 {
		err = fmt.Errorf("alias %s has no targets", a.Address)
	}
	if err == nil {
		err = checkList("to", a.To, func(t string) error {
			if checkUsername(t) == nil || checkEmail(t) == nil {
				return nil
			}
			return fmt.Errorf("alias target %q is neither a username nor a mail address", clip(t))
		})
	}
	if err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.SetAlias(ctx, a) })
}

// DeleteAlias removes an alias.
func (o *mail) DeleteAlias(sender dbus.Sender, msg dbus.Message, address string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.MailInterface, "DeleteAlias")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := checkEmail(address); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.DeleteAlias(ctx, address) })
}

// backup is the object on api.BackupInterface.
type backup struct{ s *Server }

// Status3 reports the backup schedule and last run.
func (o *backup) Status3(sender dbus.Sender, msg dbus.Message) (api.BackupStatus, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, api.MethodBackupStatus)
	if derr != nil {
		return api.BackupStatus{}, derr
	}
	defer c.end()
	r, err := o.s.backend.BackupStatus(c.ctx)
	return r, c.done(err)
}

// Run starts a backup now; it returns when the backup has started.
func (o *backup) Run(sender dbus.Sender, msg dbus.Message) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "Run")
	if derr != nil {
		return derr
	}
	defer c.end()
	return c.change(o.s.backend.RunBackup)
}

// RunCopy starts the off-site copy named name now; it returns when the
// copy has started.
func (o *backup) RunCopy(sender dbus.Sender, msg dbus.Message, name string) *dbus.Error {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "RunCopy")
	if derr != nil {
		return derr
	}
	defer c.end()
	if err := checkCopyName(name); err != nil {
		return c.invalid(err)
	}
	return c.change(func(ctx context.Context) error { return o.s.backend.RunCopy(ctx, name) })
}

// Snapshots lists the backup snapshots, newest last.
func (o *backup) Snapshots(sender dbus.Sender, msg dbus.Message) ([]api.Snapshot, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "Snapshots")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	r, err := o.s.backend.Snapshots(c.ctx)
	for i := range r {
		r[i].Paths, r[i].Tags = nonNil(r[i].Paths), nonNil(r[i].Tags)
	}
	return nonNil(r), c.done(err)
}

// Browse lists one directory of a snapshot.
func (o *backup) Browse(sender dbus.Sender, msg dbus.Message, snapshot, dir string) ([]api.Entry, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "Browse")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	if err := firstErr(checkSnapshotID(snapshot), checkBoxPath("directory", dir)); err != nil {
		return nil, c.invalid(err)
	}
	r, err := o.s.backend.Browse(c.ctx, snapshot, dir)
	return nonNil(r), c.done(err)
}

// Restore restores paths of a snapshot into target, a directory on the box,
// or in place when target is "": then missing files come back and a file
// that differs is kept, the restored one put next to it. Restoring into "/"
// is refused.
func (o *backup) Restore(sender dbus.Sender, msg dbus.Message, snapshot string, paths []string, target string) (api.RestoreResult, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "Restore")
	if derr != nil {
		return api.RestoreResult{}, derr
	}
	defer c.end()
	err := firstErr(checkSnapshotID(snapshot), checkList("paths", paths, func(p string) error { return checkBoxPath("path", p) }))
	if err == nil && target != "" {
		err = checkBoxPath("target", target)
	}
	if err == nil && len(paths) == 0 {
		err = fmt.Errorf("no paths to restore")
	}
	if err == nil && target == "/" {
		err = api.Keyed(fmt.Errorf("restoring into / is refused: restore in place (no target), which keeps changed files, or into a separate directory such as /srv/restore"), api.KeyRestoreTarget, "target", target)
	}
	if err != nil {
		return api.RestoreResult{}, c.invalid(err)
	}
	var r api.RestoreResult
	derr = c.change(func(ctx context.Context) error {
		var err error
		r, err = o.s.backend.Restore(ctx, snapshot, paths, target)
		return err
	})
	r.Restored, r.Beside = nonNil(r.Restored), nonNil(r.Beside)
	return r, derr
}

// ShareSnapshots lists the backup snapshots, newest last, without the box
// paths they hold, and the shares and home folders of the site: what an
// office manager restores from (ActionRestore).
func (o *backup) ShareSnapshots(sender dbus.Sender, msg dbus.Message) (api.ShareBackups, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "ShareSnapshots")
	if derr != nil {
		return api.ShareBackups{}, derr
	}
	defer c.end()
	r, err := o.s.backend.ShareSnapshots(c.ctx)
	for i := range r.Snapshots {
		r.Snapshots[i].Paths, r.Snapshots[i].Host, r.Snapshots[i].Tags = []string{}, "", nonNil(r.Snapshots[i].Tags)
	}
	r.Shares, r.Homes, r.Snapshots = nonNil(r.Shares), nonNil(r.Homes), nonNil(r.Snapshots)
	return r, c.done(err)
}

// BrowseShare lists one folder of a share (dir relative to the share, ""
// for its top) in a backup snapshot; the entries' paths are relative to
// the share.
func (o *backup) BrowseShare(sender dbus.Sender, msg dbus.Message, snapshot, share, dir string) ([]api.Entry, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "BrowseShare")
	if derr != nil {
		return nil, derr
	}
	defer c.end()
	err := firstErr(checkSnapshotID(snapshot), checkVersionShare(share))
	if err == nil && dir != "" && dir != "/" {
		err = checkSharePath(dir)
	}
	if err != nil {
		return nil, c.invalid(err)
	}
	r, err := o.s.backend.BrowseShare(c.ctx, snapshot, share, dir)
	return nonNil(r), c.done(err)
}

// RestoreShareFiles brings files and folders of a share (paths relative
// to it) back from a backup snapshot: in place, replacing the current
// ones, or alongside as "NAME (restored DATE).EXT". Office managers may
// (ActionRestore): possed finds the share's folder in the site and writes
// only inside it.
func (o *backup) RestoreShareFiles(sender dbus.Sender, msg dbus.Message, snapshot, share string, paths []string, alongside bool) (api.ShareRestored, *dbus.Error) {
	c, derr := o.s.begin(sender, msg, api.BackupInterface, "RestoreShareFiles")
	if derr != nil {
		return api.ShareRestored{}, derr
	}
	defer c.end()
	err := firstErr(checkSnapshotID(snapshot), checkVersionShare(share), checkList("paths", paths, checkSharePath))
	if err == nil && len(paths) == 0 {
		err = fmt.Errorf("no paths to restore")
	}
	if err != nil {
		return api.ShareRestored{}, c.invalid(err)
	}
	var r api.ShareRestored
	derr = c.change(func(ctx context.Context) error {
		var err error
		r, err = o.s.backend.RestoreShareFiles(ctx, snapshot, share, paths, alongside)
		return err
	})
	r.Paths = nonNil(r.Paths)
	return r, derr
}
