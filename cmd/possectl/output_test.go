// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon/api"
)

func TestPrintUser(t *testing.T) {
	var b bytes.Buffer
	u := userFields{username: "alice", given: "Alice", surname: "Example", email: "alice@example.org",
		groups: []string{"partners", "staff"}, disabled: true}
	if err := printUser(&b, u, [][2]string{{"home", `H: \\DC\alice`}}); err != nil {
		t.Fatal(err)
	}
	want := `username:  alice
name:      Alice Example
email:     alice@example.org
aliases:   -
groups:    partners, staff
kind:      person
admin:     no
state:     disabled
home:      H: \\DC\alice
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := printUser(&b, userFields{username: "scanner", kind: "service", admin: false}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "kind:      service account (no mailbox") {
		t.Errorf("service account:\n%s", b.String())
	}
	b.Reset()
	if err := printUsers(&b, []api.User{{Username: "anna", Admin: true}, {Username: "scanner", Kind: "service"}}, false); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "enabled, admin") || !strings.Contains(out, "enabled, service account") {
		t.Errorf("users list:\n%s", out)
	}
}

// TestPrintUsersEscapesControls: names and addresses from the directory
// or possed cannot drive the terminal of whoever lists the users.
func TestPrintUsersEscapesControls(t *testing.T) {
	evil := "Eve\x1b]0;pwned\a\x1b[2J\tX\x7f\u202e"
	var b bytes.Buffer
	if err := printUsers(&b, []api.User{{Username: "eve", DisplayName: evil, Email: "eve@example.com", Groups: []string{"st\naff"}}}, false); err != nil {
		t.Fatal(err)
	}
	if err := printUser(&b, userFields{username: "eve", displayName: evil, aliases: []string{"a\rb@example.com"}}, [][2]string{{"created by", "api\x1b[0m"}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\a\x7f\r\u202e") || strings.Contains(out, "st\naff") {
		t.Errorf("control characters reach the terminal: %q", out)
	}
	for _, want := range []string{`Eve\x1b]0;pwned\x07\x1b[2J\tX\x7f\u202e`, `st\naff`, `a\rb@example.com`, `api\x1b[0m`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped %s:\n%s", want, out)
		}
	}
}

func TestNamedTemplate(t *testing.T) {
	err := namedTemplate(errors.New("invalid input: secrets:\ntemplate:95:15: secret \"jneu\" is not set"), "site.yaml")
	want := "site.yaml:95:15: secret \"jneu\" is not set\n  hint: put the missing secrets in the --secrets file (mode 0600) or set POSSE_SECRET_<NAME>"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	hinted := errors.New("secrets:\ntemplate:7:19: secret \"a\" is not set\n  hint: add a to the secrets file or set POSSE_SECRET_A")
	if got := namedTemplate(hinted, "s.yaml").Error(); got != "s.yaml:7:19: secret \"a\" is not set\n  hint: add a to the secrets file or set POSSE_SECRET_A" {
		t.Errorf("got %q", got)
	}
	other := errors.New("you are not allowed to plan a site on this box")
	if got := namedTemplate(other, "s.yaml"); got != other {
		t.Errorf("other errors must pass unchanged, got %v", got)
	}
	if namedTemplate(nil, "s.yaml") != nil {
		t.Error("nil")
	}
}
