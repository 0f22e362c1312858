// SPDX-License-Identifier: GPL-3.0-or-later

package rules

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

func TestValidUsername(t *testing.T) {
	for s, want := range map[string]bool{
		"anna": true, "a": true, "a.b-c_d": true, "a1234567890123456789": true, "a12345678901234567890": false,
		"1a": false, "Anna": false, "": false, "administrator": false, "root": false, "a b": false, "a*": false,
		"homes": false, "sysvol": false,
	} {
		if got := ValidUsername(s); got != want {
			t.Errorf("ValidUsername(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsServiceAccount(t *testing.T) {
	for s, want := range map[string]bool{"posse-mail": true, "Posse-Backup": true, "posse": false, "anna": false} {
		if got := IsServiceAccount(s); got != want {
			t.Errorf("IsServiceAccount(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestServerNameError(t *testing.T) {
	for name, ok := range map[string]bool{"dc1": true, "posse-box": true, "a": true, "abcdefghijklmno": true,
		"abcdefghijklmnop": false, "-dc": false, "dc-": false, "DC1": false, "dc1.example": false, "": false, "dc 1": false} {
		if err := ServerNameError(name); (err == nil) != ok {
			t.Errorf("ServerNameError(%q) = %v, want ok %v", name, err, ok)
		}
	}
}
