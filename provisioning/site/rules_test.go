// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

// TestUsernameRules: Samba's own section and share names are no usernames
// (a home folder is a section named after its user), in any case.
func TestUsernameRules(t *testing.T) {
	for name, want := range map[string]string{
		"anna":     "",
		"sysvol":   "Samba's own sections",
		"netlogon": "Samba's own sections",
		"global":   "Samba's own sections",
		"homes":    "Samba's own sections",
		"printers": "Samba's own sections",
		"SYSVOL":   "not valid",
		"Global":   "not valid",
		"print$":   "not valid",
		"ipc$":     "not valid",
		"admin$":   "not valid",
		"root":     "reserved",
		"":         "must not be empty",
		"a\x1bb":   "not valid",
	} {
		err := UsernameError(name)
		switch {
		case want == "" && err != nil:
			t.Errorf("UsernameError(%q) = %v, want nil", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("UsernameError(%q) = %v, want %q", name, err, want)
		}
		if got := ValidUsername(name); got != (want == "") {
			t.Errorf("ValidUsername(%q) = %v", name, got)
		}
	}
	for _, name := range []string{"global", "Homes", "PRINT$", "ipc$", "Admin$", "netlogon", " sysvol "} {
		if !IsSambaSection(name) {
			t.Errorf("IsSambaSection(%q) = false", name)
		}
	}
	if IsSambaSection("data") {
		t.Error("data is no Samba section")
	}
}

// TestSiteUsernameError: with home folders, a username must not be a share
// of the site, in any case; without home folders there is no clash.
func TestSiteUsernameError(t *testing.T) {
	s := &Site{Shares: []Share{{Name: "Akten"}}, Homes: Homes{Enabled: true}}
	if err := s.UsernameError("akten"); err == nil || !strings.Contains(err.Error(), `share "Akten"`) {
		t.Errorf("UsernameError(akten) = %v", err)
	}
	if err := s.UsernameError("sysvol"); err == nil {
		t.Error("sysvol accepted")
	}
	if err := s.UsernameError("anna"); err != nil {
		t.Errorf("UsernameError(anna) = %v", err)
	}
	s.Homes.Enabled = false
	if err := s.UsernameError("akten"); err != nil {
		t.Errorf("without home folders: %v", err)
	}
}

// TestGroupNameRules: built-in and Posse groups, and names that imitate
// them with other case, separators or a plural s, are refused.
func TestGroupNameRules(t *testing.T) {
	for name, want := range map[string]string{
		"staff":             "",
		"team.nord":         "",
		"possehl-staff":     "",
		"admins":            "",
		"posse-admin":       "Posse's own groups",
		"posse-office":      "Posse's own groups",
		"posse_admins":      "Posse's own groups",
		"posse.team":        "Posse's own groups",
		"posse":             "Posse's own groups",
		"posseadmin":        "looks like",
		"posseoffices":      "looks like",
		"domain-admins":     "looks like",
		"domain_admins":     "looks like",
		"domain.admin":      "looks like",
		"domainadmins":      "looks like",
		"enterprise-admins": "looks like",
		"enterprise_admin":  "looks like",
		"schema-admins":     "looks like",
		"administrator":     "looks like",
		"domain admins":     "reserved",
		"Domain Admins":     "reserved",
		"Domain-Admins":     "not valid",
		"users":             "reserved",
		"":                  "must not be empty",
	} {
		err := GroupNameError(name)
		switch {
		case want == "" && err != nil:
			t.Errorf("GroupNameError(%q) = %v, want nil", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("GroupNameError(%q) = %v, want %q", name, err, want)
		}
		if got := ValidGroupName(name); got != (want == "") {
			t.Errorf("ValidGroupName(%q) = %v", name, got)
		}
	}
}

func TestShareNameRules(t *testing.T) {
	for name, want := range map[string]string{
		"Akten":                 "",
		"Büro 2":                "",
		"homes":                 "reserved by Samba",
		"ADMIN$":                "reserved by Samba",
		"SysVol":                "reserved by Samba",
		"Data$":                 `ends in "$"`,
		"#data":                 "comment character",
		";data":                 "does not allow",
		" data":                 "space",
		"a/b":                   "does not allow",
		"a\x1bb":                "control characters",
		"":                      "must not be empty",
		"%U":                    "does not allow",
		"tab\there":             "control characters",
		"Straße & Co":           "",
		"Netlogon":              "reserved by Samba",
		"print$":                "reserved by Samba",
		"printers":              "reserved by Samba",
		"a]b":                   "does not allow",
		"[x":                    "does not allow",
		"trail ":                "space",
		"line\nbreak":           "control characters",
		"\xff":                  "control characters",
		strings.Repeat("x", 81): "longer than 80",
	} {
		err := ShareNameError(name)
		switch {
		case want == "" && err != nil:
			t.Errorf("ShareNameError(%q) = %v, want nil", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("ShareNameError(%q) = %v, want %q", name, err, want)
		}
	}
}

// TestTextError: one rule for names and descriptions, whoever sends them.
func TestTextError(t *testing.T) {
	for s, want := range map[string]string{
		"Anna":                                 "",
		"Müller-Lüdenscheidt":                  "",
		"Fritz, Jr.":                           "",
		"a\x1b[31mred":                         "control characters",
		"bell\a":                               "control characters",
		"tab\there":                            "control characters",
		"del\x7f":                              "control characters",
		"nl\nx":                                "control characters",
		"c1\u0085x":                            "control characters",
		"ls\u2028x":                            "control characters",
		"bad\xffutf8":                          "control characters",
		strings.Repeat("a", MaxNameFieldLen+1): "the limit is 64",
	} {
		err := TextError("given name", s, MaxNameFieldLen)
		switch {
		case want == "" && err != nil:
			t.Errorf("TextError(%q) = %v, want nil", s, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("TextError(%q) = %v, want %q", s, err, want)
		}
	}
}

func TestServiceAddresses(t *testing.T) {
	for addr, want := range map[string]bool{
		"postmaster@example.com": true, "Postmaster@example.com": true, "postmaster+x@example.com": true,
		"abuse@x.example": true, "admin@example.com": true, "mailer-daemon@example.com": true,
		"anna@example.com": false, "postmasters@example.com": false, "postmaster": false,
	} {
		if got := IsServiceAddress(addr); got != want {
			t.Errorf("IsServiceAddress(%q) = %v, want %v", addr, got, want)
		}
	}
	if err := UserAddressError("alias", "postmaster@example.com"); err == nil || !strings.Contains(err.Error(), "service address") {
		t.Errorf("UserAddressError(postmaster) = %v", err)
	}
	if err := UserAddressError("email", "Anna@example.com"); err == nil || !strings.Contains(err.Error(), "lower case") {
		t.Errorf("UserAddressError(Anna@) = %v", err)
	}
	if err := UserAddressError("email", "anna@example.com"); err != nil {
		t.Errorf("UserAddressError(anna@) = %v", err)
	}
}

// TestAddresses: every address has one holder, across template users,
// site aliases and users made elsewhere.
func TestAddresses(t *testing.T) {
	s := &Site{
		Site:  Info{Domain: "example.com"},
		Users: []User{{Username: "anna", Aliases: []string{"anna.m@example.com"}}, {Username: "bert", Email: "b@example.com"}},
		Mail:  &Mail{Domains: []string{"example.com"}, Aliases: []Alias{{Address: "info@example.com", To: []string{"anna"}}}},
	}
	a := s.Addresses()
	a.Add(UserHolder("carla"), "carla@example.com", "c@example.com")
	tests := []struct {
		holder string
		addrs  []string
		want   string
	}{
		{UserHolder("dora"), []string{"dora@example.com"}, ""},
		{UserHolder("dora"), []string{"anna@example.com"}, "user anna"}, // a default address
		{UserHolder("dora"), []string{"ANNA.M@example.com"}, "user anna"},
		{UserHolder("dora"), []string{"b@example.com"}, "user bert"},
		{UserHolder("dora"), []string{"info@example.com"}, "site alias"},
		{UserHolder("dora"), []string{"c@example.com"}, "user carla"},
		{UserHolder("dora"), []string{"d@example.com", "D@example.com"}, "given twice"},
		{UserHolder("carla"), []string{"c@example.com", "carla@example.com"}, ""}, // her own
		{UserHolder("Anna"), []string{"anna.m@example.com"}, ""},
	}
	for _, tt := range tests {
		err := a.Check(tt.holder, tt.addrs...)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Check(%s, %v) = %v, want nil", tt.holder, tt.addrs, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Check(%s, %v) = %v, want %q", tt.holder, tt.addrs, err, tt.want)
		}
	}
}
