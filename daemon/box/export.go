// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"errors"
	"fmt"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
	"github.com/posse-project/posse/services/mail"
)

// exportSite builds a template from the live box — the directory's users
// and groups, the shares and homes in the Samba configuration, the mail
// setup — starting from the applied site's identity, backup and alert settings.
// Users have no password (see directory.Export). d is the open directory
// connection, needed when parts has "directory". The notes name what the
// template cannot hold (see files.ExportACLs).
func exportSite(ctx context.Context, applied *site.Site, env *host.Env, d ad.Directory, parts map[string]bool) (*site.Site, []string, error) {
	var notes []string
	out := &site.Site{Version: site.Version, Site: applied.Site, Directory: applied.Directory, Backup: applied.Backup}
	if parts["directory"] {
		ex, err := directory.Export(ctx, d, applied.Site.Domain)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read the directory: %w", err)
		}
		out.Groups, out.Users = ex.Groups, ex.Users
		// admins: the applied site's, for the users still there (Domain
		// Admins alone does not say posse-admin was meant).
		for _, a := range applied.Admins {
			if _, ok := out.FindUser(a); ok {
				out.Admins = append(out.Admins, a)
			}
		}
	}
	if parts["shares"] {
		shares, homes, err := files.Export(env)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read the shares: %w", err)
		}
		n, err := files.ExportACLs(ctx, env, shares)
		switch {
		case errors.Is(err, files.ErrNoWinbind):
			notes = append(notes, "the Windows permissions of the shares were not read: the domain controller does not answer; export again once it runs, or the share folders' permissions are missing here")
		case err != nil:
			return nil, nil, fmt.Errorf("cannot read the shares' Windows permissions: %w", err)
		}
		notes = append(notes, n...)
		out.Shares, out.Homes = shares, homes
	}
	if parts["mail"] {
		m, err := mail.Export(env)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read the mail setup: %w", err)
		}
		out.Mail = m
		if m != nil && parts["directory"] {
			// A group's address lives in the alias table.
			gm, err := mail.ExportGroupMail(env)
			if err != nil {
				return nil, nil, fmt.Errorf("cannot read the mail setup: %w", err)
			}
			for i, g := range out.Groups {
				out.Groups[i].Mail = gm[g.Name]
			}
		}
		// The alerts go out through the mail they need.
		out.Notify = applied.Notify
	}
	return out, notes, nil
}
