// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestEncodePassword(t *testing.T) {
	got, err := encodePassword("Ab1€")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{'"', 0, 'A', 0, 'b', 0, '1', 0, 0xac, 0x20, '"', 0}
	if got != string(want) {
		t.Errorf("encodePassword = % x, want % x", got, want)
	}
	for _, bad := range []string{"a\x00b", "\xff"} {
		if _, err := encodePassword(bad); err == nil {
			t.Errorf("encodePassword(%q) accepted", bad)
		} else if strings.Contains(err.Error(), bad) {
			t.Errorf("error repeats the password")
		}
	}
}

func attrs(req *ldap.AddRequest) map[string][]string {
	m := map[string][]string{}
	for _, a := range req.Attributes {
		m[a.Type] = a.Vals
	}
	return m
}

func TestUserAddRequest(t *testing.T) {
	base := "DC=ad,DC=example,DC=com"
	u := User{Username: "amueller", GivenName: "Anna", Surname: "Müller", Email: "anna@example.com", Aliases: []string{"a@example.com", "am@example.com"}}
	tests := []struct {
		name       string
		disabled   bool
		mustChange bool
		uac        string
		pwdLastSet []string
		origin     string
		mark       []string
	}{
		{"enabled, must change", false, true, "512", []string{"0"}, OriginTemplate, []string{"posse:template"}},
		{"disabled, keep", true, false, "514", nil, OriginAPI, []string{"posse:api"}},
		{"unmarked", false, false, "512", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := u
			u.Disabled = tt.disabled
			u.Origin = tt.origin
			req, err := userAddRequest(base, "AD.EXAMPLE.COM", u, "Secret-Pw-1", tt.mustChange)
			if err != nil {
				t.Fatal(err)
			}
			if req.DN != "CN=amueller,OU=Posse,"+base {
				t.Errorf("DN = %q", req.DN)
			}
			a := attrs(req)
			want := map[string][]string{
				"sAMAccountName":     {"amueller"},
				"userPrincipalName":  {"amueller@ad.example.com"},
				"displayName":        {"Anna Müller"},
				"givenName":          {"Anna"},
				"sn":                 {"Müller"},
				"mail":               {"anna@example.com"},
				"proxyAddresses":     {"smtp:a@example.com", "smtp:am@example.com"},
				"userAccountControl": {tt.uac},
				"pwdLastSet":         tt.pwdLastSet,
				"adminDescription":   tt.mark,
			}
			for k, v := range want {
				if !slices.Equal(a[k], v) {
					t.Errorf("%s = %q, want %q", k, a[k], v)
				}
			}
			if pw, _ := encodePassword("Secret-Pw-1"); !slices.Equal(a["unicodePwd"], []string{pw}) {
				t.Errorf("unicodePwd not the encoded password")
			}
		})
	}
	if _, err := userAddRequest(base, "AD.EXAMPLE.COM", User{Username: "*)(x"}, "pw", false); err == nil {
		t.Error("hostile username accepted")
	}
}

func TestUserModifyRequest(t *testing.T) {
	yes, no := true, false
	name := "Anna"
	empty := ""
	aliases := []string{"x@example.com"}
	tmpl := OriginTemplate
	tests := []struct {
		name string
		up   UserUpdate
		uac  int
		want map[string][]string
	}{
		{"disable", UserUpdate{Disabled: &yes}, 512, map[string][]string{"userAccountControl": {"514"}}},
		{"enable keeps other bits", UserUpdate{Disabled: &no}, 0x10202, map[string][]string{"userAccountControl": {"66048"}}},
		{"names", UserUpdate{GivenName: &name, Email: &empty}, 512, map[string][]string{"givenName": {"Anna"}, "mail": nil}},
		{"aliases", UserUpdate{Aliases: &aliases}, 512, map[string][]string{"proxyAddresses": {"smtp:x@example.com"}}},
		{"nothing", UserUpdate{}, 512, map[string][]string{}},
		{"origin", UserUpdate{Origin: &tmpl}, 512, map[string][]string{"adminDescription": {"posse:template"}}},
		{"clear origin", UserUpdate{Origin: &empty}, 512, map[string][]string{"adminDescription": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := userModifyRequest("CN=x", tt.up, tt.uac)
			got := map[string][]string{}
			for _, c := range req.Changes {
				if c.Operation != ldap.ReplaceAttribute {
					t.Errorf("operation %d, want replace", c.Operation)
				}
				got[c.Modification.Type] = c.Modification.Vals
			}
			if len(got) != len(tt.want) {
				t.Errorf("changes %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(got[k], v) {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestPasswordModifyRequest(t *testing.T) {
	for _, mc := range []bool{true, false} {
		req, err := passwordModifyRequest("CN=x", "New-Pass-1", mc)
		if err != nil {
			t.Fatal(err)
		}
		want := "-1"
		if mc {
			want = "0"
		}
		if got := req.Changes[1].Modification.Vals[0]; req.Changes[1].Modification.Type != "pwdLastSet" || got != want {
			t.Errorf("mustChange %v: pwdLastSet = %q", mc, got)
		}
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	for _, days := range []int{0, 1, 42, 365} {
		p, err := parsePolicy("10", "1", maxPwdAgeValue(days))
		if err != nil {
			t.Fatal(err)
		}
		if p != (Policy{MinLength: 10, Complexity: true, MaxAgeDays: days}) {
			t.Errorf("days %d: %+v", days, p)
		}
	}
	// Samba's provisioned default: 42 days, complexity on.
	p, err := parsePolicy("7", "1", "-36288000000000")
	if err != nil || p != (Policy{MinLength: 7, Complexity: true, MaxAgeDays: 42}) {
		t.Errorf("default policy = %+v, %v", p, err)
	}
	if _, err := parsePolicy("x", "1", "0"); err == nil {
		t.Error("bad minPwdLength accepted")
	}
}

func TestIsBuiltin(t *testing.T) {
	sid := func(rid uint32) []byte {
		b := make([]byte, 28)
		b[0], b[1] = 1, 5
		binary.LittleEndian.PutUint32(b[24:], rid)
		return b
	}
	tests := []struct {
		name     string
		critical bool
		sid      []byte
		dn       string
		want     bool
	}{
		{"Administrator", false, sid(1500), "CN=Administrator,CN=Users,DC=x", true},
		{"DnsAdmins", false, sid(1101), "CN=DnsAdmins,CN=Users,DC=x", true},
		{"Domain Users", true, sid(513), "CN=Domain Users,CN=Users,DC=x", true},
		{"guestish", false, sid(501), "CN=guestish,CN=Users,DC=x", true},
		{"Users", false, nil, "CN=Users,CN=Builtin,DC=x", true},
		{"amueller", false, sid(1105), "CN=amueller,OU=Posse,DC=x", false},
	}
	for _, tt := range tests {
		if got := isBuiltin(tt.name, tt.critical, tt.sid, tt.dn); got != tt.want {
			t.Errorf("isBuiltin(%s) = %v", tt.name, got)
		}
	}
}

func TestOriginFrom(t *testing.T) {
	for in, want := range map[string]string{
		"posse:template": OriginTemplate,
		"posse:api":      OriginAPI,
		"":               "",
		"Finance team":   "",
		"Posse:template": "",
	} {
		if got := originFrom(in); got != want {
			t.Errorf("originFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGroupAddRequest(t *testing.T) {
	base := "DC=ad,DC=example,DC=com"
	tests := []struct {
		name   string
		g      Group
		desc   []string
		mark   []string
		hasErr bool
	}{
		{"template", Group{Name: "staff", Description: "Everybody", Origin: OriginTemplate}, []string{"Everybody"}, []string{"posse:template"}, false},
		{"through possed", Group{Name: "staff", Origin: OriginAPI}, nil, []string{"posse:api"}, false},
		{"unmarked", Group{Name: "staff"}, nil, nil, false},
		{"hostile name", Group{Name: "*)(x", Origin: OriginAPI}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := groupAddRequest(base, tt.g)
			if (err != nil) != tt.hasErr {
				t.Fatalf("error %v, want one: %v", err, tt.hasErr)
			}
			if err != nil {
				return
			}
			if req.DN != "CN=staff,OU=Posse,"+base {
				t.Errorf("DN = %q", req.DN)
			}
			a := attrs(req)
			want := map[string][]string{
				"sAMAccountName":   {"staff"},
				"groupType":        {groupTypeGlobalSecurity},
				"description":      tt.desc,
				"adminDescription": tt.mark,
			}
			for k, v := range want {
				if !slices.Equal(a[k], v) {
					t.Errorf("%s = %q, want %q", k, a[k], v)
				}
			}
		})
	}
}

func TestOriginModifyRequest(t *testing.T) {
	tests := []struct {
		origin string
		want   []string
	}{
		{OriginTemplate, []string{"posse:template"}},
		{OriginAPI, []string{"posse:api"}},
		{"", nil},
	}
	for _, tt := range tests {
		req := originModifyRequest("CN=staff", tt.origin)
		if req.DN != "CN=staff" || len(req.Changes) != 1 {
			t.Fatalf("%q: request %+v", tt.origin, req)
		}
		c := req.Changes[0]
		if c.Operation != ldap.ReplaceAttribute || c.Modification.Type != OriginAttr || !slices.Equal(c.Modification.Vals, tt.want) {
			t.Errorf("%q: change %+v, want replace adminDescription %q", tt.origin, c, tt.want)
		}
	}
}
