// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestValidNames(t *testing.T) {
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
