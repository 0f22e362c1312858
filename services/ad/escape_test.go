// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestEscapeDN(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"amueller", "amueller"},
		{"*)(uid=*", `*)(uid\=*`},
		{",cn=admin", `\,cn\=admin`},
		{"a\x00b", `a\00b`},
		{"\xff\xfe", `\ff\fe`},
		{"#hash", `\#hash`},
		{"in#side", "in#side"},
		{" lead", `\ lead`},
		{"trail ", `trail\ `},
		{"mid dle", "mid dle"},
		{`q"u+o;t<e>\`, `q\"u\+o\;t\<e\>\\`},
		{"Müller", `M\c3\bcller`},
		{"", ""},
	}
	for _, tt := range tests {
		got := EscapeDN(tt.in)
		if got != tt.want {
			t.Errorf("EscapeDN(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// The escaped value must parse back to exactly one RDN with the
		// original value: nothing can inject another RDN or attribute.
		dn, err := ldap.ParseDN("CN=" + got + ",DC=example,DC=com")
		if err != nil {
			t.Errorf("ParseDN of escaped %q: %v", tt.in, err)
			continue
		}
		if len(dn.RDNs) != 3 || len(dn.RDNs[0].Attributes) != 1 {
			t.Errorf("escaped %q parses to %d RDNs", tt.in, len(dn.RDNs))
			continue
		}
		if v := dn.RDNs[0].Attributes[0].Value; v != tt.in {
			t.Errorf("round trip of %q gave %q", tt.in, v)
		}
	}
}

func TestEscapeFilter(t *testing.T) {
	for _, in := range []string{"*)(uid=*", "*", `a\b`, "x)(|(objectClass=*", "a\x00b", "\xff"} {
		f := userFilter(in)
		if _, err := ldap.CompileFilter(f); err != nil {
			t.Errorf("filter for %q does not compile: %v", in, err)
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(f, "(&(sAMAccountType=805306368)(sAMAccountName="), "))")
		if strings.ContainsAny(inner, "*()\x00") {
			t.Errorf("filter value for %q is not escaped: %q", in, inner)
		}
	}
}

func TestDNValidatesBeforeEscaping(t *testing.T) {
	base := "DC=ad,DC=example,DC=com"
	for _, bad := range []string{"*)(uid=*", ",cn=admin", "a\x00b", "\xff", "#x", " x", "x ", "Admin", "administrator", "a,b", ""} {
		if dn, err := userDN(base, bad); err == nil {
			t.Errorf("userDN(%q) = %q, want an error", bad, dn)
		} else if strings.ContainsRune(err.Error(), 0) {
			t.Errorf("error for %q contains a raw NUL", bad)
		}
		if bad == "administrator" {
			continue // a reserved user name, but a fine group name
		}
		if dn, err := groupDN(base, bad); err == nil {
			t.Errorf("groupDN(%q) = %q, want an error", bad, dn)
		}
	}
	dn, err := userDN(base, "a.b-c_d")
	if err != nil || dn != "CN=a.b-c_d,OU=Posse,DC=ad,DC=example,DC=com" {
		t.Errorf("userDN = %q, %v", dn, err)
	}
}

func TestBaseDN(t *testing.T) {
	if got := BaseDN("AD.MUELLER-PARTNER.EXAMPLE"); got != "DC=ad,DC=mueller-partner,DC=example" {
		t.Errorf("BaseDN = %q", got)
	}
}

func TestInOU(t *testing.T) {
	base := "DC=ad,DC=example,DC=com"
	tests := map[string]bool{
		"CN=amueller,OU=Posse,DC=ad,DC=example,DC=com":      true,
		"cn=amueller,ou=posse,dc=AD,dc=example,dc=com":      true,
		"CN=Administrator,CN=Users,DC=ad,DC=example,DC=com": false,
		"CN=x,OU=Sub,OU=Posse,DC=ad,DC=example,DC=com":      false,
		"CN=x,OU=Posse,DC=other,DC=com":                     false,
		"garbage":                                           false,
	}
	for dn, want := range tests {
		if got := inOU(dn, base); got != want {
			t.Errorf("inOU(%q) = %v, want %v", dn, got, want)
		}
	}
}
