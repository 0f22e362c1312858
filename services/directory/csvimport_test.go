// SPDX-License-Identifier: GPL-3.0-or-later

package directory_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
	"github.com/posse-project/posse/services/ad/adtest"
	"github.com/posse-project/posse/services/directory"
)

func importDir() *adtest.Fake {
	d := adtest.New()
	d.SeedGroup(ad.Group{Name: "staff"})
	d.SeedGroup(ad.Group{Name: "partners"})
	d.SeedGroup(ad.Group{Name: "Domain Admins", Builtin: true, DN: "CN=Domain Admins,CN=Users," + d.Base})
	d.SeedUser(ad.User{Username: "existing"}, "")
	d.SetPolicyDirect(ad.Policy{MinLength: 12, Complexity: true})
	return d
}

func TestImport(t *testing.T) {
	in := "\ufeffusername,given_name,surname,email,groups\n" +
		"anna,Anna,Müller,anna@example.com,staff;partners\n" + // 2 ok
		"Bob,Bob,Builder,,staff\n" + // 3 ok, lower-cased, default email
		"*)(uid=*,Evil,Hacker,,\n" + // 4 invalid name
		"carl,Carl,C,not-an-email,\n" + // 5 bad email
		"dora,Dora,D,,nosuch\n" + // 6 unknown group
		"anna,Anna,Again,,\n" + // 7 duplicate of line 2
		"existing,Ex,Isting,,\n" + // 8 skipped
		"\n" + // blank
		"eve,Eve,E,,domain admins\n" + // 10 built-in group: not importable
		"administrator,A,B,,\n" + // 11 reserved
		"fritz,\"Fritz, Jr.\",F,,\n" + // 12 ok, quoted comma
		"posse-mail,Mail,Service,,staff\n" // 13 a Posse service's account
	d := importDir()
	var pw bytes.Buffer
	rep, err := directory.Import(context.Background(), d, strings.NewReader(in), directory.ImportOptions{
		Domain: "example.com", Policy: ad.Policy{MinLength: 12, Complexity: true}, MustChange: true, Passwords: &pw, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"anna", "bob", "fritz"}; !slices.Equal(rep.Created, want) {
		t.Errorf("created %v, want %v", rep.Created, want)
	}
	if !slices.Equal(rep.Skipped, []string{"existing"}) {
		t.Errorf("skipped %v", rep.Skipped)
	}
	var lines []int
	for _, b := range rep.Bad {
		lines = append(lines, b.Line)
	}
	if want := []int{4, 5, 6, 7, 10, 11, 13}; !slices.Equal(lines, want) {
		t.Errorf("bad lines %v, want %v (%v)", lines, want, rep.Bad)
	}
	for _, b := range rep.Bad {
		if b.Line == 7 && !strings.Contains(b.Reason, "duplicate of line 2") {
			t.Errorf("line 7 reason %q", b.Reason)
		}
		if b.Line == 13 && !strings.Contains(b.Reason, "reserved for the accounts of Posse's services") {
			t.Errorf("line 13 reason %q", b.Reason)
		}
		if b.Line == 6 && !strings.Contains(b.Reason, "unknown group nosuch") {
			t.Errorf("line 6 reason %q", b.Reason)
		}
	}
	recs, err := csv.NewReader(&pw).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("passwords file %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		got, mustChange, ok := d.Password(r[0])
		if !ok || got != r[1] || !mustChange {
			t.Errorf("%s: password in file does not match the directory", r[0])
		}
		if err := site.CheckPassword(site.PasswordPolicy{MinLength: 12, Complexity: true}, r[0], r[1]); err != nil {
			t.Errorf("%s: generated password fails the policy: %v", r[0], err)
		}
		if strings.ContainsAny(r[1][:1], "=+-@") {
			t.Errorf("%s: generated password starts like a spreadsheet formula", r[0])
		}
	}
	u, _, _ := d.User(context.Background(), "bob")
	if u.Email != "bob@example.com" || !slices.Equal(u.Groups, []string{"staff"}) || u.DisplayName != "Bob Builder" {
		t.Errorf("bob = %+v", u)
	}
	u, _, _ = d.User(context.Background(), "fritz")
	if u.GivenName != "Fritz, Jr." {
		t.Errorf("fritz given name %q", u.GivenName)
	}

	// Resumable: a second run creates nobody and writes no passwords.
	pw.Reset()
	rep, err = directory.Import(context.Background(), d, strings.NewReader(in), directory.ImportOptions{Domain: "example.com", Passwords: &pw})
	if err != nil || len(rep.Created) != 0 || len(rep.Skipped) != 4 || pw.Len() != 0 {
		t.Errorf("second run: %+v, %v, %d bytes of passwords", rep, err, pw.Len())
	}
}

// TestImportSkipsExisting: a user that exists is reported as skipped and
// left untouched, its groups too.
func TestImportSkipsExisting(t *testing.T) {
	d := importDir()
	before := len(d.Calls())
	var pw bytes.Buffer
	rep, err := directory.Import(context.Background(), d, strings.NewReader("username,given_name,groups\nexisting,Changed,staff;partners\n"),
		directory.ImportOptions{Domain: "example.com", Passwords: &pw})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Skipped, []string{"existing"}) || len(rep.Created) != 0 || len(rep.Bad) != 0 {
		t.Errorf("report %+v", rep)
	}
	if calls := d.Calls()[before:]; len(calls) != 0 {
		t.Errorf("the import changed an existing user: %v", calls)
	}
	if u, _, _ := d.User(context.Background(), "existing"); len(u.Groups) != 0 || u.GivenName != "" {
		t.Errorf("existing = %+v, want it untouched", u)
	}
	if pw.Len() != 0 {
		t.Error("a password was written for a skipped user")
	}
}

// TestImportHostileRows: the import refuses what possed's API and the
// template refuse, with the site's rules and messages.
func TestImportHostileRows(t *testing.T) {
	d := importDir()
	d.SeedUser(ad.User{Username: "olga", Email: "olga@example.com", Aliases: []string{"sales@example.com"}}, "")
	st := &site.Site{
		Site:   site.Info{Domain: "example.com"},
		Users:  []site.User{{Username: "tina"}},
		Shares: []site.Share{{Name: "Akten"}},
		Homes:  site.Homes{Enabled: true},
		Mail:   &site.Mail{Domains: []string{"example.com"}, Aliases: []site.Alias{{Address: "info@example.com", To: []string{"tina"}}}},
	}
	rows := []struct{ row, reason string }{
		{"esc,\"Anna\x1b[31m\",M,,", "given name contains control characters"},
		{"bel,Bell,\"B\a\",,", "surname contains control characters"},
		{"tab,\"Ta\tb\",T,,", "given name contains control characters"},
		{"del,\"De\x7fl\",D,,", "given name contains control characters"},
		{"nel,\"N\u0085el\",N,,", "given name contains control characters"},
		{"long," + strings.Repeat("ü", 65) + ",L,,", "the limit is 64"},
		{"sysvol,S,V,,", "Samba's own sections"},
		{"netlogon,N,L,,", "Samba's own sections"},
		{"GLOBAL,G,L,,", "Samba's own sections"},
		{"homes,H,S,,", "Samba's own sections"},
		{"printers,P,R,,", "Samba's own sections"},
		{"akten,A,K,,", `share "Akten"`},
		{"staff,S,T,,", "a group of that name exists"},
		{"domain admins,D,A,,", "not valid"},
		{"gina,G,I,,domain-admins", "looks like the built-in group"},
		{"pia,P,I,,posse-admin", "Posse's own groups"},
		{"paul,P,M,postmaster@example.com,", "service address"},
		{"ulla,U,L,olga@example.com,", "already used by user olga"},
		{"uwe,U,W,sales@example.com,", "already used by user olga"},
		{"ina,I,N,info@example.com,", "already used by a site alias"},
		{"tim,T,I,tina@example.com,", "already used by user tina"},
		{"vera,V,E,vera@example.com,", ""},
		{"vito,V,I,vera@example.com,", "already used by user vera"},
	}
	in := "username,given_name,surname,email,groups\n"
	for _, r := range rows {
		in += r.row + "\n"
	}
	for _, dry := range []bool{true, false} {
		d := d
		if !dry {
			d = importDir()
			d.SeedUser(ad.User{Username: "olga", Email: "olga@example.com", Aliases: []string{"sales@example.com"}}, "")
		}
		rep, err := directory.Import(context.Background(), d, strings.NewReader(in),
			directory.ImportOptions{Domain: "example.com", Passwords: &bytes.Buffer{}, Site: st, DryRun: dry})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Created, []string{"vera"}) {
			t.Errorf("dry run %v: created %v, want only vera", dry, rep.Created)
		}
		reasons := map[int]string{}
		for _, b := range rep.Bad {
			reasons[b.Line] = b.Reason
		}
		for i, r := range rows {
			got, line := reasons[i+2], i+2
			switch {
			case r.reason == "" && got != "":
				t.Errorf("dry run %v: line %d (%s) refused: %s", dry, line, r.row, got)
			case r.reason != "" && !strings.Contains(got, r.reason):
				t.Errorf("dry run %v: line %d (%q): reason %q, want %q", dry, line, r.row, got, r.reason)
			}
		}
	}
}

func TestImportHeaderErrors(t *testing.T) {
	tests := map[string]string{
		"":                         "empty",
		"given_name,surname\n":     "no username column",
		"username,password\nx,y\n": "unknown column",
		"username,username\n":      "twice",
	}
	for in, want := range tests {
		_, err := directory.Import(context.Background(), importDir(), strings.NewReader(in), directory.ImportOptions{Passwords: &bytes.Buffer{}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Import(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestImportFailedCreateIsReported(t *testing.T) {
	d := importDir()
	d.FailCreate = map[string]error{"zed": errors.New("creating user zed: server said no")}
	var pw bytes.Buffer
	rep, err := directory.Import(context.Background(), d, strings.NewReader("username\nzed\nyan\n"), directory.ImportOptions{Passwords: &pw})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Created, []string{"yan"}) || len(rep.Bad) != 1 || rep.Bad[0].Line != 2 {
		t.Errorf("report %+v", rep)
	}
	if strings.Contains(pw.String(), "zed") {
		t.Error("a password was written for a user that was not created")
	}
}

func TestImportMany(t *testing.T) {
	var b strings.Builder
	b.WriteString("username,given_name,surname,email,groups\n")
	for i := range 200 {
		fmt.Fprintf(&b, "user%03d,Given%d,Sur%d,,staff\n", i, i, i)
	}
	b.WriteString("bad name,x,y,,\n")
	var pw bytes.Buffer
	rep, err := directory.Import(context.Background(), importDir(), strings.NewReader(b.String()), directory.ImportOptions{Domain: "example.com", Passwords: &pw})
	if err != nil || len(rep.Created) != 200 || len(rep.Bad) != 1 || rep.Bad[0].Line != 202 {
		t.Errorf("created %d, bad %v, err %v", len(rep.Created), rep.Bad, err)
	}
}

// With Home set, new users get homeDirectory and homeDrive; without, none.
func TestImportHomeAttributes(t *testing.T) {
	for _, homes := range []bool{true, false} {
		d := importDir()
		opts := directory.ImportOptions{Domain: "example.com", Passwords: &bytes.Buffer{}}
		if homes {
			opts.Home = func(u string) (string, string) { return `\\DC1\` + u, "H:" }
		}
		if _, err := directory.Import(context.Background(), d, strings.NewReader("username\nnewhire\n"), opts); err != nil {
			t.Fatal(err)
		}
		u, ok, _ := d.User(context.Background(), "newhire")
		want, drive := "", ""
		if homes {
			want, drive = `\\DC1\newhire`, "H:"
		}
		if !ok || u.HomeDirectory != want || u.HomeDrive != drive {
			t.Errorf("homes %v: user %+v, want home %q %q", homes, u, want, drive)
		}
	}
}

func FuzzImportParse(f *testing.F) {
	f.Add("username,given_name,surname,email,groups\nanna,Anna,M,,staff\n")
	f.Add("\ufeffusername\n\"unterminated\n")
	f.Add("username,groups\nx,a;b;;c\n*)(uid=*,\x00\n")
	f.Add("username,given_name,surname,email,groups\nsysvol,\"A\x1b[31m\a\",\"\t\x7f\",postmaster@example.com,domain-admins;posse-admin\nstaff,x,y,,\nexisting,,,,staff\n")
	f.Fuzz(func(t *testing.T, in string) {
		d := importDir()
		rep, err := directory.Import(context.Background(), d, strings.NewReader(in), directory.ImportOptions{DryRun: true})
		if err != nil {
			return
		}
		for _, name := range rep.Created {
			if site.UsernameError(name) != nil || strings.EqualFold(name, "staff") || strings.EqualFold(name, "existing") {
				t.Fatalf("username %q passed", name)
			}
		}
	})
}
