// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import "testing"

func TestConfRealm(t *testing.T) {
	tests := []struct{ conf, want string }{
		{"[global]\n\tnetbios name = DC\n\trealm = AD.X.COM\n", "AD.X.COM"},
		{"[global]\n   workgroup = WORKGROUP\n", ""},
		{"[global]\n  Realm=ad.y.com\n", "AD.Y.COM"},
		{"[global]\n# realm = AD.Z.COM\n", ""},
		{"[share]\nrealm = AD.W.COM\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ConfRealm([]byte(tt.conf)); got != tt.want {
			t.Errorf("ConfRealm(%q) = %q, want %q", tt.conf, got, tt.want)
		}
	}
}

func TestConfGlobal(t *testing.T) {
	conf := []byte("; comment\n[global]\n\tNetBIOS  Name = DC1\n\tworkgroup = X\n[sysvol]\n\tpath = /x\n")
	for key, want := range map[string]string{"netbios name": "DC1", "netbiosname": "DC1", "WORKGROUP": "X", "path": "", "realm": ""} {
		if got := ConfGlobal(conf, key); got != want {
			t.Errorf("ConfGlobal(%q) = %q, want %q", key, got, want)
		}
	}
}
