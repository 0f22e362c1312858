// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/files"
)

// Permissions implements daemon.Backend with the files service's reading
// of the Windows ACL (it changes nothing).
func (b *Box) Permissions(ctx context.Context, share, p string) (api.Permissions, error) {
	s, _, err := b.applied()
	if err != nil {
		return api.Permissions{}, err
	}
	perm, err := files.ReadPermissions(ctx, b.cmdEnv(nil), s, share, p)
	if err != nil {
		return api.Permissions{}, invalid(err)
	}
	out := api.Permissions{Share: perm.Share, Path: perm.Path, Owner: perm.Owner, Inherits: perm.Inherits, Template: perm.Template, Entries: []api.Permission{}}
	for _, e := range perm.Entries {
		out.Entries = append(out.Entries, api.Permission{Account: e.Account, Deny: e.Deny, Rights: e.Rights, AppliesTo: e.AppliesTo, Inherited: e.Inherited})
	}
	return out, nil
}
