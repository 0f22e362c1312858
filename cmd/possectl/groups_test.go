// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"slices"
	"testing"
)

// TestGroupsThroughPossed runs possectl groups list, show, add, delete,
// add-member and remove-member against possed with a fake directory.
func TestGroupsThroughPossed(t *testing.T) {
	r, f := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "list", args: []string{"groups", "list"}, stdout: []string{
			"GROUP  DESCRIPTION", "staff  Everyone", "anna, bert", `odd    ` + evilEscaped, `st\naff`,
		}},
		{name: "list json", args: []string{"groups", "list", "--json"}, stdout: []string{
			`"name": "odd"`, `"description": "Eve\u001b]0;pwned\u0007\u001b[2J\tX\u007f\u202e"`, `"members": [`,
		}, notStdout: []string{"GROUP"}},
		{name: "show", args: []string{"groups", "show", "staff"}, stdout: []string{"group:        staff\ndescription:  Everyone\nmembers:      anna, bert\n"}},
		{name: "show json", args: []string{"groups", "show", "STAFF", "--json"},
			json: "{\n  \"name\": \"staff\",\n  \"description\": \"Everyone\",\n  \"members\": [\n    \"anna\",\n    \"bert\"\n  ]\n}\n"},
		{name: "show a group the box does not have", args: []string{"groups", "show", "nobody"}, code: 1,
			stderr: []string{"there is no group nobody on this box: see 'possectl groups list'"}},
		{name: "add", args: []string{"groups", "add", "projects", "--description", "Project files", "--member", "anna"},
			stdout: []string{"added group projects with anna"}, check: func(t *testing.T) {
				if g, ok := f.group("projects"); !ok || g.Description != "Project files" || !slices.Equal(g.Members, []string{"anna"}) {
					t.Errorf("possed made %+v", g)
				}
			}},
		{name: "add json", args: []string{"groups", "add", "empty", "--json"},
			json: "{\n  \"name\": \"empty\",\n  \"description\": \"\",\n  \"members\": []\n}\n"},
		{name: "add: possed checks the name", args: []string{"groups", "add", "Domain Admins"}, code: 1,
			stderr: []string{"invalid input: ", "Domain Admins", "nothing was changed: correct it and run the command again"}, check: func(t *testing.T) {
				if _, ok := f.group("Domain Admins"); ok {
					t.Error("the group was made")
				}
			}},
		{name: "add: possed's own refusal", args: []string{"groups", "add", "staff"}, code: 1,
			stderr: []string{"group staff exists already", "nothing was changed"}},
		{name: "add-member", args: []string{"groups", "add-member", "projects", "bert", "carl"},
			stdout: []string{"added bert, carl to group projects"}, check: func(t *testing.T) {
				if m := members(f, "projects"); !slices.Equal(m, []string{"anna", "bert", "carl"}) {
					t.Errorf("members %v", m)
				}
			}},
		{name: "add-member json", args: []string{"groups", "add-member", "empty", "anna", "--json"},
			json: "{\n  \"name\": \"empty\",\n  \"description\": \"\",\n  \"members\": [\n    \"anna\"\n  ]\n}\n"},
		{name: "add-member of a user the box does not have", args: []string{"groups", "add-member", "projects", "nosuchuser"}, code: 1,
			stderr: []string{"there is no user nosuchuser", "see 'possectl groups list'"}},
		{name: "add-member of a service account: possed refuses", args: []string{"groups", "add-member", "projects", "posse-mail"}, code: 1,
			stderr: []string{"posse-mail is the directory account of one of Posse's services", "nothing was changed"}},
		{name: "add-member needs a user", args: []string{"groups", "add-member", "projects"}, code: 2,
			stderr: []string{"needs a group name and at least one username"}},
		{name: "remove-member without a terminal needs --yes", args: []string{"groups", "remove-member", "projects", "carl"}, code: 2,
			stderr: []string{"possectl groups remove-member asks for confirmation, but stdin is not a terminal: pass --yes"}, check: func(t *testing.T) {
				if m := members(f, "projects"); !slices.Contains(m, "carl") {
					t.Errorf("carl was removed without confirmation: %v", m)
				}
			}},
		{name: "remove-member answered no", terminal: true, stdin: "no\n", args: []string{"groups", "remove-member", "projects", "carl"}, code: 1,
			stderr: []string{"Remove carl from group projects of this box? Only 'yes' is accepted:", "cancelled: nothing was changed"}, check: func(t *testing.T) {
				if m := members(f, "projects"); !slices.Contains(m, "carl") {
					t.Errorf("carl was removed: %v", m)
				}
			}},
		{name: "remove-member answered yes", terminal: true, stdin: "yes\n", args: []string{"groups", "remove-member", "projects", "carl"},
			stdout: []string{"removed carl from group projects"}, check: func(t *testing.T) {
				if m := members(f, "projects"); slices.Contains(m, "carl") {
					t.Errorf("carl is still a member: %v", m)
				}
			}},
		{name: "remove-member --yes --json", args: []string{"groups", "remove-member", "projects", "bert", "--yes", "--json"},
			json: "{\n  \"name\": \"projects\",\n  \"description\": \"Project files\",\n  \"members\": [\n    \"anna\"\n  ]\n}\n"},
		{name: "delete without a terminal needs --yes", args: []string{"groups", "delete", "projects"}, code: 2,
			stderr: []string{"pass --yes"}, check: func(t *testing.T) {
				if _, ok := f.group("projects"); !ok {
					t.Error("deleted without confirmation")
				}
			}},
		{name: "delete asks with the members", terminal: true, stdin: "\n", args: []string{"groups", "delete", "projects"}, code: 1,
			stderr: []string{"Delete group projects of this box? Its 1 members (anna) stay, without the group's rights.", "possectl groups delete cancelled: nothing was changed"}},
		{name: "delete a group the box does not have", terminal: true, args: []string{"groups", "delete", "nobody"}, code: 1,
			stderr: []string{"there is no group nobody on this box: see 'possectl groups list'"}},
		{name: "delete --yes", args: []string{"groups", "delete", "projects", "--yes"}, stdout: []string{"deleted group projects"}, check: func(t *testing.T) {
			if _, ok := f.group("projects"); ok {
				t.Error("not deleted")
			}
		}},
		{name: "delete --yes json", args: []string{"groups", "delete", "empty", "-y", "--json"}, json: "{\n  \"deleted\": \"empty\"\n}\n"},
		{name: "delete --yes of a group possed does not know", args: []string{"groups", "delete", "projects", "--yes"}, code: 1,
			stderr: []string{"there is no group projects: not found: see 'possectl groups list'"}},
		{name: "not authorized", refuse: true, args: []string{"groups", "list"}, code: 1,
			stderr: []string{"you are not allowed to manage groups on this box: ask an administrator to add you to posse-office (or posse-admin)"}},
		{name: "--direct", args: []string{"groups", "list", "--direct"}, code: 2, stderr: []string{"possectl groups list always goes through possed: drop --direct"}},
	})
}
