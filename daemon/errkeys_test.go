// SPDX-License-Identifier: GPL-3.0-or-later

package daemon_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/rules"
)

// TestErrorsCarryTheirKey: a refusal reaches the client with its D-Bus
// name, its English message as before, and its key and arguments; the
// body's first value is the message alone, so clients before keys read
// it as they did.
func TestErrorsCarryTheirKey(t *testing.T) {
	r := newRig(t, rigOpts{})
	c := r.admin(t)
	u := api.User{Username: "anna", GivenName: "Anna", Surname: "Berg"}
	if err := c.CreateUser(ctx(t), u, "Tokam-Rubel-47", true); err != nil {
		t.Fatal(err)
	}
	err := c.CreateUser(ctx(t), u, "Tokam-Rubel-47", true)
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("creating an existing user: %v", err)
	}
	if ce.Key != api.KeyUserExists || !maps.Equal(ce.Args, map[string]string{"user": "anna"}) || ce.Message != "user anna already exists: choose another username" {
		t.Errorf("key %q args %v message %q", ce.Key, ce.Args, ce.Message)
	}
	var de dbus.Error
	if !errors.As(err, &de) || len(de.Body) != 3 || de.Body[0] != ce.Message {
		t.Errorf("the wire body is %#v, want (message, key, args)", de.Body)
	}

	if _, err := c.User(ctx(t), "bert"); !client.IsNotFound(err) || !errors.As(err, &ce) || ce.Key != api.KeyUserNotFound || ce.Args["user"] != "bert" {
		t.Errorf("a missing user: %#v", err)
	}

	// polkit's refusal names the action and the group that grants it.
	office := r.client(t, false, daemon.ActionStatus)
	err = office.CreateUser(ctx(t), api.User{Username: "bert"}, "Tokam-Rubel-47", true)
	if !client.IsNotAuthorized(err) || !errors.As(err, &ce) || ce.Key != api.KeyNotAuthorized ||
		ce.Args["action"] != daemon.ActionUsers || ce.Args["group"] != "posse-office" {
		t.Errorf("a refused create: %#v", err)
	}

	// Arguments the daemon checks itself are keyed too.
	err = c.SetPassword(ctx(t), "posse-mail", "Tokam-Rubel-47", false)
	if !client.IsInvalidInput(err) || !errors.As(err, &ce) || ce.Key != api.KeyServiceAccount || ce.Args["user"] != "posse-mail" {
		t.Errorf("a service account's password: %#v", err)
	}
}

// TestKeyPassword: every reason of the password rules has its key.
func TestKeyPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                    api.KeyPasswordShort,
		"alllowercaseletters":      api.KeyPasswordSimple,
		"Anna-Berg-anna-12":        api.KeyPasswordUsername,
		"Tokam-Rubel-47\nsecond":   api.KeyPasswordControl,
		strings.Repeat("Ab1-", 70): api.KeyPasswordLong,
	} {
		err := daemon.KeyPassword(checkPolicyErr(pw))
		if key, _ := api.ErrorKey(err); key != want {
			t.Errorf("%q: key %q, want %q (%v)", pw, key, want, err)
		}
	}
}

func checkPolicyErr(pw string) error { return rules.CheckPassword(rules.DefaultPolicy(), "anna", pw) }
