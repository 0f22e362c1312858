// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/rules"
	"github.com/posse-project/posse/services/ad"
)

// Logon implements daemon.Backend from the applied site and the user's
// groups in the directory: the workgroup and DNS domain, the home drive
// when the site shares home folders and the user has one, and the shares
// one of the user's groups may read or write.
func (b *Box) Logon(ctx context.Context, username string) (api.LogonInfo, error) {
	var out api.LogonInfo
	err := b.withDir(ctx, func(d ad.Directory, s *site.Site) error {
		u, err := user(ctx, d, username)
		if err != nil {
			return err
		}
		out = logonInfo(s, u)
		return nil
	})
	return out, err
}

// logonInfo is Logon's answer for user u of site s.
func logonInfo(s *site.Site, u ad.User) api.LogonInfo {
	in := api.LogonInfo{Workgroup: s.Site.Workgroup, DNSDomain: s.DNSDomain(), MinPasswordLength: int32(s.Policy().MinLength),
		PasswordComplexity: s.Policy().Complexity}
	if s.Homes.Enabled && u.HomeDirectory != "" {
		in.HomeDrive = u.HomeDrive
		if in.HomeDrive == "" {
			in.HomeDrive = ad.HomeDrive
		}
	}
	for _, sh := range s.Shares {
		if a := rules.ShareAccess(u.Groups, sh.Write, sh.Read); a != rules.NoAccess {
			in.Shares = append(in.Shares, api.ShareAccess{Name: sh.Name, Write: a == rules.WriteAccess})
		}
	}
	return in
}
