// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/ad/adtest"
)

func TestDirectoryAccounts(t *testing.T) {
	const pw = "Abcdefghijklmnopqrstuvwxyz012345"
	base := "DC=ad,DC=example,DC=com"
	spec := AccountSpec{Conn: ad.ConnSpec{Realm: "AD.EXAMPLE.COM", AdminSecret: "domain_admin"}, Username: ServiceAccount,
		BindDN: "CN=posse-mail,OU=Posse," + base}
	for _, tc := range []struct {
		name      string
		seed      *ad.User
		wantCalls []string
		wantErr   string
	}{
		{"missing: created", nil, []string{"create-user posse-mail"}, ""},
		{"exists: password reset", &ad.User{Username: ServiceAccount}, []string{"set-password posse-mail must-change=false"}, ""},
		{"disabled: enabled again", &ad.User{Username: ServiceAccount, Disabled: true},
			[]string{"set-password posse-mail must-change=false", "update-user posse-mail disabled"}, ""},
		{"elsewhere: refused", &ad.User{Username: ServiceAccount, DN: "CN=posse-mail,CN=Users," + base}, nil, "move it into OU=Posse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := adtest.New()
			if tc.seed != nil {
				fake.SeedUser(*tc.seed, "Old-Password-123")
			}
			var opened ad.ConnSpec
			a := DirectoryAccounts{Open: func(_ context.Context, _ *host.Env, c ad.ConnSpec) (ad.Directory, error) {
				opened = c
				return fake, nil
			}}
			err := a.EnsureAccount(context.Background(), &host.Env{}, spec, pw)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opened != spec.Conn {
				t.Errorf("opened %+v", opened)
			}
			var changes []string
			for _, c := range fake.Calls() {
				if !strings.HasPrefix(c, "ensure-ou") && !strings.HasPrefix(c, "create-ou") {
					changes = append(changes, c)
				}
			}
			if !slices.Equal(changes, tc.wantCalls) {
				t.Errorf("calls %q, want %q", changes, tc.wantCalls)
			}
			got, mustChange, ok := fake.Password(ServiceAccount)
			if !ok || got != pw || mustChange {
				t.Errorf("password set %v, must change %v", got == pw, mustChange)
			}
		})
	}
}

func TestDirectoryAccountsRefusesBadName(t *testing.T) {
	a := DirectoryAccounts{Open: func(context.Context, *host.Env, ad.ConnSpec) (ad.Directory, error) {
		t.Fatal("opened the directory for a bad name")
		return nil, nil
	}}
	if err := a.EnsureAccount(context.Background(), &host.Env{}, AccountSpec{Username: "x)(cn=*"}, "pw"); err == nil {
		t.Fatal("bad account name accepted")
	}
}
