// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"context"
	"testing"

	"github.com/posse-project/posse/daemon/api"
)

// TestUsersLogonThroughPossed runs possectl users logon against possed.
func TestUsersLogonThroughPossed(t *testing.T) {
	r, f := newParityRig(t)
	if err := f.fakeBox.Backend.CreateUser(context.Background(), api.User{Username: "anna"}, "Sommer-2026-lang!", false); err != nil {
		t.Fatal(err)
	}
	runParity(t, r, []parityCase{
		{name: "text", args: []string{"users", "logon", "anna"},
			stdout: []string{`logon        TEST\anna (or anna@test.example)`, "home folder  H:", "shares       Office (read and write)", "password     at least 12 characters"}},
		{name: "json", args: []string{"users", "logon", "anna", "--json"},
			json: "{\n  \"username\": \"anna\",\n  \"logon\": \"TEST\\\\anna\",\n  \"workgroup\": \"TEST\",\n  \"dns_domain\": \"test.example\",\n  \"home_drive\": \"H:\",\n  \"shares\": [\n    {\n      \"name\": \"Office\",\n      \"write\": true\n    }\n  ],\n  \"min_password_length\": 12\n}\n"},
		{name: "unknown user", args: []string{"users", "logon", "carl"}, code: 1, stderr: []string{"user carl"}},
		{name: "a bad name is refused", args: []string{"users", "logon", "a*b"}, code: 1},
	})
}
