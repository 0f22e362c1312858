// SPDX-License-Identifier: GPL-3.0-or-later

package main

import "testing"

// TestSharePermissionsThroughPossed runs possectl shares permissions
// against possed (the test backend's share "Office", whose folder Chef
// denies bob).
func TestSharePermissionsThroughPossed(t *testing.T) {
	r, _ := newParityRig(t)
	runParity(t, r, []parityCase{
		{name: "share root", args: []string{"shares", "permissions", "Office"},
			stdout: []string{"Office\n", "apply puts them back", "Owner: Administrator", "Inheritance: off", "staff", "modify", "this folder, subfolders and files"}},
		{name: "folder with a deny entry", args: []string{"shares", "permissions", "Office", `\Chef\`},
			stdout: []string{`Office\Chef`, "one of the share's folders", "Inheritance: from the folder above", "bob            deny   full control"}},
		{name: "json", args: []string{"shares", "permissions", "Office", "Chef", "--json"},
			json: "{\n  \"share\": \"Office\",\n  \"path\": \"Chef\",\n  \"owner\": \"Administrator\",\n  \"inherits\": true,\n  \"template\": \"folder\",\n  \"entries\": [\n    {\n      \"account\": \"bob\",\n      \"deny\": true,\n      \"rights\": \"full control\",\n      \"applies_to\": \"this folder, subfolders and files\",\n      \"inherited\": false\n    },\n    {\n      \"account\": \"Domain Admins\",\n      \"deny\": false,\n      \"rights\": \"full control\",\n      \"applies_to\": \"this folder, subfolders and files\",\n      \"inherited\": true\n    },\n    {\n      \"account\": \"staff\",\n      \"deny\": false,\n      \"rights\": \"modify\",\n      \"applies_to\": \"this folder, subfolders and files\",\n      \"inherited\": true\n    }\n  ]\n}\n"},
		{name: "a path out of the share is refused", args: []string{"shares", "permissions", "Office", "../etc"}, code: 1,
			stderr: []string{"goes up with .."}},
		{name: "unknown share", args: []string{"shares", "permissions", "Nowhere"}, code: 1,
			stderr: []string{`no share "Nowhere"`}},
		{name: "no share given", args: []string{"shares", "permissions"}, code: 2,
			stderr: []string{"needs a share name and an optional path inside it"}},
		{name: "not authorized", refuse: true, args: []string{"shares", "permissions", "Office"}, code: 1,
			stderr: []string{"you are not allowed to manage shares on this box"}},
	})
}
