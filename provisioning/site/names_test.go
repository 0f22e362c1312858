// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestValidDomain(t *testing.T) {
	for s, want := range map[string]bool{
		"mueller-partner.example": true, "a.b": true, "x1.example.org": true, "xn--mller-kva.example": true,
		"example": false, "Example.com": false, "-a.example": false, "a-.example": false, "a..example": false,
		".example": false, "example.": false, "a_b.example": false, "1.2.3.4": false, "": false,
		strings.Repeat("a", 63) + ".example": true, strings.Repeat("a", 64) + ".example": false,
		strings.Repeat("abcdefghi.", 26) + "example": false, // 267 characters
	} {
		if got := ValidDomain(s); got != want {
			t.Errorf("ValidDomain(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"anna@example.com": true, "anna.mueller@example.com": true, "a+tag@example.com": true, "a_b-c@x.example": true,
		"Anna@example.com": false, "anna@Example.com": false, "anna@": false, "@example.com": false, "anna": false,
		"a..b@example.com": false, ".a@example.com": false, "a.@example.com": false, "a b@example.com": false,
		"a@b@example.com": false, "*@example.com": false, "a)(x@example.com": false, "a,b@example.com": false,
		"a#b@example.com": false, "a@localhost": false, strings.Repeat("a", 65) + "@example.com": false,
	} {
		if got := ValidEmail(s); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidNames(t *testing.T) {
	for s, want := range map[string]bool{
		"anna": true, "a": true, "a.b-c_d": true, "a1234567890123456789": true, "a12345678901234567890": false,
		"1a": false, "Anna": false, "": false, "administrator": false, "root": false, "a b": false, "a*": false,
	} {
		if got := ValidUsername(s); got != want {
			t.Errorf("ValidUsername(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"staff": true, "team.nord": true, "g" + strings.Repeat("x", 63): true, "g" + strings.Repeat("x", 64): false,
		"users": false, "administrators": false, "Staff": false, "a,cn=x": false,
	} {
		if got := ValidGroupName(s); got != want {
			t.Errorf("ValidGroupName(%q) = %v, want %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"a": true, "a_1": true, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "A": false, "a-b": false, "": false} {
		if got := ValidSecretName(s); got != want {
			t.Errorf("ValidSecretName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseSFTPRepository(t *testing.T) {
	tests := []struct {
		in   string
		want SFTPRepository
		ok   bool
	}{
		{"sftp:backup@nas.example:/volume1/posse", SFTPRepository{"backup", "nas.example", "/volume1/posse"}, true},
		{"sftp:backup@192.168.1.2:/b", SFTPRepository{"backup", "192.168.1.2", "/b"}, true},
		{"sftp:backup@nas:/b", SFTPRepository{"backup", "nas", "/b"}, true},
		{"sftp:backup@999.1.1.1:/b", SFTPRepository{}, false},
		{"sftp:backup@nas:/", SFTPRepository{}, false},
		{"sftp:backup@nas:b", SFTPRepository{}, false},
		{"sftp:-o@nas:/b", SFTPRepository{}, false},
		{"sftp:@nas:/b", SFTPRepository{}, false},
		{"sftp:u@nas:/b;rm", SFTPRepository{}, false},
		{"sftp:u@-nas:/b", SFTPRepository{}, false},
		{"sftp://u@nas:22//b", SFTPRepository{}, false},
		{"/srv/backup", SFTPRepository{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseSFTPRepository(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSFTPRepository(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
