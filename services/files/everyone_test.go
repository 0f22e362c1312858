// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
)

// TestEveryoneIsDomainUsers: the template's built-in everyone group is
// Domain Users in smb.conf and in the ACLs, and an export calls it
// everyone again.
func TestEveryoneIsDomainUsers(t *testing.T) {
	s := loadSite(t, "one-share")
	s.Shares = append(s.Shares, site.Share{Name: "Ablage", Read: []string{"everyone"}, Write: []string{"staff"},
		Folders: []site.Folder{{Path: "Vorlagen", Read: []string{"everyone"}}}})
	if ps := s.Validate(); len(ps) > 0 {
		t.Fatalf("the template with everyone: %v", ps)
	}
	c, err := FromSite(s)
	if err != nil {
		t.Fatal(err)
	}
	sh := c.Shares[1]
	if !slices.Equal(sh.Read, []string{"Domain Users"}) || !slices.Equal(sh.Folders[0].Read, []string{"Domain Users"}) {
		t.Errorf("read %q, folder read %q; want Domain Users", sh.Read, sh.Folders[0].Read)
	}
	out, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `valid users = @"MUELLER\staff" @"MUELLER\Domain Users" @"MUELLER\Domain Admins"`) {
		t.Errorf("smb.conf does not let Domain Users in:\n%s", out)
	}
	back, err := Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	shares, _ := ToSite(back)
	if !slices.Equal(shares[1].Read, []string{"everyone"}) || !slices.Equal(shares[1].Write, []string{"staff"}) {
		t.Errorf("exported read %q write %q, want everyone and staff", shares[1].Read, shares[1].Write)
	}
	if sd := ShareSD(sh); !strings.Contains(describeTrustees(sd), "Domain Users") {
		t.Errorf("the share's Windows ACL: %s", describeTrustees(sd))
	}
}

func describeTrustees(sd SD) string {
	var out []string
	for _, a := range sd.ACEs {
		out = append(out, a.Trustee)
	}
	return strings.Join(out, ",")
}
