// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/directory"
)

func TestExport(t *testing.T) {
	d := importDir()
	d.SeedUser(ad.User{Username: "anna.m", GivenName: "Anna", Surname: "M", Email: "anna.m@example.com",
		Aliases: []string{"a@example.com"}, Groups: []string{"staff", "Domain Admins"}, Disabled: true}, "")
	d.SeedUser(ad.User{Username: "Administrator", Builtin: true, DN: "CN=Administrator,CN=Users," + d.Base}, "")
	d.SeedUser(ad.User{Username: "Odd Name", DN: "CN=Odd Name,CN=Users," + d.Base}, "")
	ex, err := directory.Export(context.Background(), d, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	var gnames []string
	for _, g := range ex.Groups {
		gnames = append(gnames, g.Name)
	}
	if !slices.Equal(gnames, []string{"partners", "staff"}) {
		t.Errorf("groups %v", gnames)
	}
	if len(ex.Users) != 2 {
		t.Fatalf("users %+v", ex.Users)
	}
	a := ex.Users[0]
	if a.Username != "anna.m" || a.Password != "" || a.Email != "" ||
		!slices.Equal(a.Groups, []string{"staff"}) || !a.Disabled || !slices.Equal(a.Aliases, []string{"a@example.com"}) {
		t.Errorf("anna.m exported as %+v", a)
	}
	if !slices.Equal(ex.Skipped, []string{"user Odd Name"}) {
		t.Errorf("skipped %v", ex.Skipped)
	}
}

// TestExportServiceAccount: a user without an address whose password
// never expires is exported as kind: service; one with an address stays a
// person.
func TestExportServiceAccount(t *testing.T) {
	d := importDir()
	d.SeedUser(ad.User{Username: "scanner", PasswordNeverExpires: true}, "")
	d.SeedUser(ad.User{Username: "boss", Email: "boss@example.com", PasswordNeverExpires: true}, "")
	ex, err := directory.Export(context.Background(), d, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, u := range ex.Users {
		kinds[u.Username] = u.Kind
	}
	if kinds["scanner"] != "service" || kinds["boss"] != "" {
		t.Errorf("kinds %v", kinds)
	}
}
