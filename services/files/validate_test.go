// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSharePathError(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"/srv/posse/shares/akten", ""},
		{"/srv/data", ""},
		{"/srv", "not inside"},
		{"/srvx/data", "not inside"},
		{"/etc/samba", "not inside"},
		{"/home/alice", "not inside"},
		{"srv/data", "absolute"},
		{"/srv/../etc", "clean"},
		{"/srv/data/", "clean"},
		{"/srv/with space", "may only contain"},
		{"/srv/%h", "may only contain"},
		{"/srv/a\nb", "may only contain"},
		{"", "absolute"},
	}
	for _, tt := range tests {
		err := SharePathError(tt.path)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("SharePathError(%q) = %v, want nil", tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("SharePathError(%q) = %v, want an error containing %q", tt.path, err, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	groups := map[string]bool{"partners": true, "staff": true}
	ok := Share{Name: "Akten", Path: "/srv/akten", Write: []string{"partners"}, Browseable: true}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"valid", func(c *Config) {}, ""},
		{"unknown group", func(c *Config) { c.Shares[0].Read = []string{"nobody-here"} }, `group "nobody-here" is not defined`},
		{"bad group name", func(c *Config) { c.Shares[0].Write = []string{`x" @"MUELLER\admins`} }, "not a valid group name"},
		{"no groups", func(c *Config) { c.Shares[0].Write = nil }, "grants access to no group"},
		{"comment newline", func(c *Config) { c.Shares[0].Comment = "x\n[global]\nguest ok = yes" }, "control characters"},
		{"comment continuation", func(c *Config) { c.Shares[0].Comment = `ends in \` }, "backslash"},
		{"comment percent", func(c *Config) { c.Shares[0].Comment = "50% off" }, `"%"`},
		{"duplicate by case", func(c *Config) {
			c.Shares = append(c.Shares, Share{Name: "AKTEN", Path: "/srv/b", Write: []string{"staff"}})
		}, "differ only in case"},
		{"bad workgroup", func(c *Config) { c.Workgroup = "MUELLER]\n[x" }, "workgroup"},
		{"recycle days", func(c *Config) { c.Shares[0].RecycleBin, c.Shares[0].RecycleDays = true, 0 }, "recycle_days"},
		{"share on homes", func(c *Config) { c.Homes, c.Shares[0].Path = true, HomesDir+"/x" }, "overlaps the home folders"},
		{"share around homes", func(c *Config) { c.Homes, c.Shares[0].Path = true, "/srv/posse" }, "overlaps the home folders"},
		{"share named like a user", func(c *Config) {
			c.Homes = true
			c.HomeUsers = []Home{{User: "akten", Path: HomePath("akten")}}
		}, "has the name of user akten"},
		{"bad username", func(c *Config) { c.HomeUsers = []Home{{User: "../root", Path: HomePath("../root")}} }, "is not valid"},
		// The share name rule is the site's (site.ShareNameError).
		{"reserved share", func(c *Config) { c.Shares[0].Name = "SysVol" }, "reserved by Samba"},
		{"hidden share", func(c *Config) { c.Shares[0].Name = "Akten$" }, `ends in "$"`},
		// A home folder is a section named after its user: never one of
		// Samba's own.
		{"home named sysvol", func(c *Config) {
			c.Homes = true
			c.HomeUsers = []Home{{User: "sysvol", Path: HomePath("sysvol")}}
		}, "Samba's own sections"},
		{"home named global", func(c *Config) {
			c.Homes = true
			c.HomeUsers = []Home{{User: "global", Path: HomePath("global")}}
		}, "Samba's own sections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Workgroup: "MUELLER", Shares: []Share{ok}}
			c.Shares[0].Read = nil
			tt.mod(&c)
			err := c.Validate(groups)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := Render(c); err == nil && !strings.Contains(tt.want, "defined") {
					t.Errorf("Render accepted a config Validate refuses")
				}
			}
		})
	}
}

func TestCheckNoEscape(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "srv/posse/shares"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "srv/real"), 0o755))
	must(os.Symlink(outside, filepath.Join(root, "srv/posse/shares/evil")))
	must(os.Symlink("/etc", filepath.Join(root, "srv/etclink")))
	must(os.Symlink("../real", filepath.Join(root, "srv/posse/inside")))

	tests := []struct {
		path string
		ok   bool
	}{
		{"/srv/posse/shares/akten", true},         // missing: will be created
		{"/srv/posse/shares/evil", false},         // link to a directory outside the root
		{"/srv/posse/shares/evil/sub/dir", false}, // below such a link
		{"/srv/etclink", false},                   // absolute link leaving /srv
		{"/srv/posse/inside/x", true},             // relative link staying in /srv
	}
	for _, tt := range tests {
		err := CheckNoEscape(root, tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("CheckNoEscape(%s) = %v, want ok=%v", tt.path, err, tt.ok)
		}
	}
	// /srv itself a link out of the root.
	root2 := t.TempDir()
	must(os.Symlink(outside, filepath.Join(root2, "srv")))
	if err := CheckNoEscape(root2, "/srv/posse/shares/a"); err == nil {
		t.Error("CheckNoEscape accepted /srv linking out of the root")
	}
}
