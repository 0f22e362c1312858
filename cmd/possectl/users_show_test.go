package main

import (
	"bytes"
	"testing"
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
state:     disabled
home:      H: \\DC\alice
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
