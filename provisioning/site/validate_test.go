// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// validSite returns a small site that passes every rule.
func validSite() *Site {
	return &Site{
		Version: 1,
		Site:    Info{Name: "Müller & Partner", Domain: "mueller-partner.example", Workgroup: "MUELLER", Timezone: "Europe/Berlin"},
		Directory: Directory{
			AdminPassword:  "${secret:domain_admin}",
			PasswordPolicy: PasswordPolicy{MinLength: 10, Complexity: true},
		},
		Groups: []Group{{Name: "partners", Description: "Partners"}, {Name: "staff"}},
		Users: []User{
			{Username: "amueller", GivenName: "Anna", Surname: "Müller", Email: "anna.mueller@mueller-partner.example",
				Groups: []string{"partners", "staff"}, Password: "${secret:amueller}", Aliases: []string{"anna@mueller-partner.example"}},
			{Username: "bschmidt", Groups: []string{"staff"}, Password: "${secret:bschmidt}"},
		},
		Shares: []Share{
			{Name: "Akten", Path: "/srv/posse/shares/akten", Read: []string{"staff"}, Write: []string{"partners"}, RecycleBin: true,
				Folders: []Folder{{Path: "Mandanten", Write: []string{"staff"}}, {Path: "Mandanten/Intern", Write: []string{"partners"}, Inherit: ptr(false)}}},
			{Name: "Austausch", Write: []string{"staff"}},
		},
		Homes: Homes{Enabled: true},
		Mail: &Mail{
			Domains:        []string{"mueller-partner.example"},
			MailboxQuotaMB: 2048,
			Aliases:        []Alias{{Address: "info@mueller-partner.example", To: []string{"amueller", "bschmidt"}}},
		},
		Backup: &Backup{
			Repository: "/srv/posse/backup",
			Password:   "${secret:backup}",
			Schedule:   "*-*-* 22:00",
			Keep:       Keep{Daily: 7, Weekly: 4, Monthly: 12},
			Include:    []string{"directory", "shares", "homes", "mail"},
		},
	}
}

func TestValidSiteHasNoProblems(t *testing.T) {
	if ps := validSite().Validate(); len(ps) != 0 {
		t.Fatalf("valid site has problems:\n%v", ps)
	}
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name string
		mut  func(s *Site)
		path string // path of the expected problem
		msg  string // substring of its message
	}{
		// site
		{"empty name", func(s *Site) { s.Site.Name = " " }, "site.name", `missing required key "name"`},
		{"control char in name", func(s *Site) { s.Site.Name = "a\x07b" }, "site.name", "control characters"},
		{"long name", func(s *Site) { s.Site.Name = strings.Repeat("x", 129) }, "site.name", "limit is 128"},
		{"missing domain", func(s *Site) { s.Site.Domain = "" }, "site.domain", `missing required key "domain"`},
		{"upper-case domain", func(s *Site) { s.Site.Domain = "Example.com" }, "site.domain", "not a valid DNS name"},
		{"one-label domain", func(s *Site) { s.Site.Domain = "localhost" }, "site.domain", "not a valid DNS name"},
		{"domain with underscore", func(s *Site) { s.Site.Domain = "a_b.example" }, "site.domain", "not a valid DNS name"},
		{"domain label too long", func(s *Site) { s.Site.Domain = strings.Repeat("a", 64) + ".example" }, "site.domain", "not a valid DNS name"},
		{"numeric tld", func(s *Site) { s.Site.Domain = "10.0.0.1" }, "site.domain", "not a valid DNS name"},
		{"lower-case realm", func(s *Site) { s.Site.Realm = "ad.example.com" }, "site.realm", "not an upper-case DNS name"},
		{"one-label realm", func(s *Site) { s.Site.Realm = "EXAMPLE" }, "site.realm", "not an upper-case DNS name"},
		{"missing workgroup", func(s *Site) { s.Site.Workgroup = "" }, "site.workgroup", `missing required key "workgroup"`},
		{"long workgroup", func(s *Site) { s.Site.Workgroup = "ABCDEFGHIJKLMNOP" }, "site.workgroup", "not a valid NetBIOS name"},
		{"lower-case workgroup", func(s *Site) { s.Site.Workgroup = "mueller" }, "site.workgroup", "not a valid NetBIOS name"},
		{"workgroup with dot", func(s *Site) { s.Site.Workgroup = "M.P" }, "site.workgroup", "not a valid NetBIOS name"},
		{"workgroup equals default realm label", func(s *Site) { s.Site.Workgroup = "AD" }, "site.workgroup", "first label of the realm"},
		{"workgroup equals realm label", func(s *Site) { s.Site.Realm = "MP.EXAMPLE"; s.Site.Workgroup = "MP" }, "site.workgroup", "first label of the realm"},
		{"unknown timezone", func(s *Site) { s.Site.Timezone = "Europe/Atlantis" }, "site.timezone", "unknown time zone"},
		{"Local timezone", func(s *Site) { s.Site.Timezone = "Local" }, "site.timezone", "unknown time zone"},
		{"path timezone", func(s *Site) { s.Site.Timezone = "../../etc/passwd" }, "site.timezone", "unknown time zone"},
		{"absolute timezone", func(s *Site) { s.Site.Timezone = "/usr/share/zoneinfo/Europe/Berlin" }, "site.timezone", "unknown time zone"},
		{"double slash timezone", func(s *Site) { s.Site.Timezone = "Europe//Berlin" }, "site.timezone", "unknown time zone"},
		{"dot timezone", func(s *Site) { s.Site.Timezone = "./Europe/Berlin" }, "site.timezone", "unknown time zone"},
		{"trailing slash timezone", func(s *Site) { s.Site.Timezone = "Europe/Berlin/" }, "site.timezone", "unknown time zone"},
		{"localtime timezone", func(s *Site) { s.Site.Timezone = "localtime" }, "site.timezone", "unknown time zone"},
		{"posixrules timezone", func(s *Site) { s.Site.Timezone = "posixrules" }, "site.timezone", "unknown time zone"},
		{"timezone with space", func(s *Site) { s.Site.Timezone = "Europe/Berlin x" }, "site.timezone", "unknown time zone"},
		{"long timezone", func(s *Site) { s.Site.Timezone = strings.Repeat("A/", 200) + "B" }, "site.timezone", "unknown time zone"},
		// directory
		{"missing admin password", func(s *Site) { s.Directory.AdminPassword = "" }, "directory.admin_password", "missing required key"},
		{"inline admin password", func(s *Site) { s.Directory.AdminPassword = "hunter2" }, "directory.admin_password", "inline passwords are refused"},
		{"bad secret name", func(s *Site) { s.Directory.AdminPassword = "${secret:Admin}" }, "directory.admin_password", "invalid name"},
		{"secret ref with suffix", func(s *Site) { s.Directory.AdminPassword = "${secret:admin}x" }, "directory.admin_password", "inline passwords are refused"},
		{"min_length too small", func(s *Site) { s.Directory.PasswordPolicy.MinLength = 6 }, "directory.password_policy.min_length", "out of range"},
		{"min_length too large", func(s *Site) { s.Directory.PasswordPolicy.MinLength = 129 }, "directory.password_policy.min_length", "out of range"},
		{"negative max age", func(s *Site) { s.Directory.PasswordPolicy.MaxAgeDays = -1 }, "directory.password_policy.max_age_days", "out of range"},
		{"max age too large", func(s *Site) { s.Directory.PasswordPolicy.MaxAgeDays = 1000 }, "directory.password_policy.max_age_days", "out of range"},
		// groups
		{"missing group name", func(s *Site) { s.Groups[1].Name = "" }, "groups[1].name", "missing required key"},
		{"group with LDAP filter", func(s *Site) { s.Groups[1].Name = "*)(cn=*" }, "groups[1].name", "not valid"},
		{"group with DN", func(s *Site) { s.Groups[1].Name = "x,cn=admin" }, "groups[1].name", "not valid"},
		{"upper-case group", func(s *Site) { s.Groups[1].Name = "Staff" }, "groups[1].name", "not valid"},
		{"long group", func(s *Site) { s.Groups[1].Name = "g" + strings.Repeat("x", 64) }, "groups[1].name", "not valid"},
		{"reserved group", func(s *Site) { s.Groups[1].Name = "administrators" }, "groups[1].name", "reserved"},
		{"reserved group any case", func(s *Site) { s.Groups[1].Name = "Domain Admins" }, "groups[1].name", "reserved"},
		{"reserved unix group", func(s *Site) { s.Groups[1].Name = "sudo" }, "groups[1].name", "reserved"},
		{"duplicate group", func(s *Site) { s.Groups[1].Name = "partners" }, "groups[1].name", `duplicate group "partners" (first defined at groups[0].name)`},
		{"group description newline", func(s *Site) { s.Groups[0].Description = "a\nb" }, "groups[0].description", "line breaks"},
		{"group description too long", func(s *Site) { s.Groups[0].Description = strings.Repeat("é", 257) }, "groups[0].description", "limit is 256"},
		// users
		{"missing username", func(s *Site) { s.Users[1].Username = "" }, "users[1].username", "missing required key"},
		{"username with LDAP filter", func(s *Site) { s.Users[1].Username = "*)(uid=*" }, "users[1].username", "not valid"},
		{"username starting with digit", func(s *Site) { s.Users[1].Username = "1abc" }, "users[1].username", "not valid"},
		{"username too long", func(s *Site) { s.Users[1].Username = "a" + strings.Repeat("b", 20) }, "users[1].username", "not valid"},
		{"username upper case", func(s *Site) { s.Users[1].Username = "Bob" }, "users[1].username", "not valid"},
		{"reserved username", func(s *Site) { s.Users[1].Username = "administrator" }, "users[1].username", "reserved"},
		{"reserved username krbtgt", func(s *Site) { s.Users[1].Username = "krbtgt" }, "users[1].username", "reserved"},
		{"duplicate user", func(s *Site) { s.Users[1].Username = "amueller" }, "users[1].username", `duplicate user "amueller" (first defined at users[0].username)`},
		{"user named like group", func(s *Site) { s.Users[1].Username = "staff" }, "users[1].username", "also a group name"},
		{"given name newline", func(s *Site) { s.Users[0].GivenName = "Anna\ndn: cn=admin" }, "users[0].given_name", "line breaks"},
		{"surname too long", func(s *Site) { s.Users[0].Surname = strings.Repeat("x", 65) }, "users[0].surname", "limit is 64"},
		{"unknown group", func(s *Site) { s.Users[1].Groups = []string{"staf"} }, "users[1].groups[0]", `unknown group "staf"`},
		{"repeated group", func(s *Site) { s.Users[1].Groups = []string{"staff", "staff"} }, "users[1].groups[1]", "duplicate group reference"},
		{"inline password", func(s *Site) { s.Users[1].Password = "Secret123!" }, "users[1].password", "inline passwords are refused"},
		{"bad email", func(s *Site) { s.Users[0].Email = "anna@" }, "users[0].email", "not a valid mail address"},
		{"upper-case email", func(s *Site) { s.Users[0].Email = "Anna@mueller-partner.example" }, "users[0].email", "not a valid mail address"},
		{"email outside mail domains", func(s *Site) { s.Users[0].Email = "anna@other.example" }, "users[0].email", "not in a mail domain"},
		{"default email outside mail domains", func(s *Site) {
			s.Mail.Domains = []string{"other.example"}
			s.Mail.Aliases = nil
			s.Users[0].Email = "a@other.example"
			s.Users[0].Aliases = nil
		},
			"users[1].username", `default address "bschmidt@mueller-partner.example" is not in a mail domain`},
		{"default email invalid", func(s *Site) { s.Users[1].Username = "b..c" }, "users[1].username", "not a valid mail address"},
		{"alias outside mail domains", func(s *Site) { s.Users[0].Aliases = []string{"anna@other.example"} }, "users[0].aliases[0]", "not in a mail domain"},
		{"alias invalid", func(s *Site) { s.Users[0].Aliases = []string{"anna at example"} }, "users[0].aliases[0]", "not a valid mail address"},
		{"email with LDAP filter characters", func(s *Site) { s.Users[0].Email = "*)(mail=*@mueller-partner.example" }, "users[0].email", "not a valid mail address"},
		{"email with table characters", func(s *Site) { s.Users[0].Email = "a#b@mueller-partner.example" }, "users[0].email", "not a valid mail address"},
		{"email with leading dot", func(s *Site) { s.Users[0].Email = ".anna@mueller-partner.example" }, "users[0].email", "not a valid mail address"},
		{"aliases without mail", func(s *Site) { s.Mail = nil; s.Backup.Include = []string{"directory"} }, "users[0].aliases", "need a mail section"},
		{"duplicate address email vs default", func(s *Site) { s.Users[0].Email = "bschmidt@mueller-partner.example" }, "users[1].username", `duplicate address "bschmidt@mueller-partner.example" (first defined at users[0].email)`},
		{"duplicate address alias vs email", func(s *Site) { s.Users[1].Aliases = []string{"anna.mueller@mueller-partner.example"} }, "users[1].aliases[0]", "duplicate address"},
		{"duplicate address site alias vs user alias", func(s *Site) { s.Mail.Aliases[0].Address = "anna@mueller-partner.example" }, "mail.aliases[0].address", "duplicate address"},
		// shares
		{"missing share name", func(s *Site) { s.Shares[1].Name = "" }, "shares[1].name", "missing required key"},
		{"share name with slash", func(s *Site) { s.Shares[1].Name = "a/b" }, "shares[1].name", "character SMB does not allow"},
		{"share name with percent", func(s *Site) { s.Shares[1].Name = "a%U" }, "shares[1].name", "character SMB does not allow"},
		{"share name with newline", func(s *Site) { s.Shares[1].Name = "a\nb" }, "shares[1].name", "control characters"},
		{"share name too long", func(s *Site) { s.Shares[1].Name = strings.Repeat("x", 81) }, "shares[1].name", "longer than 80"},
		{"reserved share IPC$", func(s *Site) { s.Shares[1].Name = "IPC$" }, "shares[1].name", "reserved by Samba"},
		{"reserved share homes", func(s *Site) { s.Shares[1].Name = "Homes" }, "shares[1].name", "reserved by Samba"},
		{"reserved share sysvol", func(s *Site) { s.Shares[1].Name = "SYSVOL" }, "shares[1].name", "reserved by Samba"},
		{"duplicate share any case", func(s *Site) { s.Shares[1].Name = "AKTEN" }, "shares[1].name", `duplicate share "AKTEN"`},
		{"relative path", func(s *Site) { s.Shares[1].Path = "srv/x" }, "shares[1].path", "not absolute"},
		{"dotdot path", func(s *Site) { s.Shares[1].Path = "/srv/../etc" }, "shares[1].path", `contains ".."`},
		{"unclean path", func(s *Site) { s.Shares[1].Path = "/srv/x/" }, "shares[1].path", "not clean"},
		{"path outside srv", func(s *Site) { s.Shares[1].Path = "/etc/passwd" }, "shares[1].path", "not inside /srv/"},
		{"path srv itself", func(s *Site) { s.Shares[1].Path = "/srv" }, "shares[1].path", "not inside /srv/"},
		{"path srvx", func(s *Site) { s.Shares[1].Path = "/srvx/a" }, "shares[1].path", "not inside /srv/"},
		{"path with dollar", func(s *Site) { s.Shares[1].Path = "/srv/$HOME" }, "shares[1].path", `contains '$'`},
		{"path with percent", func(s *Site) { s.Shares[1].Path = "/srv/%U" }, "shares[1].path", `contains '%'`},
		{"default path unusable", func(s *Site) { s.Shares[1].Name = "A&B" }, "shares[1].name", "default path"},
		{"share in homes", func(s *Site) { s.Shares[1].Path = "/srv/posse/homes/x" }, "shares[1].path", "overlaps the home folders"},
		{"share around homes", func(s *Site) { s.Shares[1].Path = "/srv/posse" }, "shares[1].path", "overlaps the home folders"},
		{"repository in homes", func(s *Site) { s.Backup.Repository = "/srv/posse/homes/backup" }, "backup.repository", "overlaps the home folders"},
		{"same path", func(s *Site) { s.Shares[1].Path = "/srv/posse/shares/akten" }, "shares[1].path", "same path as share"},
		{"same default path", func(s *Site) { s.Shares[0].Path = "/srv/posse/shares/austausch" }, "shares[1].name", "same path as share"},
		{"nested path", func(s *Site) { s.Shares[1].Path = "/srv/posse/shares/akten/sub" }, "shares[1].path", "are nested"},
		{"no groups", func(s *Site) { s.Shares[1].Write = nil }, "shares[1]", "grants access to no group"},
		{"unknown read group", func(s *Site) { s.Shares[0].Read = []string{"nobody"} }, "shares[0].read[0]", `unknown group "nobody"`},
		{"unknown write group", func(s *Site) { s.Shares[0].Write = []string{"x"} }, "shares[0].write[0]", `unknown group "x"`},
		{"recycle days negative", func(s *Site) { s.Shares[0].RecycleDays = -1 }, "shares[0].recycle_days", "out of range"},
		{"recycle days too large", func(s *Site) { s.Shares[0].RecycleDays = 3651 }, "shares[0].recycle_days", "out of range"},
		{"share description newline", func(s *Site) { s.Shares[0].Description = "x\n[global]" }, "shares[0].description", "line breaks"},
		{"folder without path", func(s *Site) { s.Shares[0].Folders[0].Path = "" }, "shares[0].folders[0].path", "missing required key"},
		{"folder absolute", func(s *Site) { s.Shares[0].Folders[0].Path = "/srv/x" }, "shares[0].folders[0].path", "starts with /"},
		{"folder dot dot", func(s *Site) { s.Shares[0].Folders[0].Path = "a/../../b" }, "shares[0].folders[0].path", "not clean"},
		{"folder dot", func(s *Site) { s.Shares[0].Folders[0].Path = "./a" }, "shares[0].folders[0].path", "not clean"},
		{"folder trailing slash", func(s *Site) { s.Shares[0].Folders[0].Path = "a/" }, "shares[0].folders[0].path", "not clean"},
		{"folder in recycle bin", func(s *Site) { s.Shares[0].Folders[0].Path = ".Recycle/x" }, "shares[0].folders[0].path", "recycle bin"},
		{"folder percent", func(s *Site) { s.Shares[0].Folders[0].Path = "a%U" }, "shares[0].folders[0].path", `contains '%'`},
		{"folder newline", func(s *Site) { s.Shares[0].Folders[0].Path = "a\nb" }, "shares[0].folders[0].path", "control characters"},
		{"folder too long", func(s *Site) { s.Shares[0].Folders[0].Path = strings.Repeat("a/", 600) + "a" }, "shares[0].folders[0].path", "longer than"},
		{"folder twice ignoring case", func(s *Site) { s.Shares[0].Folders[1].Path = "MANDANTEN" }, "shares[0].folders[1].path", "duplicate folder"},
		{"folder without groups", func(s *Site) { s.Shares[0].Folders[0].Write = nil }, "shares[0].folders[0]", "grants or denies access to nobody"},
		{"folder unknown group", func(s *Site) { s.Shares[0].Folders[0].Read = []string{"ghosts"} }, "shares[0].folders[0].read[0]", `unknown group "ghosts"`},
		{"folder group without share access", func(s *Site) {
			s.Groups = append(s.Groups, Group{Name: "accounting"})
			s.Shares[0].Folders[0].Write = []string{"accounting"}
		}, "shares[0].folders[0].write[0]", `group "accounting" has no access to share "Akten"`},
		// mail
		{"mail without domains", func(s *Site) { s.Mail.Domains = nil }, "mail.domains", "missing required key"},
		{"bad mail domain", func(s *Site) { s.Mail.Domains = append(s.Mail.Domains, "-x.example") }, "mail.domains[1]", "not a valid DNS name"},
		{"duplicate mail domain", func(s *Site) { s.Mail.Domains = append(s.Mail.Domains, "mueller-partner.example") }, "mail.domains[1]", "duplicate mail domain"},
		{"negative quota", func(s *Site) { s.Mail.MailboxQuotaMB = -1 }, "mail.mailbox_quota_mb", "negative"},
		{"alias without address", func(s *Site) { s.Mail.Aliases[0].Address = "" }, "mail.aliases[0].address", "missing required key"},
		{"alias outside domains", func(s *Site) { s.Mail.Aliases[0].Address = "info@other.example" }, "mail.aliases[0].address", "not in a mail domain"},
		{"alias without targets", func(s *Site) { s.Mail.Aliases[0].To = nil }, "mail.aliases[0].to", "missing required key"},
		{"alias to unknown user", func(s *Site) { s.Mail.Aliases[0].To = []string{"nobody"} }, "mail.aliases[0].to[0]", "neither a user nor a group"},
		{"alias to bad address", func(s *Site) { s.Mail.Aliases[0].To = []string{"a@b"} }, "mail.aliases[0].to[0]", "not a valid mail address"},
		{"alias target repeated", func(s *Site) { s.Mail.Aliases[0].To = []string{"amueller", "amueller"} }, "mail.aliases[0].to[1]", "duplicate alias target"},
		{"alias loop to itself", func(s *Site) { s.Mail.Aliases[0].To = []string{"info@mueller-partner.example"} }, "mail.aliases[0].address", "alias loop"},
		{"alias loop through two", func(s *Site) {
			s.Mail.Aliases = []Alias{
				{Address: "a@mueller-partner.example", To: []string{"b@mueller-partner.example"}},
				{Address: "b@mueller-partner.example", To: []string{"c@mueller-partner.example", "amueller"}},
				{Address: "c@mueller-partner.example", To: []string{"A@mueller-partner.example"}},
			}
		}, "mail.aliases[0].address", "alias loop: a@mueller-partner.example → b@mueller-partner.example → c@mueller-partner.example → a@mueller-partner.example"},
		{"alias bomb", func(s *Site) { s.Mail.Aliases = aliasBomb(4, 6) }, "mail.aliases[0].address", "alias bomb"},
		// backup
		{"missing repository", func(s *Site) { s.Backup.Repository = "" }, "backup.repository", "missing required key"},
		{"relative repository", func(s *Site) { s.Backup.Repository = "backup" }, "backup.repository", "not absolute"},
		{"root repository", func(s *Site) { s.Backup.Repository = "/" }, "backup.repository", "must not be /"},
		{"repository inside share", func(s *Site) { s.Backup.Repository = "/srv/posse/shares/akten/backup" }, "backup.repository", `overlaps share "Akten"`},
		{"repository around shares", func(s *Site) { s.Backup.Repository = "/srv/posse" }, "backup.repository", "overlaps share"},
		{"sftp without path", func(s *Site) { s.Backup.Repository = "sftp:user@host" }, "backup.repository", "sftp:user@host:/absolute/path"},
		{"sftp relative path", func(s *Site) { s.Backup.Repository = "sftp:user@host.example:backup" }, "backup.repository", "sftp:user@host:/absolute/path"},
		{"sftp bad user", func(s *Site) { s.Backup.Repository = "sftp:-oProxyCommand=x@host:/b" }, "backup.repository", "sftp:user@host:/absolute/path"},
		{"sftp bad host", func(s *Site) { s.Backup.Repository = "sftp:u@-host:/b" }, "backup.repository", "sftp:user@host:/absolute/path"},
		{"sftp dotdot", func(s *Site) { s.Backup.Repository = "sftp:u@host:/a/../b" }, "backup.repository", "sftp:user@host:/absolute/path"},
		{"missing backup password", func(s *Site) { s.Backup.Password = "" }, "backup.password", "missing required key"},
		{"inline backup password", func(s *Site) { s.Backup.Password = "correct horse" }, "backup.password", "inline passwords are refused"},
		{"missing schedule", func(s *Site) { s.Backup.Schedule = "" }, "backup.schedule", "missing required key"},
		{"garbage schedule", func(s *Site) { s.Backup.Schedule = "at 10pm" }, "backup.schedule", "not a valid OnCalendar expression"},
		{"hour 25", func(s *Site) { s.Backup.Schedule = "*-*-* 25:00" }, "backup.schedule", "hour 25 is out of range"},
		{"negative keep", func(s *Site) { s.Backup.Keep.Weekly = -1 }, "backup.keep.weekly", "negative"},
		{"keep nothing", func(s *Site) { s.Backup.Keep = Keep{} }, "backup.keep", "keeps no snapshots"},
		{"no include", func(s *Site) { s.Backup.Include = nil }, "backup.include", "missing required key"},
		{"unknown include", func(s *Site) { s.Backup.Include = []string{"shrares"} }, "backup.include[0]", `unknown backup include "shrares"`},
		{"duplicate include", func(s *Site) { s.Backup.Include = []string{"mail", "mail"} }, "backup.include[1]", "duplicate backup include"},
		{"homes included but disabled", func(s *Site) { s.Homes.Enabled = false }, "backup.include[2]", "homes are not enabled"},
		{"mail included but absent", func(s *Site) { s.Mail = nil; s.Users[0].Aliases = nil }, "backup.include[3]", "no mail section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSite()
			tt.mut(s)
			ps := s.Validate()
			for _, p := range ps {
				if p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s containing %q, got:\n%v", tt.path, tt.msg, ps)
		})
	}
}

// aliasBomb builds levels of width aliases each; every alias delivers to
// all aliases of the next level, so one first-level alias expands to
// width^levels targets.
func aliasBomb(levels, width int) []Alias {
	var out []Alias
	for l := 0; l < levels; l++ {
		for w := 0; w < width; w++ {
			a := Alias{Address: fmt.Sprintf("l%dw%d@mueller-partner.example", l, w)}
			for x := 0; x < width; x++ {
				if l+1 < levels {
					a.To = append(a.To, fmt.Sprintf("l%dw%d@mueller-partner.example", l+1, x))
				} else {
					a.To = append(a.To, fmt.Sprintf("x%d@elsewhere.example", x))
				}
			}
			out = append(out, a)
		}
	}
	return out
}

func TestValidateAcceptsVariants(t *testing.T) {
	tests := []struct {
		name string
		mut  func(s *Site)
	}{
		{"no optional sections", func(s *Site) { s.Mail = nil; s.Backup = nil; s.Shares = nil; s.Users[0].Aliases = nil }},
		{"explicit realm", func(s *Site) { s.Site.Realm = "AD.MUELLER-PARTNER.EXAMPLE" }},
		{"no timezone", func(s *Site) { s.Site.Timezone = "" }},
		{"UTC", func(s *Site) { s.Site.Timezone = "UTC" }},
		{"Etc/GMT+5", func(s *Site) { s.Site.Timezone = "Etc/GMT+5" }},
		{"three-part timezone", func(s *Site) { s.Site.Timezone = "America/Argentina/Buenos_Aires" }},
		{"default policy", func(s *Site) { s.Directory.PasswordPolicy = PasswordPolicy{} }},
		{"disabled user without password", func(s *Site) { s.Users[1].Disabled = true; s.Users[1].Password = "" }},
		{"sftp repository", func(s *Site) { s.Backup.Repository = "sftp:backup@nas.mueller-partner.example:/volume1/posse" }},
		{"sftp to ipv4", func(s *Site) { s.Backup.Repository = "sftp:backup@192.168.1.20:/backup" }},
		{"alias to external address", func(s *Site) { s.Mail.Aliases[0].To = []string{"steuer@partner.example"} }},
		{"alias chain", func(s *Site) {
			s.Mail.Aliases = append(s.Mail.Aliases, Alias{Address: "kontakt@mueller-partner.example", To: []string{"info@mueller-partner.example"}})
		}},
		{"wide alias under the limit", func(s *Site) { s.Mail.Aliases = aliasBomb(3, 10) }},
		{"homes dir as share without homes", func(s *Site) {
			s.Homes.Enabled = false
			s.Backup.Include = []string{"directory"}
			s.Shares[1].Path = "/srv/posse/homes"
		}},
		{"share with spaces and umlauts", func(s *Site) { s.Shares[1].Name = "Büro Ablage" }},
		{"recycle days 3650", func(s *Site) { s.Shares[0].RecycleDays = 3650 }},
		{"quota unlimited", func(s *Site) { s.Mail.MailboxQuotaMB = 0 }},
		{"weekly only", func(s *Site) { s.Backup.Keep = Keep{Weekly: 1} }},
		{"must change false", func(s *Site) { s.Users[0].MustChangePassword = ptr(false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSite()
			tt.mut(s)
			if ps := s.Validate(); len(ps) != 0 {
				t.Errorf("unexpected problems:\n%v", ps)
			}
		})
	}
}

func TestFolderPathError(t *testing.T) {
	for _, ok := range []string{"Intern", "Mandanten/Intern", "Büro Ablage/2026", ".hidden", "a.recycle", "x/.recycle"} {
		if err := FolderPathError(ok); err != nil {
			t.Errorf("FolderPathError(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b", "./a", "a/../b", "..", ".recycle", ".RECYCLE/alice", "a\x00b", " a", "a%b", strings.Repeat("a", MaxFolderPathLen+1)} {
		if err := FolderPathError(bad); err == nil {
			t.Errorf("FolderPathError(%q) accepted it", bad)
		}
	}
	if !(Folder{}).Inherits() || (Folder{Inherit: ptr(false)}).Inherits() || !(Folder{Inherit: ptr(true)}).Inherits() {
		t.Error("Inherits: want true unless inherit: false")
	}
}

// TestUserPasswordIsOptional: a user without a password validates (the
// directory gives a created user a random one and the plan says so), so a
// template from possectl export, which holds no passwords, plans on its
// own box.
func TestUserPasswordIsOptional(t *testing.T) {
	s := validSite()
	s.Users[1].Password = ""
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("a user without a password: %v", ps)
	}
}
