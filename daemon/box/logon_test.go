// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"reflect"
	"testing"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

func TestLogonInfo(t *testing.T) {
	s := &site.Site{
		Site:  site.Info{Workgroup: "MUELLER", Domain: "mueller-partner", Realm: "MUELLER-PARTNER.LAN"},
		Homes: site.Homes{Enabled: true},
		Shares: []site.Share{
			{Name: "Akten", Read: []string{"alle"}, Write: []string{"Partner"}},
			{Name: "Lohn", Write: []string{"lohn"}},
			{Name: "Scans", Read: []string{"alle"}},
		},
	}
	u := ad.User{Username: "efischer", Groups: []string{"alle", "partner"}, HomeDirectory: `\\server\efischer`}
	got := logonInfo(s, u)
	want := api.LogonInfo{Workgroup: "MUELLER", DNSDomain: s.DNSDomain(), HomeDrive: "H:", MinPasswordLength: int32(s.Policy().MinLength), PasswordComplexity: s.Policy().Complexity,
		Shares: []api.ShareAccess{{Name: "Akten", Write: true}, {Name: "Scans"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("logon info\n%+v\nwant\n%+v", got, want)
	}
	u.HomeDirectory = ""
	if got := logonInfo(s, u); got.HomeDrive != "" {
		t.Errorf("a user without a home folder gets drive %q", got.HomeDrive)
	}
}
