// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"slices"
	"testing"
)

// TestMailThroughPossed runs possectl mail queue, aliases, set-alias and
// delete-alias.
func TestMailThroughPossed(t *testing.T) {
	r, f := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "queue", args: []string{"mail", "queue"}, stdout: []string{"mail queue: 2 messages (1 deferred), the oldest arrived ", " ago"}},
		{name: "queue json", args: []string{"mail", "queue", "--json"},
			json: "{\n  \"messages\": 2,\n  \"deferred\": 1,\n  \"oldest\": \"2026-11-23T08:00:00Z\"\n}\n"},
		{name: "aliases", args: []string{"mail", "aliases"}, stdout: []string{"ALIAS                DELIVERS TO\noffice@test.example  anna, bert\n"}},
		{name: "aliases json", args: []string{"mail", "aliases", "--json"},
			json: "[\n  {\n    \"address\": \"office@test.example\",\n    \"to\": [\n      \"anna\",\n      \"bert\"\n    ]\n  }\n]\n"},
		{name: "set-alias", args: []string{"mail", "set-alias", "info@test.example", "anna", "carl@other.example"},
			stdout: []string{"alias info@test.example delivers to anna, carl@other.example; the site was applied"}, check: func(t *testing.T) {
				if a, ok := f.alias("info@test.example"); !ok || !slices.Equal(a.To, []string{"anna", "carl@other.example"}) {
					t.Errorf("possed got %+v", a)
				}
			}},
		{name: "set-alias json replaces the targets", args: []string{"mail", "set-alias", "info@test.example", "bert", "--json"},
			json: "{\n  \"address\": \"info@test.example\",\n  \"to\": [\n    \"bert\"\n  ]\n}\n"},
		{name: "set-alias: possed checks the address", args: []string{"mail", "set-alias", "Info", "anna"}, code: 1,
			stderr: []string{`mail address "Info" is not valid`, "nothing was changed"}},
		{name: "set-alias needs a target", args: []string{"mail", "set-alias", "info@test.example"}, code: 2, stderr: []string{"needs an alias address and at least one target"}},
		{name: "not authorized to list aliases", refuse: true, args: []string{"mail", "aliases"}, code: 1,
			stderr: []string{"you are not allowed to manage mail aliases on this box: ask an administrator to add you to posse-admin"}},
		{name: "delete-alias without a terminal needs --yes", args: []string{"mail", "delete-alias", "info@test.example"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "delete-alias asks", terminal: true, stdin: "nope\n", args: []string{"mail", "delete-alias", "info@test.example"}, code: 1,
			stderr: []string{"Delete alias info@test.example of this box (delivers to bert)? Mail to it will bounce.", "cancelled: nothing was changed"}, check: func(t *testing.T) {
				if _, ok := f.alias("info@test.example"); !ok {
					t.Error("deleted after 'nope'")
				}
			}},
		{name: "delete-alias --yes json", args: []string{"mail", "delete-alias", "info@test.example", "--yes", "--json"},
			json: "{\n  \"deleted\": \"info@test.example\"\n}\n"},
		{name: "delete-alias of an alias possed does not know", args: []string{"mail", "delete-alias", "info@test.example", "--yes"}, code: 1,
			stderr: []string{"the site has no alias info@test.example: not found: see 'possectl mail aliases'"}},
	})
}
