// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
)

// TestEveryErrorKeyIsTranslated: the app has words for every key possed
// and the client give errors (api.ErrorKeys), in both languages, with
// every argument filled in, and for every polkit action; a new key
// without them fails here.
func TestEveryErrorKeyIsTranslated(t *testing.T) {
	english(t)
	args := map[string]string{"user": "ARG", "name": "ARG", "min": "ARG", "max": "ARG", "address": "ARG",
		"feature": "ARG", "target": "ARG", "group": "ARG", "action": daemon.ActionUsers}
	for _, lang := range []string{"en", "de"} {
		if err := setLanguage(lang); err != nil {
			t.Fatal(err)
		}
		for _, key := range api.ErrorKeys {
			e := &client.Error{Name: api.ErrFailed, Message: "ENGLISH", Key: key, Args: args}
			got := errorText(fmt.Errorf("wrapped: %w", e))
			switch {
			case got == "wrapped: ENGLISH":
				t.Errorf("%s: key %q has no words in the app: add it to keyText and the translations", lang, key)
			case strings.Contains(got, "%!"):
				t.Errorf("%s: key %q: %q", lang, key, got)
			}
		}
		for _, action := range daemon.Actions {
			if actionText(action) == tr("do this") {
				t.Errorf("%s: polkit action %s has no words", lang, action)
			}
		}
	}
	e := &client.Error{Name: api.ErrFailed, Message: "something new", Key: "a_key_from_a_newer_possed"}
	if got := errorText(e); got != "something new" {
		t.Errorf("an unknown key shows %q, want possed's English message", got)
	}
}

// TestRefusedCreateInGerman: possed refuses a new user that exists
// already; the German UI says so in German, with the name, and the form
// keeps what was typed.
func TestRefusedCreateInGerman(t *testing.T) {
	english(t)
	if err := setLanguage("de"); err != nil {
		t.Fatal(err)
	}
	f := newFake(12)
	s, w := usersScreen(t, f)
	s.AddUser()
	test.Type(s.form.given, "Anna")
	test.Type(s.form.surname, "Schulz")
	f.fail["CreateUser"] = &client.Error{Name: api.ErrInvalidInput, Message: "invalid input: user anna.schulz already exists",
		Key: api.KeyUserExists, Args: map[string]string{"user": "anna.schulz"}}
	test.Tap(button(t, w.Canvas(), tr("Add user")))
	if !hasText(w.Canvas(), "Den Benutzer anna.schulz gibt es schon. Wählen Sie einen anderen Benutzernamen.") {
		t.Error("the refusal is not said in German")
	}
	if hasText(w.Canvas(), "already exists") {
		t.Error("the German dialog shows possed's English message")
	}
	golden(t, "users_add_refused_de.xml", w.Canvas())
	test.Tap(button(t, w.Canvas(), tr("Close")))
	if s.form.given.Text != "Anna" {
		t.Errorf("the form lost its input: %q", s.form.given.Text)
	}
}
