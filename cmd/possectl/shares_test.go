// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"slices"
	"testing"
)

// TestSharesThroughPossed runs possectl shares list, usage, set and delete.
func TestSharesThroughPossed(t *testing.T) {
	r, f := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "list", args: []string{"shares", "list"}, stdout: []string{"SHARE", "Data   /srv/posse/shares/data  staff  staff  no", "Shared files"}},
		{name: "list json", args: []string{"shares", "list", "--json"},
			json: "[\n  {\n    \"name\": \"Data\",\n    \"path\": \"/srv/posse/shares/data\",\n    \"description\": \"Shared files\",\n    \"read\": [\n      \"staff\"\n    ],\n    \"write\": [\n      \"staff\"\n    ],\n    \"recycle_bin\": false\n  }\n]\n"},
		{name: "usage", args: []string{"shares", "usage"}, stdout: []string{"SHARE", "FREE ON DISK", "Data", "/srv/posse/shares/data", "3.0 MiB", "12", " ago", "1.0 GiB of 4.0 GiB"}},
		{name: "usage json", args: []string{"shares", "usage", "--json"},
			json: "[\n  {\n    \"name\": \"Data\",\n    \"path\": \"/srv/posse/shares/data\",\n    \"used_bytes\": 3145728,\n    \"files\": 12,\n    \"measured_at\": \"2026-11-23T08:55:00Z\",\n    \"complete\": true,\n    \"free_bytes\": 1073741824,\n    \"size_bytes\": 4294967296\n  }\n]\n"},
		{name: "set adds", args: []string{"shares", "set", "Projects", "--write", "staff", "--description", "Project files"},
			stdout: []string{"added share Projects; the site was applied"}, stderr: []string{"possed changes the site template on this box and applies it"}, check: func(t *testing.T) {
				s, ok := f.share("Projects")
				if !ok || !slices.Equal(s.Write, []string{"staff"}) || len(s.Read) != 0 || s.Description != "Project files" || s.RecycleBin {
					t.Errorf("possed got %+v", s)
				}
			}},
		{name: "set changes only what is given", args: []string{"shares", "set", "projects", "--recycle-bin", "--json"},
			json: "{\n  \"name\": \"Projects\",\n  \"path\": \"/srv/posse/shares/projects\",\n  \"description\": \"Project files\",\n  \"read\": [],\n  \"write\": [\n    \"staff\"\n  ],\n  \"recycle_bin\": true\n}\n"},
		{name: "set: possed checks the template", args: []string{"shares", "set", "Projects", "--read", "ghosts"}, code: 1,
			stderr: []string{"setting share Projects would make the site template invalid:\ntemplate:12:9:", `group "ghosts" is not defined`, "nothing was changed"}, check: func(t *testing.T) {
				if s, _ := f.share("Projects"); len(s.Read) != 0 {
					t.Errorf("read became %v", s.Read)
				}
			}},
		{name: "set: possed checks the name", args: []string{"shares", "set", "a/b", "--read", "staff"}, code: 1,
			stderr: []string{"share name contains a character SMB does not allow", "nothing was changed"}},
		{name: "not authorized to set", refuse: true, args: []string{"shares", "set", "Projects", "--recycle-bin=false"}, code: 1,
			stderr: []string{"you are not allowed to manage shares on this box: ask an administrator to add you to posse-admin"}},
		{name: "delete without a terminal needs --yes", args: []string{"shares", "delete", "Projects"}, code: 2, stderr: []string{"pass --yes"}, check: func(t *testing.T) {
			if _, ok := f.share("Projects"); !ok {
				t.Error("deleted without confirmation")
			}
		}},
		{name: "delete asks", terminal: true, stdin: "yes\n", args: []string{"shares", "delete", "projects"},
			stderr: []string{"Delete share Projects of this box? The site is applied; its files stay in /srv/posse/shares/projects."},
			stdout: []string{"deleted share Projects; its files stay in /srv/posse/shares/projects"}},
		{name: "delete --yes of a share possed does not know", args: []string{"shares", "delete", "Projects", "--yes"}, code: 1,
			stderr: []string{"the site has no share Projects: not found: see 'possectl shares list'"}},
	})
}
